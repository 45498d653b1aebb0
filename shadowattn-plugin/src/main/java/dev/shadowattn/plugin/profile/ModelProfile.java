package dev.shadowattn.plugin.profile;

import dev.shadowattn.api.AttentionGeometry;

/**
 * Calibrated per-head parameters of one model (produced offline by the calibration step).
 *
 * @param ratios  keep ratio per layer and query head ({@code [layers][queryHeads]}, each in (0, 1]), or {@code null}
 * @param qScale  INT8 scale of Q per layer and query head ({@code real = int8 * scale}), or {@code null}
 * @param kScale  INT8 scale of K per layer and KV head ({@code [layers][kvHeads]}), or {@code null}; present
 *                exactly when {@code qScale} is
 * @param source  where the profile came from, for messages
 */
public record ModelProfile(double[][] ratios, float[][] qScale, float[][] kScale, String source) {

    public ModelProfile {
        if ((qScale == null) != (kScale == null)) {
            throw new IllegalArgumentException("model profile " + source + ": qScale and kScale must be given together");
        }
    }

    public boolean hasRatios() {
        return ratios != null;
    }

    public boolean hasScales() {
        return qScale != null;
    }

    /** Fails naming the field at fault unless every array matches {@code g} and every value is valid. */
    public void validate(AttentionGeometry g) {
        if (ratios != null) {
            checkShape("ratios", ratios.length, g.layers(), "layers");
            for (int l = 0; l < ratios.length; l++) {
                checkShape("ratios[" + l + "]", ratios[l].length, g.queryHeads(), "query heads");
                for (int h = 0; h < ratios[l].length; h++) {
                    double r = ratios[l][h];
                    if (!(r > 0.0 && r <= 1.0)) {
                        throw new IllegalArgumentException("model profile " + source + ": ratios[" + l + "][" + h
                                + "] = " + r + " is outside (0, 1]");
                    }
                }
            }
        }
        if (qScale != null) {
            checkScales("qScale", qScale, g.layers(), g.queryHeads(), "query heads");
            checkScales("kScale", kScale, g.layers(), g.kvHeads(), "KV heads");
        }
    }

    private void checkScales(String field, float[][] s, int layers, int heads, String what) {
        checkShape(field, s.length, layers, "layers");
        for (int l = 0; l < s.length; l++) {
            checkShape(field + "[" + l + "]", s[l].length, heads, what);
            for (int h = 0; h < s[l].length; h++) {
                if (!(s[l][h] > 0f) || !Float.isFinite(s[l][h])) {
                    throw new IllegalArgumentException("model profile " + source + ": " + field + "[" + l + "][" + h
                            + "] = " + s[l][h] + " must be a positive finite number");
                }
            }
        }
    }

    private void checkShape(String field, int actual, int expected, String what) {
        if (actual != expected) {
            throw new IllegalArgumentException("model profile " + source + ": " + field + " has " + actual
                    + " entries but the model has " + expected + " " + what);
        }
    }
}
