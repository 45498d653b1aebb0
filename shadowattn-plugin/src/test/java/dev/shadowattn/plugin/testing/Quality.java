package dev.shadowattn.plugin.testing;

import java.util.Arrays;

/**
 * Quality of a selection run against exact dense attention: top-k recall against the exact float top-k at the
 * same budget, share of the dense attention mass covered, and output error.
 *
 * @param meanRecall     mean over (head, position) of |kept ∩ exact top-k| / k, k = ceil(ratio * visible)
 * @param worstHeadRecall the lowest per-head mean recall
 * @param meanMass       mean over (head, position) of the dense softmax weight on kept keys
 * @param worstHeadMass  the lowest per-head mean mass
 * @param meanOutputError mean over (head, position) of ||out - dense|| / ||dense||
 * @param maxOutputError the largest such error
 * @param keptFraction   kept keys / visible keys
 */
public record Quality(double meanRecall, double worstHeadRecall, double meanMass, double worstHeadMass,
                      double meanOutputError, double maxOutputError, double keptFraction) {

    /** Measures rows {@code [from, n)} of a run over {@code x}. */
    public static Quality measure(QkvData x, SessionDriver.Run run, double ratio, int from) {
        int qh = x.queryHeads();
        int d = x.headDim();
        double[] headRecall = new double[qh];
        double[] headMass = new double[qh];
        double errSum = 0;
        double errMax = 0;
        long kept = 0;
        long visible = 0;
        int rows = x.n() - from;
        float[] dense = DenseReference.attend(x, from, x.n());
        for (int p = from; p < x.n(); p++) {
            for (int h = 0; h < qh; h++) {
                int[] keys = run.kept(h, p);
                kept += keys.length;
                visible += p + 1;
                double[] w = DenseReference.weights(x, h, p);
                double mass = 0;
                for (int j : keys) {
                    mass += w[j];
                }
                headMass[h] += mass;
                int k = Math.max(1, (int) Math.ceil(ratio * (p + 1) - 1e-9));
                headRecall[h] += recall(x, h, p, k, keys);
                int o = ((p - from) * qh + h) * d;
                int oo = (p * qh + h) * d;
                double num = 0;
                double den = 0;
                for (int c = 0; c < d; c++) {
                    double diff = run.out()[oo + c] - dense[o + c];
                    num += diff * diff;
                    den += (double) dense[o + c] * dense[o + c];
                }
                double err = Math.sqrt(num / Math.max(den, 1e-30));
                errSum += err;
                errMax = Math.max(errMax, err);
            }
        }
        double mr = 0;
        double wr = 1;
        double mm = 0;
        double wm = 1;
        for (int h = 0; h < qh; h++) {
            mr += headRecall[h] / rows / qh;
            wr = Math.min(wr, headRecall[h] / rows);
            mm += headMass[h] / rows / qh;
            wm = Math.min(wm, headMass[h] / rows);
        }
        return new Quality(mr, wr, mm, wm, errSum / rows / qh, errMax, (double) kept / visible);
    }

    /** |keys ∩ exact top-k| / k, ties at the k-th exact score counted as hits. */
    static double recall(QkvData x, int h, int p, int k, int[] keys) {
        double[] s = new double[p + 1];
        for (int j = 0; j <= p; j++) {
            s[j] = DenseReference.score(x, h, p, j);
        }
        double[] sorted = s.clone();
        Arrays.sort(sorted);
        double kth = sorted[p + 1 - k];
        int hits = 0;
        for (int j : keys) {
            if (s[j] >= kth) {
                hits++;
            }
        }
        return Math.min(1.0, (double) hits / k);
    }

    @Override
    public String toString() {
        return String.format(java.util.Locale.ROOT,
                "recall %.4f (worst head %.4f)  mass %.4f (worst head %.4f)  out err mean %.4f max %.4f  kept %.3f",
                meanRecall, worstHeadRecall, meanMass, worstHeadMass, meanOutputError, maxOutputError, keptFraction);
    }
}
