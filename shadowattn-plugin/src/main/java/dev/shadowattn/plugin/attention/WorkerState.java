package dev.shadowattn.plugin.attention;

import dev.shadowattn.plugin.kernel.AttendScratch;
import dev.shadowattn.plugin.kernel.SelectScratch;

/** Buffers and counters of one worker of one session (reused across calls; grown on demand). */
final class WorkerState {

    final AttendScratch attend = new AttendScratch();
    final SelectScratch select = new SelectScratch();
    final Selection selection = new Selection();

    /** Raw queries of the task, {@code [head][row][headDim]}. */
    float[] qRaw = new float[0];
    /** Queries times 1/sqrt(headDim), same layout. */
    float[] qAtt = new float[0];
    /** Quantized queries (integers as floats), same layout. */
    float[] q8 = new float[0];
    /** Scale of each quantized query. */
    float[] qScale = new float[0];
    /** q·mean(K) of each query when the shadow K is mean-subtracted; null otherwise. */
    float[] qBias = new float[0];
    /** {@link #qBias} for the current task, or null. */
    float[] bias;
    /** Position of each query. */
    int[] pos = new int[0];
    /** Output of each query, {@code [head][row][headDim]}. */
    float[] out = new float[0];
    /** KV head of each batch head (all the task's KV head). */
    int[] kvOf = new int[0];
    /** Key scores: per query {@code [query][stride]}, or one reduced row. */
    float[] keyScores = new float[0];
    /** Element (key or block) scores of one unit. */
    float[] elemScores = new float[0];
    /** Selected element indices. */
    int[] selected = new int[0];
    /** Candidate blocks of the two-stage estimator. */
    int[] candidates = new int[0];
    /** Key groups and lane masks handed to the attention kernel. */
    int[] groups = new int[0];
    int[] masks = new int[0];
    /** 0, 1, 2, ...: the group list of dense attention. */
    int[] iota = new int[0];
    /** The queries that estimate a shared unit (every estimate-stride-th row): INT8, raw, scales, biases. */
    float[] subQ8 = new float[0];
    float[] subRaw = new float[0];
    float[] subScale = new float[0];
    float[] subBias = new float[0];
    /** Kept key positions of one query, for the selection listener. */
    int[] keys = new int[0];
    /** Per-row units: each head's lane mask per visible group ({@code [head][group]}, zero between rows). */
    int[] headMasks = new int[0];
    /** Per-row units: lane masks over the union of the heads' groups ({@code [head][t]}). */
    int[] unionMasks = new int[0];
    /** Per-row units: the row's queries of the G heads, their positions and outputs. */
    float[] rowQ = new float[0];
    /** Per-row units over single keys: each head's selected keys as a bit set, {@code [head][word]}. */
    long[] bits = new long[0];
    int[] rowPos = new int[0];
    float[] rowOut = new float[0];

    /** What cache-touching reads returned ({@link dev.shadowattn.plugin.kernel.AttentionKernels#touchBlocks}), kept. */
    float sink;

    long visible;
    long kept;
    long estimateNanos;
    long selectNanos;
    long attendNanos;

    void ensureQueries(int m, int headDim, int heads) {
        if (qRaw.length < m * headDim) {
            qRaw = new float[m * headDim];
            qAtt = new float[m * headDim];
            q8 = new float[m * headDim];
            out = new float[m * headDim];
        }
        if (pos.length < m) {
            pos = new int[m];
            qScale = new float[m];
            qBias = new float[m];
        }
        if (kvOf.length < heads) {
            kvOf = new int[heads];
        }
    }

    void ensureKeys(int keys, int queriesWithRows) {
        long need = (long) queriesWithRows * keys;
        if (need > Integer.MAX_VALUE - 64) {
            throw new IllegalStateException("shadowattn: score buffer of " + need + " floats is too large");
        }
        if (keyScores.length < need) {
            keyScores = new float[(int) need];
        }
        int g = (keys + 15) >>> 4;
        if (elemScores.length < keys) {
            elemScores = new float[keys];
            selected = new int[keys];
            candidates = new int[keys];
            this.keys = new int[keys];
        }
        if (groups.length < g) {
            groups = new int[g];
            masks = new int[g];
            iota = new int[g];
            for (int i = 0; i < g; i++) {
                iota[i] = i;
            }
        }
    }

    void ensureSub(int m, int headDim) {
        if (subScale.length < m) {
            subQ8 = new float[m * headDim];
            subRaw = new float[m * headDim];
            subScale = new float[m];
            subBias = new float[m];
        }
    }

    void ensureHeadMasks(int heads, int groups) {
        if (headMasks.length < heads * groups) {
            headMasks = new int[Math.max(heads * groups, headMasks.length * 3 / 2)];
        }
    }

    void ensureUnionMasks(int n) {
        if (unionMasks.length < n) {
            unionMasks = new int[Math.max(n, unionMasks.length * 3 / 2)];
        }
    }

    void ensureBits(int words) {
        if (bits.length < words) {
            bits = new long[Math.max(words, bits.length * 3 / 2)];
        }
    }

    /** Copies the attention query of head {@code hh}, row {@code r} into {@link #rowQ}. */
    void rowQ(int hh, int r, int rows, int headDim) {
        if (rowQ.length < (hh + 1) * headDim) {
            rowQ = java.util.Arrays.copyOf(rowQ, Math.max((hh + 1) * headDim, 8 * headDim));
            rowOut = new float[rowQ.length];
            rowPos = java.util.Arrays.copyOf(rowPos, rowQ.length / headDim);
        }
        System.arraycopy(qAtt, (hh * rows + r) * headDim, rowQ, hh * headDim, headDim);
    }

    void resetCounters() {
        visible = 0;
        kept = 0;
        estimateNanos = 0;
        selectNanos = 0;
        attendNanos = 0;
    }
}
