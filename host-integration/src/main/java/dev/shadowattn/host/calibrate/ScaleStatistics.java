package dev.shadowattn.host.calibrate;

import dev.shadowattn.api.AttentionGeometry;

/**
 * INT8 scale statistics of Q and K: the absolute maximum of each layer's query heads and KV heads over one
 * calibration window, turned into a scale {@code absmax / 127} (symmetric INT8, {@code real = int8 * scale}) and
 * averaged over the windows. A static scale is then the typical range of a head rather than its rarest outlier;
 * larger values saturate at run time.
 */
public final class ScaleStatistics implements QkObserver {

    /** Largest INT8 magnitude of a symmetric quantizer. */
    public static final float INT8_MAX = 127f;

    private final AttentionGeometry g;
    private final float[][] qMax;
    private final float[][] kMax;
    private final double[][] qSum;
    private final double[][] kSum;
    private int windows;

    public ScaleStatistics(AttentionGeometry g) {
        this.g = g;
        qMax = new float[g.layers()][g.queryHeads()];
        kMax = new float[g.layers()][g.kvHeads()];
        qSum = new double[g.layers()][g.queryHeads()];
        kSum = new double[g.layers()][g.kvHeads()];
    }

    @Override
    public void keys(int layer, int pos, int n, float[] k, int off) {
        absMax(kMax[layer], n, g.kvHeads(), k, off);
    }

    @Override
    public void queries(int layer, int pos, int n, float[] q, int off) {
        absMax(qMax[layer], n, g.queryHeads(), q, off);
    }

    private void absMax(float[] max, int n, int heads, float[] x, int off) {
        int d = g.headDim();
        for (int r = 0; r < n; r++) {
            for (int h = 0; h < heads; h++) {
                int o = off + (r * heads + h) * d;
                float m = max[h];
                for (int i = 0; i < d; i++) {
                    m = Math.max(m, Math.abs(x[o + i]));
                }
                max[h] = m;
            }
        }
    }

    /** Closes the current window: its maxima become one sample of each head's scale. */
    public void endWindow() {
        fold(qMax, qSum);
        fold(kMax, kSum);
        windows++;
    }

    private static void fold(float[][] max, double[][] sum) {
        for (int l = 0; l < max.length; l++) {
            for (int h = 0; h < max[l].length; h++) {
                if (!(max[l][h] > 0) || !Float.isFinite(max[l][h])) {
                    throw new IllegalStateException("calibration: absolute maximum of layer " + l + " head " + h
                            + " is " + max[l][h] + "; a scale must be positive and finite");
                }
                sum[l][h] += max[l][h] / INT8_MAX;
                max[l][h] = 0;
            }
        }
    }

    public int windows() {
        return windows;
    }

    /** Mean Q scale per layer and query head. */
    public float[][] qScale() {
        return mean(qSum);
    }

    /** Mean K scale per layer and KV head. */
    public float[][] kScale() {
        return mean(kSum);
    }

    private float[][] mean(double[][] sum) {
        if (windows == 0) {
            throw new IllegalStateException("no calibration window was observed");
        }
        float[][] out = new float[sum.length][];
        for (int l = 0; l < sum.length; l++) {
            out[l] = new float[sum[l].length];
            for (int h = 0; h < out[l].length; h++) {
                out[l][h] = (float) (sum[l][h] / windows);
            }
        }
        return out;
    }
}
