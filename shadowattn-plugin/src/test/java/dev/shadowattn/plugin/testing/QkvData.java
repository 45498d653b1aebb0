package dev.shadowattn.plugin.testing;

/**
 * Q, K, V of one layer for {@code n} positions: {@code q[n][queryHeads][headDim]}, {@code k} and {@code v}
 * {@code [n][kvHeads][headDim]} (K post-RoPE), as captured from a model or generated.
 */
public record QkvData(String source, int queryHeads, int kvHeads, int headDim, int n, float[] q, float[] k,
                      float[] v) {

    public int queryDim() {
        return queryHeads * headDim;
    }

    public int kvDim() {
        return kvHeads * headDim;
    }

    public int groupSize() {
        return queryHeads / kvHeads;
    }

    /** The first {@code m} positions. */
    public QkvData prefix(int m) {
        return new QkvData(source + "[:" + m + "]", queryHeads, kvHeads, headDim, m,
                java.util.Arrays.copyOf(q, m * queryDim()), java.util.Arrays.copyOf(k, m * kvDim()),
                java.util.Arrays.copyOf(v, m * kvDim()));
    }
}
