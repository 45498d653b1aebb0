package dev.shadowattn.plugin.profile;

/**
 * Re-targets calibrated keep ratios to another global ratio: {@code ratio_i = min(1, c * w_i)} with {@code c} such
 * that the mean is exactly {@code r} (heads that reach 1 are capped and their overflow is shared by the others in
 * proportion to their weights). Over a profile's {@code weights} this is the calibration's own allocation
 * ({@code dev.shadowattn.host.calibrate.KeepRatios}, docs/CALIBRATION.md; the modules share no code, so it is written
 * twice); over a profile's {@code ratios} it is a rescale that keeps the mean.
 */
public final class KeepRatios {

    private KeepRatios() {
    }

    /**
     * @param w positive finite weights, {@code [layers][heads]}
     * @param r global keep ratio in (0, 1]
     */
    public static double[][] allocate(double[][] w, double r) {
        if (!(r > 0 && r <= 1)) {
            throw new IllegalArgumentException("global keep ratio " + r + " is outside (0, 1]");
        }
        int n = 0;
        for (int l = 0; l < w.length; l++) {
            for (int h = 0; h < w[l].length; h++) {
                if (!(w[l][h] > 0) || !Double.isFinite(w[l][h])) {
                    throw new IllegalArgumentException("weight [" + l + "][" + h + "] = " + w[l][h]
                            + " must be positive and finite");
                }
                n++;
            }
        }
        boolean[][] capped = new boolean[w.length][];
        for (int l = 0; l < w.length; l++) {
            capped[l] = new boolean[w[l].length];
        }
        // Capping a head never lowers c, so a capped head stays capped: at most one pass per head.
        int nCapped = 0;
        double c = 0;
        boolean changed = true;
        while (changed && nCapped < n) {
            double free = 0;
            for (int l = 0; l < w.length; l++) {
                for (int h = 0; h < w[l].length; h++) {
                    free += capped[l][h] ? 0 : w[l][h];
                }
            }
            c = (r * n - nCapped) / free;
            changed = false;
            for (int l = 0; l < w.length; l++) {
                for (int h = 0; h < w[l].length; h++) {
                    if (!capped[l][h] && c * w[l][h] >= 1) {
                        capped[l][h] = true;
                        nCapped++;
                        changed = true;
                    }
                }
            }
        }
        double[][] ratios = new double[w.length][];
        for (int l = 0; l < w.length; l++) {
            ratios[l] = new double[w[l].length];
            for (int h = 0; h < w[l].length; h++) {
                ratios[l][h] = capped[l][h] ? 1.0 : c * w[l][h];
            }
        }
        return ratios;
    }
}
