package dev.shadowattn.host.calibrate;

import java.util.Locale;

/** How the global keep ratio is divided among heads. */
public enum Allocation {
    /** The paper's formula over head and layer importance ({@link KeepRatios}). */
    FORMULA("formula"),
    /** The most attention mass kept for the budget ({@link MassAllocation} over {@link AttentionMass} curves). */
    MASS("mass");

    private final String key;

    Allocation(String key) {
        this.key = key;
    }

    public String key() {
        return key;
    }

    public static Allocation parse(String value) {
        for (Allocation a : values()) {
            if (a.key.equals(value.toLowerCase(Locale.ROOT))) {
                return a;
            }
        }
        throw new IllegalArgumentException("--allocation " + value + " must be one of formula, mass");
    }
}
