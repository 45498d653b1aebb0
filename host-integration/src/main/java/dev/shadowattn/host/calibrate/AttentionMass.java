package dev.shadowattn.host.calibrate;

import dev.shadowattn.api.AttentionGeometry;

import java.util.Arrays;

/**
 * How concentrated each head's exact attention is: for every layer and query head, the mean over query rows of the
 * softmax weight held by its top {@code budget(ratio, visible)} keys, at each ratio of {@link #GRID}. Computed from the
 * Q and K an {@link ObservingBackend} shows (K is copied per layer as it is appended), scaled by {@code 1/sqrt(d)}
 * as the backend's softmax.
 */
public final class AttentionMass implements QkObserver {

    /** Keep ratios at which the mass is measured (ascending, ending at 1). */
    public static final double[] GRID = {0.01, 0.02, 0.03, 0.05, 0.075, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5, 0.6,
            0.8, 1.0};

    private final AttentionGeometry g;
    private final float[][] keys;
    private final double[][][] sum;
    private final long[][] rows;
    private final float[] scores;

    public AttentionMass(AttentionGeometry g) {
        this.g = g;
        keys = new float[g.layers()][];
        sum = new double[g.layers()][g.queryHeads()][GRID.length];
        rows = new long[g.layers()][g.queryHeads()];
        scores = new float[g.maxContext()];
    }

    @Override
    public void keys(int layer, int pos, int n, float[] k, int off) {
        if (keys[layer] == null) {
            keys[layer] = new float[g.maxContext() * g.kvDim()];
        }
        System.arraycopy(k, off, keys[layer], pos * g.kvDim(), n * g.kvDim());
    }

    @Override
    public void queries(int layer, int pos, int n, float[] q, int off) {
        int d = g.headDim();
        double scale = 1.0 / Math.sqrt(d);
        float[] k = keys[layer];
        for (int r = 0; r < n; r++) {
            int visible = pos + r + 1;
            for (int h = 0; h < g.queryHeads(); h++) {
                int qo = off + (r * g.queryHeads() + h) * d;
                int kvHead = h / g.groupSize();
                float max = Float.NEGATIVE_INFINITY;
                for (int j = 0; j < visible; j++) {
                    int ko = (j * g.kvHeads() + kvHead) * d;
                    float s = 0;
                    for (int i = 0; i < d; i++) {
                        s += q[qo + i] * k[ko + i];
                    }
                    scores[j] = s;
                    max = Math.max(max, s);
                }
                double total = 0;
                for (int j = 0; j < visible; j++) {
                    scores[j] = (float) Math.exp((scores[j] - max) * scale);
                    total += scores[j];
                }
                Arrays.sort(scores, 0, visible);  // ascending: the largest weights at the end
                double kept = 0;
                int taken = 0;
                double[] acc = sum[layer][h];
                for (int gi = 0; gi < GRID.length; gi++) {
                    int keep = SparseProbeBackend.budget(GRID[gi], visible);
                    while (taken < keep) {
                        kept += scores[visible - 1 - taken];
                        taken++;
                    }
                    acc[gi] += kept / total;
                }
                rows[layer][h]++;
            }
        }
    }

    /** Mean kept mass per layer, query head and {@link #GRID} ratio. */
    public double[][][] curves() {
        double[][][] c = new double[sum.length][][];
        for (int l = 0; l < sum.length; l++) {
            c[l] = new double[sum[l].length][GRID.length];
            for (int h = 0; h < sum[l].length; h++) {
                if (rows[l][h] == 0) {
                    throw new IllegalStateException("no query of layer " + l + " head " + h + " was observed");
                }
                for (int gi = 0; gi < GRID.length; gi++) {
                    c[l][h][gi] = Math.min(1.0, sum[l][h][gi] / rows[l][h]);
                }
            }
        }
        return c;
    }
}
