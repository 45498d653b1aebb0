package dev.shadowattn.plugin.config;

import java.util.Locale;

/** Where the INT8 quantization scales of Q and K come from. */
public enum ScaleMode {
    /**
     * Per-head constants from the model profile, snapped to the 3x3 bucket grid an NPU graph needs; values beyond
     * the range saturate.
     */
    STATIC("static"),
    /** From the data: Q per head per chunk, K per head per 16-key group (requantized when the group's range grows). */
    DYNAMIC("dynamic");

    private final String key;

    ScaleMode(String key) {
        this.key = key;
    }

    public String key() {
        return key;
    }

    public static ScaleMode parse(String option, String value) {
        for (ScaleMode s : values()) {
            if (s.key.equals(value.toLowerCase(Locale.ROOT))) {
                return s;
            }
        }
        throw new IllegalArgumentException("backend option " + option + "=" + value + " must be one of static, dynamic");
    }
}
