package dev.shadowattn.plugin.qnn;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;

/**
 * INT8 {@code Q·K^T} estimation on a QNN backend (SHADOWATTN.md, "Estimate"): the scores a shadowAttn selection
 * ranks, computed by static MatMul graphs.
 *
 * <p>Shapes are bucketed (SHADOWATTN.md, "NPU compute-graph bucketing"): query rows are padded to the smallest row
 * bucket that holds them, keys to the smallest key-length bucket; longer inputs are split into tiles of the largest
 * bucket. Heads given together (same layer, same scale bucket) are fused, the largest allowed fused count first, so
 * several heads run in one launch. Padding is level 0; padded keys are never written to the output, so a selection
 * over the output cannot pick them.
 *
 * <p>Precision: an HTP MatMul cannot output int32 (QNN-ABI.md), so each score is requantized with the bucket's
 * static output scale: the result is {@code level * outputStep} with {@code level} in the output encoding's range
 * (U8: -128..127, U16: -32768..32767) and {@code outputStep} = {@link ScaleBucket#outputStep()} int32 units. Ranking
 * then sees ties between keys closer than one step, and every score beyond the range saturates to the extreme
 * level. Saturation at the top only matters when more keys saturate than the selection keeps; ties matter at the
 * selection threshold. See {@link OutputCalibration} and docs/QNN.md for the measured recall.
 *
 * <p>Thread-safe: each launch locks its graph.
 */
public final class QnnScorer {

    /**
     * Graph shapes the scorer may use.
     *
     * @param rowBuckets query-row buckets, ascending (e.g. 1 for decode, the prefill chunk size)
     * @param keyBuckets key-length buckets, ascending; longer key ranges are tiled by the largest
     * @param fusedHeads head counts fused into one launch, ascending, starting with 1
     * @param input      encoding of Q and K (U8 offset -128 is portable; S8 on HTP)
     * @param output     encoding of the scores (U8 portable; U16 on HTP for 256x finer steps)
     */
    public record Config(int[] rowBuckets, int[] keyBuckets, int[] fusedHeads, QuantEncoding input,
                         QuantEncoding output) {

        public Config {
            rowBuckets = ascending("rowBuckets", rowBuckets);
            keyBuckets = ascending("keyBuckets", keyBuckets);
            fusedHeads = ascending("fusedHeads", fusedHeads);
            if (fusedHeads[0] != 1) {
                throw new IllegalArgumentException("QNN scorer: fusedHeads must start with 1, got "
                        + Arrays.toString(fusedHeads));
            }
            if (input == null || !input.holdsInt8()) {
                throw new IllegalArgumentException("QNN scorer: input encoding must be U8 or S8, got " + input);
            }
            if (output == null) {
                throw new IllegalArgumentException("QNN scorer: output encoding is required");
            }
        }

        /** Decode rows (1) and 128-row prefill chunks; keys 128..2048; 1, 2, 4 or 8 fused heads; portable U8. */
        public static Config defaults() {
            return new Config(new int[] {1, 128}, new int[] {128, 256, 512, 1024, 2048}, new int[] {1, 2, 4, 8},
                    QuantEncoding.U8, QuantEncoding.U8);
        }

        private static int[] ascending(String field, int[] v) {
            if (v == null || v.length == 0) {
                throw new IllegalArgumentException("QNN scorer: " + field + " must not be empty");
            }
            int[] c = v.clone();
            for (int i = 0; i < c.length; i++) {
                if (c[i] <= 0 || (i > 0 && c[i] <= c[i - 1])) {
                    throw new IllegalArgumentException("QNN scorer: " + field + " must be positive and ascending, got "
                            + Arrays.toString(v));
                }
            }
            return c;
        }

        /** The smallest bucket holding {@code n}, or the largest one (the caller tiles). */
        static int bucketFor(int[] buckets, int n) {
            for (int b : buckets) {
                if (b >= n) {
                    return b;
                }
            }
            return buckets[buckets.length - 1];
        }

        /** The largest fused head count not above {@code n}. */
        int fuseFor(int n) {
            int best = 1;
            for (int f : fusedHeads) {
                if (f <= n) {
                    best = f;
                }
            }
            return best;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Config c && Arrays.equals(rowBuckets, c.rowBuckets)
                    && Arrays.equals(keyBuckets, c.keyBuckets) && Arrays.equals(fusedHeads, c.fusedHeads)
                    && input == c.input && output == c.output;
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(rowBuckets) * 31 + Arrays.hashCode(keyBuckets);
        }

        @Override
        public String toString() {
            return "rows " + Arrays.toString(rowBuckets) + ", keys " + Arrays.toString(keyBuckets) + ", fused "
                    + Arrays.toString(fusedHeads) + ", " + input + " -> " + output;
        }
    }

