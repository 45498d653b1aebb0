package dev.shadowattn.plugin.config;

import java.util.Locale;

/** Which query heads share one selection. */
public enum Sharing {
    /** Every query head selects its own keys (the paper). */
    HEAD("head"),
    /** The query heads reading one KV head share a selection (the max of their scores), so K/V are read once. */
    KV("kv");

    private final String key;

    Sharing(String key) {
        this.key = key;
    }

    public String key() {
        return key;
    }

    public static Sharing parse(String option, String value) {
        for (Sharing s : values()) {
            if (s.key.equals(value.toLowerCase(Locale.ROOT))) {
                return s;
            }
        }
        throw new IllegalArgumentException("backend option " + option + "=" + value + " must be one of head, kv");
    }
}
