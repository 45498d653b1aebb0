package dev.shadowattn.plugin.config;

import java.util.Locale;

/**
 * The preset an option set starts from: every other option defaults from the mode.
 */
public enum Mode {
    /** The paper's algorithm: INT8 Q·K^T per query head and row, token-level top-k, exact sparse softmax·V. */
    FAITHFUL("faithful"),
    /** Fast on a CPU without an NPU: selection shared per KV head and row tile, key blocks, block summaries. */
    CPU("cpu");

    private final String key;

    Mode(String key) {
        this.key = key;
    }

    public String key() {
        return key;
    }

    public static Mode parse(String option, String value) {
        for (Mode m : values()) {
            if (m.key.equals(value.toLowerCase(Locale.ROOT))) {
                return m;
            }
        }
        throw new IllegalArgumentException("backend option " + option + "=" + value + " must be one of faithful, cpu");
    }
}