    /**
     * One unit of a launch (a head, or several heads sharing K stacked as rows): {@code q} supplies the query rows,
     * {@code k} the keys, and its scores go to output rows {@code outRow, outRow + 1, ...}.
     */
    public record HeadOperands(Int8Rows q, Int8Rows k, int outRow) {
    }

    /**
     * Where scores go: output row {@code i} (a unit's {@code outRow + r}) starts at {@code offset + i * stride}; its
     * scores are {@code fma(level * outputStep, rowFactor[i], rowBias[i])}, with factor 1 and bias 0 when the arrays
     * are {@code null} (a factor {@code qScale * kScale} returns real units; a bias restores a subtracted key mean).
     */
    public record Output(float[] scores, int offset, int stride, float[] rowFactor, float[] rowBias) {

        /** Scores in int32 units, no factor, no bias. */
        public Output(float[] scores, int offset, int stride) {
            this(scores, offset, stride, null, null);
        }
    }

    /** Launch counters. */
    public record Stats(long launches, long headLaunches) {
    }

    private final QnnGraphManager graphs;
    private final Config config;
    private final LongAdder launches = new LongAdder();
    private final LongAdder headLaunches = new LongAdder();

    public QnnScorer(QnnGraphManager graphs, Config config) {
        this.graphs = graphs;
        this.config = config;
    }

    public Config config() {
        return config;
    }

    public QnnGraphManager graphs() {
        return graphs;
    }

    /** Every graph key a call of {@link #score} with these shapes would use (to prepare graphs ahead). */
    public List<MatMulGraphKey> keysFor(ScaleBucket bucket, int headDim, int rows, int keys, int heads) {
        java.util.LinkedHashSet<MatMulGraphKey> out = new java.util.LinkedHashSet<>();
        int maxRows = config.rowBuckets[config.rowBuckets.length - 1];
        int maxKeys = config.keyBuckets[config.keyBuckets.length - 1];
        for (int h0 = 0; h0 < heads; h0 += config.fuseFor(heads - h0)) {
            int fused = config.fuseFor(heads - h0);
            for (int r0 = 0; r0 < rows; r0 += maxRows) {
                int rb = Config.bucketFor(config.rowBuckets, Math.min(maxRows, rows - r0));
                for (int j0 = 0; j0 < keys; j0 += maxKeys) {
                    int kb = Config.bucketFor(config.keyBuckets, Math.min(maxKeys, keys - j0));
                    out.add(new MatMulGraphKey(bucket, headDim, rb, fused, kb, config.input, config.output));
                }
            }
        }
        return List.copyOf(out);
    }

    /**
     * Scores {@code heads.size()} heads that share {@code bucket}, head {@code h} to output rows
     * {@code h * rows + r}: {@code out[(h * rows + r) * keys + j]} receives the estimate of
     * {@code sum_c q_h[r][c] * k_h[j][c]} in int32 units ({@code level * outputStep}), for {@code j < keys} only.
     */
    public void score(ScaleBucket bucket, int headDim, int rows, int keys, List<HeadOperands> heads, float[] out) {
        score(bucket, headDim, rows, keys, heads, new Output(out, 0, keys));
    }

