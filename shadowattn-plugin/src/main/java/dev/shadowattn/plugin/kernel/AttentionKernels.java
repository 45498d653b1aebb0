package dev.shadowattn.plugin.kernel;

import java.lang.foreign.MemorySegment;

/**
 * Every hot loop of the backend, as in Lucene's vectorization provider: {@link ScalarKernels} is the plain
 * reference, {@link VectorKernels} the Vector API implementation chosen at start-up ({@link KernelProvider}), and
 * each kernel is tested against the reference.
 *
 * <p>Key storage is that of {@link dev.shadowattn.plugin.cache.KeyLayout}: keys in transposed groups of 16
 * ({@code [group][headDim][16]}, float or INT8), V row-major. Query sets are float arrays {@code [m][headDim]}
 * from an offset {@code qOff}; outputs start at {@code outOff}. Key {@code j} belongs to group {@code j >> 4}, lane {@code j & 15}.
 */
public interface AttentionKernels {

    String name();

    /** Largest |x[i]| over {@code [off, off+len)}: {@code NaN} if any element is NaN, infinite if any is. */
    float maxAbs(float[] x, int off, int len);

    /** {@code max(x[off, off+len))} with {@link Math#max} semantics (NaN wins); negative infinity when empty. */
    float max(float[] x, int off, int len);

    /**
     * INT8 scores of {@code m} queries against groups {@code [g0, g1)}:
     * {@code out[outOff + i * stride + (j - 16*g0)] = qScale[sOff + i] * kScale[j >> 4] * sum_c q[i][c] * k8[j][c]
     * + qBias[sOff + i]} (no bias term when {@code qBias} is null).
     * The queries hold integers in [-127, 127] (quantized Q); the integer dot product is exact in float for
     * {@code headDim <= 1040}, so the only rounding is the final scaling.
     */
    void scoreInt8(float[] q, int qOff, int m, float[] qScale, float[] qBias, int sOff, MemorySegment k8,
                   MemorySegment kScale, int headDim, int g0, int g1, float[] out, int outOff, int stride);

    /** As {@link #scoreInt8}, reduced over the queries: {@code out[outOff + j - 16*g0] = max_i score(i, j)}. */
    void scoreInt8Max(float[] q, int qOff, int m, float[] qScale, float[] qBias, int sOff, MemorySegment k8,
                      MemorySegment kScale, int headDim, int g0, int g1, float[] out, int outOff);

    /** Exact float scores: {@code out[outOff + i * stride + (j - 16*g0)] = sum_c q[i][c] * k[j][c]}. */
    void scoreExact(float[] q, int qOff, int m, MemorySegment k, int headDim, int g0, int g1, float[] out,
                    int outOff, int stride);

    /** As {@link #scoreExact}, reduced over the queries (max). */
    void scoreExactMax(float[] q, int qOff, int m, MemorySegment k, int headDim, int g0, int g1, float[] out,
                       int outOff);

    /**
     * Upper bounds of q·k over key blocks from per-channel K min/max (Quest), reduced over the queries:
     * {@code out[outOff + b - b0] = max_i sum_c max(q[i][c] * min[b][c], q[i][c] * max[b][c])}.
     */
    void blockBounds(float[] q, int qOff, int m, MemorySegment summaries, int headDim, int b0, int b1, float[] out,
                     int outOff);

    /**
     * Reads the blocks {@code seg[blocks[i] * blockBytes, +blockBytes)} for {@code i} in {@code [from, to)} one cache
     * line at a time and returns a value computed from what it read (keep it, so that the reads are not dropped). A
     * loop this light keeps many line misses in flight, so scattered blocks read this way right before they are
     * computed on arrive far faster than the compute loop would fetch them (Java has no prefetch instruction). Four
     * blocks go side by side (four streams of misses at once) with one reduction for all: the CPU default's INT8
     * refinement read its shortlisted blocks 3-6 us faster per decode call at 16K than one block at a time (two side
     * by side gave half of that). The scalar reference does nothing and returns 0.
     */
    float touchBlocks(MemorySegment seg, int[] blocks, int from, int to, long blockBytes);

    /**
     * Top-{@code k} selection: writes to {@code out}, in ascending order, the indices of the {@code min(k, n)}
     * largest of {@code scores[0, n)} and returns their count. Ties at the threshold go to the lowest indices;
     * {@code -0.0} equals {@code 0.0}. Scores must not be NaN ({@code +Infinity} forces a key in).
     */
    int selectTopK(float[] scores, int n, int k, int[] out, SelectScratch scratch);

    /**
     * Top-{@code k} selection as a bit set over {@code scores[so, so+n)}: sets in
     * {@code bits[bitsOff, bitsOff + (n + 63) / 64)} exactly the bits of the keys {@link #selectTopK} would return
     * for those {@code n} scores (bit {@code j & 63} of word {@code j >> 6} for key {@code j}) and clears every other
     * bit of those words.
     */
    void selectBits(float[] scores, int so, int n, int k, long[] bits, int bitsOff, SelectScratch scratch);

    /**
     * Exact attention of {@code heads} queries (one row each, {@code q[qOff + h * headDim ...]}, already multiplied
     * by {@code 1/sqrt(headDim)}) over single keys of one KV head, each head with its own key set:
     * {@code bits[bitsOff + h * words + (j >> 6)]} bit {@code j & 63} selects key {@code j} for head {@code h}.
     * {@code out[outOff + h * headDim ...] = softmax(q_h·K_sel^T) V_sel}, or zeros when head {@code h} selects
     * nothing. Keys are read from row-major float K ({@code kRows}, {@code [position][headDim]}) and V; each key
     * selected by any of the heads is read once for all of them. {@code heads <= 32}.
     */
    void attendKeys(float[] q, int qOff, int heads, long[] bits, int bitsOff, int words, MemorySegment kRows,
                    MemorySegment v, int headDim, float[] out, int outOff, AttendScratch scratch);

    /**
     * Exact causal attention of {@code m} queries over a list of key groups of one KV head:
     * for query {@code i}, the keys are those of groups {@code groups[0, count)} whose lane bit is set in
     * {@code masks[i * maskStride + t]} (shared by all queries when {@code maskStride} is 0; all lanes when
     * {@code masks} is null) and whose position is at most {@code pos[posOff + i]};
     * {@code out[i] = softmax(q[i]·K^T) V} over those keys, or zeros when there are none. {@code q} is already
     * multiplied by {@code 1/sqrt(headDim)}; groups are ascending.
     */
    void attend(float[] q, int qOff, int m, int[] pos, int posOff, MemorySegment k, MemorySegment v, int headDim,
                int[] groups, int[] masks, int maskStride, int count, float[] out, int outOff, AttendScratch scratch);
}
