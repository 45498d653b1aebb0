package dev.shadowattn.plugin.config;

import java.util.Locale;

/** How key (or key block) importance is estimated before selection. */
public enum Estimator {
    /** INT8 Q·K^T over every visible key on the scoring device (the paper); a block scores its best key. */
    INT8("int8"),
    /** Per-block per-channel min/max of K bounding q·k (Quest); no per-key work. */
    BLOCKS("blocks"),
    /** Block bounds pick twice the budget of candidate blocks, INT8 scores of their keys pick the final blocks. */
    BLOCKS_INT8("blocks-int8"),
    /** Exact float q·k (an oracle for quality studies: as expensive as dense attention). */
    EXACT("exact");

    private final String key;

    Estimator(String key) {
        this.key = key;
    }

    public String key() {
        return key;
    }

    /** Whether this estimator reads per-block K summaries. */
    public boolean needsSummaries() {
        return this == BLOCKS || this == BLOCKS_INT8;
    }

    public static Estimator parse(String option, String value) {
        for (Estimator e : values()) {
            if (e.key.equals(value.toLowerCase(Locale.ROOT))) {
                return e;
            }
        }
        throw new IllegalArgumentException(
                "backend option " + option + "=" + value + " must be one of int8, blocks, blocks-int8, exact");
    }
}