    /**
     * Scores units that share {@code bucket}, each with {@code rows} query rows against {@code keys} keys, into
     * {@code out}; only the first {@code keys} entries of each output row are written.
     *
     * @throws QnnException             if the backend fails (the caller may fall back to a Java scorer)
     * @throws IllegalArgumentException if a shape or buffer does not fit
     */
    public void score(ScaleBucket bucket, int headDim, int rows, int keys, List<HeadOperands> heads, Output out) {
        int n = heads.size();
        if (headDim <= 0 || rows <= 0 || keys <= 0 || n == 0) {
            throw new IllegalArgumentException("QNN scorer: headDim " + headDim + ", rows " + rows + ", keys " + keys
                    + " and " + n + " heads must all be positive");
        }
        if (out.stride() < keys) {
            throw new IllegalArgumentException("QNN scorer: output stride " + out.stride() + " < " + keys + " keys");
        }
        for (int h = 0; h < n; h++) {
            HeadOperands op = heads.get(h);
            if (op.q().rows() < rows || op.k().rows() < keys) {
                throw new IllegalArgumentException("QNN scorer: unit " + h + " has " + op.q().rows()
                        + " query rows and " + op.k().rows() + " keys, needs " + rows + " and " + keys);
            }
            long last = out.offset() + (long) (op.outRow() + rows - 1) * out.stride() + keys;
            if (op.outRow() < 0 || last > out.scores().length) {
                throw new IllegalArgumentException("QNN scorer: output holds " + out.scores().length
                        + " scores, unit " + h + " needs " + last);
            }
            if ((out.rowFactor() != null && op.outRow() + rows > out.rowFactor().length)
                    || (out.rowBias() != null && op.outRow() + rows > out.rowBias().length)) {
                throw new IllegalArgumentException("QNN scorer: too few row factors or biases for unit " + h
                        + " (needs " + (op.outRow() + rows) + ")");
            }
        }
        int maxRows = config.rowBuckets[config.rowBuckets.length - 1];
        int maxKeys = config.keyBuckets[config.keyBuckets.length - 1];
        for (int h0 = 0; h0 < n; ) {
            int fused = config.fuseFor(n - h0);
            for (int j0 = 0; j0 < keys; j0 += maxKeys) {
                int kt = Math.min(maxKeys, keys - j0);
                int kb = Config.bucketFor(config.keyBuckets, kt);
                for (int r0 = 0; r0 < rows; r0 += maxRows) {
                    int rt = Math.min(maxRows, rows - r0);
                    int rb = Config.bucketFor(config.rowBuckets, rt);
                    MatMulGraph g = graphs.graph(new MatMulGraphKey(bucket, headDim, rb, fused, kb, config.input,
                            config.output));
                    launch(g, heads, h0, r0, rt, j0, kt, out);
                }
            }
            h0 += fused;
        }
    }

    /** Stages one tile of Q and K for the fused units, executes, and copies the valid scores out. */
    private void launch(MatMulGraph g, List<HeadOperands> heads, int h0, int r0, int rt, int j0, int kt, Output out) {
        MatMulGraphKey key = g.key();
        int d = key.headDim();
        int rb = key.rows();
        int kb = key.keys();
        byte flip = (byte) (-key.input().offset());
        double step = key.bucket().outputStep();
        synchronized (g) {
            MemorySegment qb = g.queryBuffer();
            MemorySegment kbuf = g.keyBuffer();
            for (int f = 0; f < key.heads(); f++) {
                HeadOperands op = heads.get(h0 + f);
                long qBase = (long) f * rb * d;
                op.q().copyTo(r0, rt, d, qb, qBase, flip);
                qb.asSlice(qBase + (long) rt * d, (long) (rb - rt) * d).fill(flip);
                long kBase = (long) f * kb * d;
                op.k().copyTo(j0, kt, d, kbuf, kBase, flip);
                kbuf.asSlice(kBase + (long) kt * d, (long) (kb - kt) * d).fill(flip);
            }
            g.execute();
            MemorySegment sb = g.scoreBuffer();
            QuantEncoding enc = key.output();
            float[] factor = out.rowFactor();
            float[] bias = out.rowBias();
            for (int f = 0; f < key.heads(); f++) {
                int row0 = heads.get(h0 + f).outRow() + r0;
                for (int r = 0; r < rt; r++) {
                    long src = ((long) f * rb + r) * kb;
                    int dst = out.offset() + (row0 + r) * out.stride() + j0;
                    readLevels(sb, src, enc, kt, step, factor == null ? 1f : factor[row0 + r],
                            bias == null ? 0f : bias[row0 + r], out.scores(), dst);
                }
            }
            launches.increment();
            headLaunches.add(key.heads());
        }
    }

    /** Converts {@code n} stored output values to scores in int32 units (padded key columns are never read). */
    private static void readLevels(MemorySegment sb, long src, QuantEncoding enc, int n, double step, float factor,
                                   float bias, float[] out, int dst) {
        switch (enc) {
            case U8 -> {
                for (int j = 0; j < n; j++) {
                    int level = Byte.toUnsignedInt(sb.get(JAVA_BYTE, src + j)) - 128;
                    out[dst + j] = Math.fma((float) (level * step), factor, bias);
                }
            }
            case S8 -> {
                for (int j = 0; j < n; j++) {
                    out[dst + j] = Math.fma((float) (sb.get(JAVA_BYTE, src + j) * step), factor, bias);
                }
            }
            case U16 -> {
                for (int j = 0; j < n; j++) {
                    int level = Short.toUnsignedInt(sb.get(JAVA_SHORT_UNALIGNED, 2 * (src + j))) - 32768;
                    out[dst + j] = Math.fma((float) (level * step), factor, bias);
                }
            }
        }
    }

    public Stats stats() {
        return new Stats(launches.sum(), headLaunches.sum());
    }
}
