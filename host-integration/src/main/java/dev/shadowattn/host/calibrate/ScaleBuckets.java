package dev.shadowattn.host.calibrate;

/**
 * The 3x3 bucket grid of static INT8 scales an NPU graph is built for (../shared/docs/SHADOWATTN.md, "NPU
 * compute-graph bucketing"): per layer, from the mean calibrated scales over heads {@code lamQ} and {@code lamK},
 * the buckets are {@code (lamQ * s, lamK * t)} for {@code s, t} in {@link #STEPS}; each query head takes the bucket
 * nearest (least squared error) to its own {@code (qScale, kScale of its KV head)}. The error is a sum over the two
 * axes, so the nearest bucket is the nearest step on each axis. The plug-in snaps scales to the same grid when it
 * loads a profile ({@code dev.shadowattn.plugin.profile.ScaleGrid}).
 *
 * @param lamQ  mean Q scale per layer
 * @param lamK  mean K scale per layer
 * @param qStep index into {@link #STEPS} per layer and query head
 * @param kStep index into {@link #STEPS} per layer and KV head
 */
public record ScaleBuckets(double[] lamQ, double[] lamK, int[][] qStep, int[][] kStep) {

    /** Multipliers of the mean scale on each axis. */
    public static final double[] STEPS = {0.5, 1.0, 2.0};

    /**
     * @param qScale scale per layer and query head
     * @param kScale scale per layer and KV head (the query heads of a group read KV head {@code h / group})
     */
    public static ScaleBuckets of(float[][] qScale, float[][] kScale) {
        if (qScale.length != kScale.length) {
            throw new IllegalArgumentException("qScale has " + qScale.length + " layers, kScale " + kScale.length);
        }
        int layers = qScale.length;
        double[] lamQ = new double[layers];
        double[] lamK = new double[layers];
        int[][] qStep = new int[layers][];
        int[][] kStep = new int[layers][];
        for (int l = 0; l < layers; l++) {
            lamQ[l] = mean(qScale[l]);
            lamK[l] = mean(kScale[l]);
            qStep[l] = steps(qScale[l], lamQ[l]);
            kStep[l] = steps(kScale[l], lamK[l]);
        }
        return new ScaleBuckets(lamQ, lamK, qStep, kStep);
    }

    /** Bucket number {@code 3 * qStep + kStep} of each query head, {@code [layers][queryHeads]}. */
    public int[][] buckets() {
        int[][] b = new int[qStep.length][];
        for (int l = 0; l < qStep.length; l++) {
            int group = qStep[l].length / kStep[l].length;
            b[l] = new int[qStep[l].length];
            for (int h = 0; h < b[l].length; h++) {
                b[l][h] = STEPS.length * qStep[l][h] + kStep[l][h / group];
            }
        }
        return b;
    }

    /** The bucketed scale of a query head: {@code lamQ * STEPS[qStep]}. */
    public double snappedQ(int layer, int head) {
        return lamQ[layer] * STEPS[qStep[layer][head]];
    }

    /** The bucketed scale of a KV head: {@code lamK * STEPS[kStep]}. */
    public double snappedK(int layer, int kvHead) {
        return lamK[layer] * STEPS[kStep[layer][kvHead]];
    }

    /** Index of the step whose {@code mean * step} is nearest to {@code scale} (the first on a tie). */
    static int nearest(double scale, double mean) {
        int best = 0;
        double bestErr = Double.POSITIVE_INFINITY;
        for (int i = 0; i < STEPS.length; i++) {
            double e = scale - mean * STEPS[i];
            if (e * e < bestErr) {
                bestErr = e * e;
                best = i;
            }
        }
        return best;
    }

    private static int[] steps(float[] scales, double mean) {
        int[] s = new int[scales.length];
        for (int h = 0; h < s.length; h++) {
            s[h] = nearest(scales[h], mean);
        }
        return s;
    }

    private static double mean(float[] v) {
        if (v.length == 0) {
            throw new IllegalArgumentException("a layer without heads has no mean scale");
        }
        double s = 0;
        for (float x : v) {
            s += x;
        }
        return s / v.length;
    }
}
