package dev.shadowattn.plugin.profile;

import dev.shadowattn.api.AttentionGeometry;

import java.nio.file.Path;

/**
 * Calibrated per-head parameters of one model (produced offline by the {@code calibrate} command,
 * docs/CALIBRATION.md).
 *
 * @param ratios    keep ratio per layer and query head ({@code [layers][queryHeads]}, each in (0, 1]), or {@code null}
 * @param weights   the calibration's head weights ({@code [layers][queryHeads]}, positive), from which ratios for
 *                  another global ratio are allocated ({@link KeepRatios}), or {@code null}; only with ratios
 * @param qScale    INT8 scale of Q per layer and query head ({@code real = int8 * scale}), or {@code null}
 * @param kScale    INT8 scale of K per layer and KV head ({@code [layers][kvHeads]}), or {@code null}; present
 *                  exactly when {@code qScale} is
 * @param geometry  the geometry the profile was calibrated for, or {@code null} (only the array shapes are checked)
 * @param modelFile the model file it was calibrated on, or {@code null} (not checked)
 * @param mass      attention-mass curves from which ratios for another global ratio are allocated, or {@code null};
 *                  only with ratios, and then they take precedence over {@code weights}
 * @param source    where the profile came from, for messages
 */
public record ModelProfile(double[][] ratios, double[][] weights, float[][] qScale, float[][] kScale,
                           ProfileGeometry geometry, ModelFileId modelFile, MassCurves mass, String source) {

    public ModelProfile {
        if ((qScale == null) != (kScale == null)) {
            throw new IllegalArgumentException("model profile " + source + ": qScale and kScale must be given together");
        }
        if (weights != null && ratios == null) {
            throw new IllegalArgumentException("model profile " + source + ": weights need ratios");
        }
        if (mass != null && ratios == null) {
            throw new IllegalArgumentException("model profile " + source + ": massCurve needs ratios");
        }
    }

    /** A profile without weights nor identity (hand-made, tests). */
    public ModelProfile(double[][] ratios, float[][] qScale, float[][] kScale, String source) {
        this(ratios, null, qScale, kScale, null, null, null, source);
    }

    /** Fails naming the mismatch unless {@code model} is the file the profile was calibrated on (when recorded). */
    public void checkModelFile(Path model) {
        if (modelFile != null) {
            modelFile.check(model, source);
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
        if (geometry != null) {
            geometry.check(g, source);
        }
        if (mass != null) {
            mass.validate(g.layers(), g.queryHeads(), source);
        }
        if (weights != null) {
            checkShape("weights", weights.length, g.layers(), "layers");
            for (int l = 0; l < weights.length; l++) {
                checkShape("weights[" + l + "]", weights[l].length, g.queryHeads(), "query heads");
                for (int h = 0; h < weights[l].length; h++) {
                    if (!(weights[l][h] > 0) || !Double.isFinite(weights[l][h])) {
                        throw new IllegalArgumentException("model profile " + source + ": weights[" + l + "][" + h
                                + "] = " + weights[l][h] + " must be a positive finite number");
                    }
                }
            }
        }
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
