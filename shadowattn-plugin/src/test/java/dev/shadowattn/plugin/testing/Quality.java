package dev.shadowattn.plugin.testing;

import java.util.Arrays;

/**
 * Quality of a selection run against exact dense attention: top-k recall against the exact float top-k at the
 * same budget, share of the dense attention mass covered, and output error.
 *
 * @param meanRecall      mean over (head, position) of |kept ∩ exact top-k| / k, k = ceil(ratio * visible)
 * @param worstHeadRecall the lowest per-head mean recall
 * @param meanMass        mean over (head, position) of the dense softmax weight on kept keys
 * @param worstHeadMass   the lowest per-head mean mass
 * @param meanOutputError mean over (head, position) of ||out - dense|| / ||dense||
 * @param maxOutputError  the largest such error
 * @param keptFraction    kept keys / visible keys over the measured positions
 */
public record Quality(double meanRecall, double worstHeadRecall, double meanMass, double worstHeadMass,
                      double meanOutputError, double maxOutputError, double keptFraction) {

    /** Exact scores, weights and outputs at sampled positions of one layer, computed once. */
    public static final class Reference {
        final QkvData x;
        final int[] positions;
        /** [position index][head]: exact scores, ascending-sorted copy, softmax weights, dense output. */
        final double[][][] scores;
        final double[][][] sorted;
        final double[][][] weights;
        final float[][][] dense;

        private Reference(QkvData x, int[] positions) {
            this.x = x;
            this.positions = positions;
            int qh = x.queryHeads();
            scores = new double[positions.length][qh][];
            sorted = new double[positions.length][qh][];
            weights = new double[positions.length][qh][];
            dense = new float[positions.length][qh][];
            for (int i = 0; i < positions.length; i++) {
                int p = positions[i];
                for (int h = 0; h < qh; h++) {
                    double[] s = new double[p + 1];
                    for (int j = 0; j <= p; j++) {
                        s[j] = DenseReference.score(x, h, p, j);
                    }
                    scores[i][h] = s;
                    sorted[i][h] = s.clone();
                    Arrays.sort(sorted[i][h]);
                    weights[i][h] = DenseReference.weights(x, h, p);
                    int[] all = new int[p + 1];
                    for (int j = 0; j <= p; j++) {
                        all[j] = j;
                    }
                    dense[i][h] = new float[x.headDim()];
                    DenseReference.attendOne(x, h, p, all, all.length, dense[i][h], 0);
                }
            }
        }

        public QkvData data() {
            return x;
        }
    }

    /** A reference at positions {@code from, from + stride, ...} below {@code n}. */
    public static Reference reference(QkvData x, int from, int stride) {
        int count = (x.n() - from + stride - 1) / stride;
        int[] positions = new int[count];
        for (int i = 0; i < count; i++) {
            positions[i] = from + i * stride;
        }
        return new Reference(x, positions);
    }

    /** Measures a run over the reference's data at its positions. */
    public static Quality measure(Reference ref, SessionDriver.Run run, double ratio) {
        QkvData x = ref.x;
        int qh = x.queryHeads();
        int d = x.headDim();
        double[] headRecall = new double[qh];
        double[] headMass = new double[qh];
        double errSum = 0;
        double errMax = 0;
        long kept = 0;
        long visible = 0;
        int rows = ref.positions.length;
        for (int i = 0; i < rows; i++) {
            int p = ref.positions[i];
            for (int h = 0; h < qh; h++) {
                int[] keys = run.kept(h, p);
                kept += keys.length;
                visible += p + 1;
                double mass = 0;
                for (int j : keys) {
                    mass += ref.weights[i][h][j];
                }
                headMass[h] += mass;
                int k = Math.max(1, (int) Math.ceil(ratio * (p + 1) - 1e-9));
                double kth = ref.sorted[i][h][p + 1 - k];
                int hits = 0;
                for (int j : keys) {
                    if (ref.scores[i][h][j] >= kth) {
                        hits++;
                    }
                }
                headRecall[h] += Math.min(1.0, (double) hits / k);
                int oo = (p * qh + h) * d;
                double num = 0;
                double den = 0;
                for (int c = 0; c < d; c++) {
                    double diff = run.out()[oo + c] - ref.dense[i][h][c];
                    num += diff * diff;
                    den += (double) ref.dense[i][h][c] * ref.dense[i][h][c];
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

    @Override
    public String toString() {
        return String.format(java.util.Locale.ROOT,
                "recall %.4f (worst head %.4f)  mass %.4f (worst head %.4f)  out err mean %.4f max %.4f  kept %.3f",
                meanRecall, worstHeadRecall, meanMass, worstHeadMass, meanOutputError, maxOutputError, keptFraction);
    }
}
