package dev.shadowattn.bench.dense;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The baseline the dense backend is compared with: K and V row-major as the SPI hands them
 * ({@code [position][kvHeads][headDim]} in {@code float[]}), each query head and row on its own (as llama3.java
 * does), with vectorised dot products (one horizontal reduction per key), a two-pass softmax and a vectorised
 * weighted sum of V. Single-threaded. Needs {@code headDim} to be a multiple of the vector length.
 */
final class NaiveRowMajorAttention {

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    private final int queryHeads;
    private final int kvHeads;
    private final int headDim;
    private final float[] scores;

    NaiveRowMajorAttention(int queryHeads, int kvHeads, int headDim, int maxContext) {
        if (headDim % S.length() != 0) {
            throw new IllegalArgumentException("headDim " + headDim + " is not a multiple of " + S.length());
        }
        this.queryHeads = queryHeads;
        this.kvHeads = kvHeads;
        this.headDim = headDim;
        this.scores = new float[maxContext];
    }

    /** Causal attention of rows {@code [pos, pos+n)}; SPI layouts. */
    void attend(float[] k, float[] v, int pos, int n, float[] q, float[] out) {
        int group = queryHeads / kvHeads;
        int kvDim = kvHeads * headDim;
        float scale = (float) (1 / Math.sqrt(headDim));
        for (int r = 0; r < n; r++) {
            int keys = pos + r + 1;
            for (int h = 0; h < queryHeads; h++) {
                int qo = (r * queryHeads + h) * headDim;
                int kvo = h / group * headDim;
                float max = Float.NEGATIVE_INFINITY;
                for (int t = 0; t < keys; t++) {
                    float s = dot(q, qo, k, t * kvDim + kvo) * scale;
                    scores[t] = s;
                    max = Math.max(max, s);
                }
                float sum = 0;
                for (int t = 0; t < keys; t++) {
                    float e = (float) Math.exp(scores[t] - max);
                    scores[t] = e;
                    sum += e;
                }
                java.util.Arrays.fill(out, qo, qo + headDim, 0f);
                for (int t = 0; t < keys; t++) {
                    axpy(scores[t] / sum, v, t * kvDim + kvo, out, qo);
                }
            }
        }
    }

    private float dot(float[] a, int ao, float[] b, int bo) {
        FloatVector acc = FloatVector.zero(S);
        for (int i = 0; i < headDim; i += S.length()) {
            acc = FloatVector.fromArray(S, a, ao + i).fma(FloatVector.fromArray(S, b, bo + i), acc);
        }
        return acc.reduceLanes(VectorOperators.ADD);
    }

    private void axpy(float w, float[] x, int xo, float[] y, int yo) {
        FloatVector wv = FloatVector.broadcast(S, w);
        for (int i = 0; i < headDim; i += S.length()) {
            FloatVector.fromArray(S, x, xo + i).fma(wv, FloatVector.fromArray(S, y, yo + i)).intoArray(y, yo + i);
        }
    }
}
