package dev.shadowattn.plugin.profile;

/**
 * The paper's 3x3 bucket grid of static scales: from the mean calibrated scales of a layer (lamQ, lamK), the
 * buckets are (lamQ * s, lamK * t) for s, t in {0.5, 1, 2}, and each head's (qScale, kScale) pair is replaced by
 * the nearest bucket in squared error. The grid is separable, so the nearest bucket is the nearest grid value on
 * each axis independently; with grouped-query attention this lets the K scale be snapped once per KV head.
 */
public final class ScaleGrid {

    /** Multipliers of the mean scale on each axis (SHADOWATTN.md, "NPU compute-graph bucketing"). */
    public static final float[] STEPS = {0.5f, 1f, 2f};

    private ScaleGrid() {
    }

    /** Snaps every entry of {@code scales[layer][head]} to the nearest of {@code mean(layer) * STEPS}. */
    public static float[][] snap(float[][] scales) {
        float[][] out = new float[scales.length][];
        for (int l = 0; l < scales.length; l++) {
            double mean = 0;
            for (float s : scales[l]) {
                mean += s;
            }
            mean /= scales[l].length;
            out[l] = new float[scales[l].length];
            for (int h = 0; h < scales[l].length; h++) {
                out[l][h] = (float) (mean * STEPS[nearestStep(scales[l][h], mean)]);
            }
        }
        return out;
    }

    /** Index into {@link #STEPS} of the grid value nearest to {@code scale}. */
    public static int nearestStep(double scale, double mean) {
        int best = 0;
        double bestErr = Double.MAX_VALUE;
        for (int i = 0; i < STEPS.length; i++) {
            double e = scale - mean * STEPS[i];
            if (e * e < bestErr) {
                bestErr = e * e;
                best = i;
            }
        }
        return best;
    }
}
