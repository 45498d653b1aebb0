package dev.shadowattn.host.calibrate;

import java.util.Locale;

/** How calibration measures the importance of a head (and of a layer): the loss increase when it is ... */
public enum Importance {
    /** ... zeroed: its attention output set to 0 before the output projection (the paper's ablation). */
    ZERO("zero"),
    /** ... made sparse: attending only to its top {@code probe ratio} keys by exact score ({@link SparseProbeBackend}). */
    SPARSE("sparse");

    private final String key;

    Importance(String key) {
        this.key = key;
    }

    public String key() {
        return key;
    }

    public static Importance parse(String value) {
        for (Importance i : values()) {
            if (i.key.equals(value.toLowerCase(Locale.ROOT))) {
                return i;
            }
        }
        throw new IllegalArgumentException("--importance " + value + " must be one of zero, sparse");
    }
}
