package dev.shadowattn.host.calibrate;

/**
 * Per-head keep ratios from head and layer importance (../shared/docs/SHADOWATTN.md, "Per-head sparsity ratios"):
 * <pre>
 *   p_i     = max(headImp_i, EPS) * max(layerImp_j(i), EPS)       each factor clamped at a small positive number,
 *                                                                 so that two negatives never make a positive
 *   w_i     = max(p_i, floor * mean(p))                           no head's weight below a fraction of the mean
 *   ratio_i = min(1, c * w_i)                                     c such that mean(ratio) = r
 * </pre>
 * When no head reaches 1, {@code c = r * N / sum(w)}: the paper's {@code ratio_i = r * N * w_i / sum_k w_k}. Heads
 * that would exceed 1 are capped and their overflow is shared by the others in proportion to their weights, so the
 * mean keep ratio stays exactly {@code r}.
 *
 * <p>The plug-in re-targets a profile to another global ratio with the same allocation over the stored weights
 * ({@code dev.shadowattn.plugin.profile.KeepRatios}; the modules share no code, so it is written twice).
 */
public final class KeepRatios {

    /** The clamp of each importance factor (nats): ablations that do not raise the loss count as almost nothing. */
    public static final double EPS = 1e-6;

    private KeepRatios() {
    }

    /**
     * Weights {@code w[layer][head]}, normalised to a mean of 1.
     *
     * @param headImp  loss increase with each head zeroed, {@code [layers][heads]}
     * @param layerImp loss increase with each layer's attention zeroed, {@code [layers]}
     * @param floor    least weight as a fraction of the mean weight, in [0, 1]
     */
    public static double[][] weights(double[][] headImp, double[] layerImp, double floor) {
        if (!(floor >= 0 && floor <= 1)) {
            throw new IllegalArgumentException("ratio floor " + floor + " is outside [0, 1]");
        }
        if (headImp.length != layerImp.length || headImp.length == 0) {
            throw new IllegalArgumentException("head importance has " + headImp.length + " layers, layer importance "
                    + layerImp.length);
        }
        double[][] p = new double[headImp.length][];
        double sum = 0;
        int n = 0;
        for (int l = 0; l < headImp.length; l++) {
            p[l] = new double[headImp[l].length];
            for (int h = 0; h < p[l].length; h++) {
                requireFinite(headImp[l][h], "head importance", l, h);
                requireFinite(layerImp[l], "layer importance", l, -1);
                p[l][h] = Math.max(headImp[l][h], EPS) * Math.max(layerImp[l], EPS);
                sum += p[l][h];
                n++;
            }
        }
        double least = floor * sum / n;
        double wsum = 0;
        for (double[] row : p) {
            for (int h = 0; h < row.length; h++) {
                row[h] = Math.max(row[h], least);
                wsum += row[h];
            }
        }
        double scale = n / wsum;
        for (double[] row : p) {
            for (int h = 0; h < row.length; h++) {
                row[h] *= scale;
            }
        }
        return p;
    }

    /**
     * Ratios {@code min(1, c * w)} with mean exactly {@code r}: the heads that reach 1 are fixed there and {@code c}
     * is solved again over the others until none is added (at most one pass per head).
     *
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

    private static void requireFinite(double v, String what, int l, int h) {
        if (!Double.isFinite(v)) {
            throw new IllegalArgumentException(what + " [" + l + "]" + (h >= 0 ? "[" + h + "]" : "") + " = " + v
                    + " is not finite");
        }
    }
}
