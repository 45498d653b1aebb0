package dev.shadowattn.api;

/**
 * One sequence: its KV cache for every layer, and attention over it. Not thread-safe; use from one thread at a time.
 *
 * <p>Protocol, per layer {@code l}: positions are appended in order ({@link #append} with {@code pos} equal to
 * that layer's current length), then {@link #attend} asks for the output of query rows at positions
 * {@code [pos, pos+n)}, which requires those positions to be appended already. Attention is causal: the query at
 * position {@code p} sees keys {@code 0..p}. The engine calls {@code append} then {@code attend} for the same
 * positions, layer by layer.
 *
 * <p>K must be post-RoPE. Layouts are those of {@link AttentionGeometry}. The scale {@code 1/sqrt(headDim)} is
 * applied by the backend.
 */
public interface AttentionSession extends AutoCloseable {

    /** Positions held in layer 0 (all layers hold the same number between forward passes). */
    int length();

    /**
     * Appends K and V rows for positions {@code [pos, pos+n)} of {@code layer}.
     *
     * @param k {@code n * kvDim} floats from {@code kOffset}, layout {@code [n][kvHeads][headDim]}
     * @param v same layout as {@code k}
     * @throws ContextOverflowException if {@code pos + n} exceeds the geometry's maximum context
     * @throws IllegalArgumentException if {@code pos} is not the layer's current length or an argument is out of range
     */
    void append(int layer, int pos, int n, float[] k, int kOffset, float[] v, int vOffset);

    /**
     * Computes causal attention for query rows at positions {@code [pos, pos+n)} of {@code layer}.
     *
     * @param q   {@code n * queryDim} floats from {@code qOffset}, layout {@code [n][queryHeads][headDim]}
     * @param out receives {@code n * queryDim} floats from {@code outOffset}, same layout
     */
    void attend(int layer, int pos, int n, float[] q, int qOffset, float[] out, int outOffset);

    /** Drops every position at or after {@code length} in all layers (chat rollback). */
    void truncate(int length);

    /** Counters since the session opened (or since {@link #resetStats}). */
    default AttentionStats stats() {
        return AttentionStats.NONE;
    }

    default void resetStats() {
    }

    /**
     * Asks a selecting backend to report the keys it keeps (for quality evaluation); {@code null} stops reporting.
     * Dense backends ignore it. Reporting may slow the backend down.
     */
    default void setSelectionListener(SelectionListener listener) {
    }

    /** Bytes of cache memory this session holds now (KV cache plus any shadow structures). */
    long cacheBytes();

    /** Releases the cache. Idempotent. */
    @Override
    void close();
}
