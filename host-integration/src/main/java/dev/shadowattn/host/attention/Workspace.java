package dev.shadowattn.host.attention;

import java.util.Arrays;

/**
 * Scratch state of one tile of attention: the tile's scaled queries and its running softmax (max, sum and
 * unnormalised output per row). Borrowed from the backend's pool by one task at a time, so the kernels never
 * allocate.
 */
final class Workspace {

    /** {@code [rows][headDim]} queries scaled by {@code log2(e)/sqrt(headDim)}. */
    final float[] q;
    /** {@code [rows][UNIT]} scores of the current unit, then its probabilities. */
    final float[] scores;
    /** {@code [rows][vStride]} unnormalised output. */
    final float[] acc;
    final float[] max;
    final float[] sum;
    final float[] alpha;
    /** What {@link AttentionKernels#touch} returned, kept so that its reads are not dropped. */
    float sink;

    Workspace(int maxRows, int headDim, int vStride) {
        q = new float[maxRows * headDim];
        scores = new float[maxRows * AttentionKernels.UNIT];
        acc = new float[maxRows * vStride];
        max = new float[maxRows];
        sum = new float[maxRows];
        alpha = new float[maxRows];
    }

    int capacity() {
        return max.length;
    }

    /** Starts a new softmax for the first {@code rows} rows. */
    void reset(int rows, int vStride) {
        Arrays.fill(max, 0, rows, Float.NEGATIVE_INFINITY);
        Arrays.fill(sum, 0, rows, 0f);
        Arrays.fill(acc, 0, rows * vStride, 0f);
    }
}
