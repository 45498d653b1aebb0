package dev.shadowattn.plugin.kernel;

import dev.shadowattn.plugin.cache.KeyLayout;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;

import static dev.shadowattn.plugin.cache.KeyLayout.GROUP;

/**
 * Vector API kernels. A group of 16 keys is {@code NV = 16 / L} vectors of the preferred float species (one on
 * AVX-512, two on AVX2); every micro-kernel works on one such lane slice, keeps four or more independent
 * accumulators, and stays small so that C2 inlines it (CPU-ATTENTION-NOTES.md, "JIT").
 */
final class VectorKernels implements AttentionKernels {

    static final VectorSpecies<Float> FS = FloatVector.SPECIES_PREFERRED;
    static final int L = FS.length();
    static final VectorSpecies<Byte> BS = VectorSpecies.of(byte.class, VectorShape.forBitSize(Math.max(64, L * 8)));
    static final int NV = GROUP / L;
    private static final ByteOrder ORDER = ByteOrder.nativeOrder();
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT;
    /** Bytes from one channel to the next inside a float K group. */
    private static final long ROW = GROUP * Float.BYTES;
    private static final long LANE_MASK = (1L << L) - 1;
    private static final int SW = AttendScratch.CHUNK_KEYS;
    private static final int CG = AttendScratch.CHUNK_GROUPS;

    /** Whether these kernels run on this machine for {@code headDim}. */
    static boolean supports(int headDim) {
        return (L == 8 || L == 16) && headDim % L == 0;
    }

    @Override
    public String name() {
        return "vector-" + FS.vectorBitSize();
    }

    @Override
    public float maxAbs(float[] x, int off, int len) {
        FloatVector m = FloatVector.zero(FS);
        int i = 0;
        for (int bound = FS.loopBound(len); i < bound; i += L) {
            m = m.max(FloatVector.fromArray(FS, x, off + i).abs());
        }
        float r = m.reduceLanes(VectorOperators.MAX);
        for (; i < len; i++) {
            r = Math.max(r, Math.abs(x[off + i]));
        }
        return r;
    }

    @Override
    public float max(float[] x, int off, int len) {
        FloatVector m0 = FloatVector.broadcast(FS, Float.NEGATIVE_INFINITY);
        FloatVector m1 = m0;
        int i = 0;
        for (int bound = len - 2 * L; i <= bound; i += 2 * L) {
            m0 = m0.max(FloatVector.fromArray(FS, x, off + i));
            m1 = m1.max(FloatVector.fromArray(FS, x, off + i + L));
        }
        float r = m0.max(m1).reduceLanes(VectorOperators.MAX);
        for (; i < len; i++) {
            r = Math.max(r, x[off + i]);
        }
        return r;
    }

    // ---- INT8 estimation ------------------------------------------------------------------------------------

    @Override
    public void scoreInt8(float[] q, int qOff, int m, float[] qScale, float[] qBias, int sOff, MemorySegment k8,
                          MemorySegment kScale, int d, int g0, int g1, float[] out, int outOff, int stride) {
        for (int i0 = 0; i0 < m; i0 += 4) {
            int i1 = Math.min(i0 + 1, m - 1);
            int i2 = Math.min(i0 + 2, m - 1);
            int i3 = Math.min(i0 + 3, m - 1);
            for (int g = g0; g < g1; g++) {
                float ks = kScale.getAtIndex(FLOAT, g);
                for (int v = 0; v < NV; v++) {
                    int o = outOff + (g - g0) * GROUP + v * L;
                    int8Store4(q, qOff + i0 * d, qOff + i1 * d, qOff + i2 * d, qOff + i3 * d, k8,
                            KeyLayout.key8Offset(g, 0, d) + (long) v * L, d,
                            qScale[sOff + i0] * ks, qScale[sOff + i1] * ks, qScale[sOff + i2] * ks,
                            qScale[sOff + i3] * ks, bias(qBias, sOff + i0), bias(qBias, sOff + i1),
                            bias(qBias, sOff + i2), bias(qBias, sOff + i3),
                            out, i0 * stride + o, i1 * stride + o, i2 * stride + o, i3 * stride + o);
                }
            }
        }
    }

    private static float bias(float[] qBias, int i) {
        return qBias == null ? 0f : qBias[i];
    }

    private static void int8Store4(float[] q, int q0, int q1, int q2, int q3, MemorySegment k8, long base, int d,
                                   float s0, float s1, float s2, float s3, float b0, float b1, float b2, float b3,
                                   float[] out, int o0, int o1, int o2, int o3) {
        FloatVector a0 = FloatVector.zero(FS);
        FloatVector a1 = a0;
        FloatVector a2 = a0;
        FloatVector a3 = a0;
        for (int c = 0; c < d; c++) {
            FloatVector kv = (FloatVector) ByteVector.fromMemorySegment(BS, k8, base + ((long) c << 4), ORDER)
                    .convertShape(VectorOperators.B2F, FS, 0);
            a0 = kv.fma(FloatVector.broadcast(FS, q[q0 + c]), a0);
            a1 = kv.fma(FloatVector.broadcast(FS, q[q1 + c]), a1);
            a2 = kv.fma(FloatVector.broadcast(FS, q[q2 + c]), a2);
            a3 = kv.fma(FloatVector.broadcast(FS, q[q3 + c]), a3);
        }
        a0.fma(s0, b0).intoArray(out, o0);
        a1.fma(s1, b1).intoArray(out, o1);
        a2.fma(s2, b2).intoArray(out, o2);
        a3.fma(s3, b3).intoArray(out, o3);
    }

    @Override
    public void scoreInt8Max(float[] q, int qOff, int m, float[] qScale, float[] qBias, int sOff, MemorySegment k8,
                             MemorySegment kScale, int d, int g0, int g1, float[] out, int outOff) {
        int g = g0;
        // Four groups at a time: 12-16 independent FMA chains (one group's 3-4 chains of d dependent FMAs left the
        // FMA units waiting on latency: the refinement of the CPU default ran 2x slower).
        for (; g + 4 <= g1; g += 4) {
            long base = KeyLayout.key8Offset(g, 0, d);
            long gb = KeyLayout.key8Offset(1, 0, d);
            float e0 = kScale.getAtIndex(FLOAT, g);
            float e1 = kScale.getAtIndex(FLOAT, g + 1);
            float e2 = kScale.getAtIndex(FLOAT, g + 2);
            float e3 = kScale.getAtIndex(FLOAT, g + 3);
            for (int v = 0; v < NV; v++) {
                long vb = base + (long) v * L;
                int o = outOff + (g - g0) * GROUP + v * L;
                for (int i0 = 0; i0 < m; i0 += 4) {
                    if (m - i0 == 3) {
                        int8Max3x4(q, qOff + i0 * d, qOff + (i0 + 1) * d, qOff + (i0 + 2) * d, k8, vb, gb, d,
                                qScale[sOff + i0], qScale[sOff + i0 + 1], qScale[sOff + i0 + 2],
                                bias(qBias, sOff + i0), bias(qBias, sOff + i0 + 1), bias(qBias, sOff + i0 + 2), e0,
                                e1, e2, e3, out, o, i0 == 0);
                        break;
                    }
                    int i1 = Math.min(i0 + 1, m - 1);
                    int i2 = Math.min(i0 + 2, m - 1);
                    int i3 = Math.min(i0 + 3, m - 1);
                    int8Max4x4(q, qOff + i0 * d, qOff + i1 * d, qOff + i2 * d, qOff + i3 * d, k8, vb, gb, d,
                            qScale[sOff + i0], qScale[sOff + i1], qScale[sOff + i2], qScale[sOff + i3],
                            bias(qBias, sOff + i0), bias(qBias, sOff + i1), bias(qBias, sOff + i2),
                            bias(qBias, sOff + i3), e0, e1, e2, e3, out, o, i0 == 0);
                }
            }
        }
        for (; g < g1; g++) {
            float ks = kScale.getAtIndex(FLOAT, g);
            for (int v = 0; v < NV; v++) {
                long base = KeyLayout.key8Offset(g, 0, d) + (long) v * L;
                int o = outOff + (g - g0) * GROUP + v * L;
                for (int i0 = 0; i0 < m; i0 += 4) {
                    if (m - i0 == 3) {
                        // Three left (decode: the 3 query heads of a KV head): no fourth, duplicated query.
                        int8Max3(q, qOff + i0 * d, qOff + (i0 + 1) * d, qOff + (i0 + 2) * d, k8, base, d,
                                qScale[sOff + i0] * ks, qScale[sOff + i0 + 1] * ks, qScale[sOff + i0 + 2] * ks,
                                bias(qBias, sOff + i0), bias(qBias, sOff + i0 + 1), bias(qBias, sOff + i0 + 2),
                                out, o, i0 == 0);
                        break;
                    }
                    int i1 = Math.min(i0 + 1, m - 1);
                    int i2 = Math.min(i0 + 2, m - 1);
                    int i3 = Math.min(i0 + 3, m - 1);
                    int8Max4(q, qOff + i0 * d, qOff + i1 * d, qOff + i2 * d, qOff + i3 * d, k8,
                            base, d, qScale[sOff + i0] * ks, qScale[sOff + i1] * ks, qScale[sOff + i2] * ks,
                            qScale[sOff + i3] * ks, bias(qBias, sOff + i0), bias(qBias, sOff + i1),
                            bias(qBias, sOff + i2), bias(qBias, sOff + i3), out, o, i0 == 0);
                }
            }
        }
    }

    /**
     * Max over three queries ({@code q0..q2}, score scales {@code s0..s2} times each group's K scale, biases
     * {@code b0..b2}) of their INT8 scores for four consecutive groups ({@code base + j * gb}, K scales
     * {@code e0..e3}) into {@code out[o + j * GROUP, +L)}, or with what is there unless first.
     */
    private static void int8Max3x4(float[] q, int q0, int q1, int q2, MemorySegment k8, long base, long gb, int d,
                                   float s0, float s1, float s2, float b0, float b1, float b2, float e0,
                                   float e1, float e2, float e3,
                                   float[] out, int o, boolean first) {
        FloatVector a00 = FloatVector.zero(FS);
        FloatVector a01 = a00, a02 = a00, a03 = a00;
        FloatVector a10 = a00, a11 = a00, a12 = a00, a13 = a00;
        FloatVector a20 = a00, a21 = a00, a22 = a00, a23 = a00;
        for (int c = 0; c < d; c++) {
            long co = base + ((long) c << 4);
            FloatVector k0 = int8Lanes(k8, co);
            FloatVector k1 = int8Lanes(k8, co + gb);
            FloatVector k2 = int8Lanes(k8, co + 2 * gb);
            FloatVector k3 = int8Lanes(k8, co + 3 * gb);
            FloatVector x = FloatVector.broadcast(FS, q[q0 + c]);
            a00 = k0.fma(x, a00);
            a01 = k1.fma(x, a01);
            a02 = k2.fma(x, a02);
            a03 = k3.fma(x, a03);
            x = FloatVector.broadcast(FS, q[q1 + c]);
            a10 = k0.fma(x, a10);
            a11 = k1.fma(x, a11);
            a12 = k2.fma(x, a12);
            a13 = k3.fma(x, a13);
            x = FloatVector.broadcast(FS, q[q2 + c]);
            a20 = k0.fma(x, a20);
            a21 = k1.fma(x, a21);
            a22 = k2.fma(x, a22);
            a23 = k3.fma(x, a23);
        }
        FloatVector r0 = a00.fma(s0 * e0, b0).max(a10.fma(s1 * e0, b1)).max(a20.fma(s2 * e0, b2));
        FloatVector r1 = a01.fma(s0 * e1, b0).max(a11.fma(s1 * e1, b1)).max(a21.fma(s2 * e1, b2));
        FloatVector r2 = a02.fma(s0 * e2, b0).max(a12.fma(s1 * e2, b1)).max(a22.fma(s2 * e2, b2));
        FloatVector r3 = a03.fma(s0 * e3, b0).max(a13.fma(s1 * e3, b1)).max(a23.fma(s2 * e3, b2));
        if (!first) {
            // Vectors stay in registers only when written in the kernel itself: a helper taking one (or a
            // conditional expression choosing one) made C2 fall back to allocating code here.
            r0 = r0.max(FloatVector.fromArray(FS, out, o));
            r1 = r1.max(FloatVector.fromArray(FS, out, o + GROUP));
            r2 = r2.max(FloatVector.fromArray(FS, out, o + 2 * GROUP));
            r3 = r3.max(FloatVector.fromArray(FS, out, o + 3 * GROUP));
        }
        r0.intoArray(out, o);
        r1.intoArray(out, o + GROUP);
        r2.intoArray(out, o + 2 * GROUP);
        r3.intoArray(out, o + 3 * GROUP);
    }

    /** {@link #int8Max3x4} for four queries. */
    private static void int8Max4x4(float[] q, int q0, int q1, int q2, int q3, MemorySegment k8, long base, long gb,
                                   int d, float s0, float s1, float s2, float s3, float b0, float b1, float b2,
                                   float b3, float e0, float e1, float e2, float e3, float[] out, int o,
                                   boolean first) {
        FloatVector a00 = FloatVector.zero(FS);
        FloatVector a01 = a00, a02 = a00, a03 = a00;
        FloatVector a10 = a00, a11 = a00, a12 = a00, a13 = a00;
        FloatVector a20 = a00, a21 = a00, a22 = a00, a23 = a00;
        FloatVector a30 = a00, a31 = a00, a32 = a00, a33 = a00;
        for (int c = 0; c < d; c++) {
            long co = base + ((long) c << 4);
            FloatVector k0 = int8Lanes(k8, co);
            FloatVector k1 = int8Lanes(k8, co + gb);
            FloatVector k2 = int8Lanes(k8, co + 2 * gb);
            FloatVector k3 = int8Lanes(k8, co + 3 * gb);
            FloatVector x = FloatVector.broadcast(FS, q[q0 + c]);
            a00 = k0.fma(x, a00);
            a01 = k1.fma(x, a01);
            a02 = k2.fma(x, a02);
            a03 = k3.fma(x, a03);
            x = FloatVector.broadcast(FS, q[q1 + c]);
            a10 = k0.fma(x, a10);
            a11 = k1.fma(x, a11);
            a12 = k2.fma(x, a12);
            a13 = k3.fma(x, a13);
            x = FloatVector.broadcast(FS, q[q2 + c]);
            a20 = k0.fma(x, a20);
            a21 = k1.fma(x, a21);
            a22 = k2.fma(x, a22);
            a23 = k3.fma(x, a23);
            x = FloatVector.broadcast(FS, q[q3 + c]);
            a30 = k0.fma(x, a30);
            a31 = k1.fma(x, a31);
            a32 = k2.fma(x, a32);
            a33 = k3.fma(x, a33);
        }
        FloatVector r0 = a00.fma(s0 * e0, b0).max(a10.fma(s1 * e0, b1))
                .max(a20.fma(s2 * e0, b2).max(a30.fma(s3 * e0, b3)));
        FloatVector r1 = a01.fma(s0 * e1, b0).max(a11.fma(s1 * e1, b1))
                .max(a21.fma(s2 * e1, b2).max(a31.fma(s3 * e1, b3)));
        FloatVector r2 = a02.fma(s0 * e2, b0).max(a12.fma(s1 * e2, b1))
                .max(a22.fma(s2 * e2, b2).max(a32.fma(s3 * e2, b3)));
        FloatVector r3 = a03.fma(s0 * e3, b0).max(a13.fma(s1 * e3, b1))
                .max(a23.fma(s2 * e3, b2).max(a33.fma(s3 * e3, b3)));
        if (!first) {
            r0 = r0.max(FloatVector.fromArray(FS, out, o));
            r1 = r1.max(FloatVector.fromArray(FS, out, o + GROUP));
            r2 = r2.max(FloatVector.fromArray(FS, out, o + 2 * GROUP));
            r3 = r3.max(FloatVector.fromArray(FS, out, o + 3 * GROUP));
        }
        r0.intoArray(out, o);
        r1.intoArray(out, o + GROUP);
        r2.intoArray(out, o + 2 * GROUP);
        r3.intoArray(out, o + 3 * GROUP);
    }

    /** {@code L} INT8 lanes at byte {@code offset}, as floats. */
    private static FloatVector int8Lanes(MemorySegment k8, long offset) {
        return (FloatVector) ByteVector.fromMemorySegment(BS, k8, offset, ORDER)
                .convertShape(VectorOperators.B2F, FS, 0);
    }

    /** Max of four queries' scaled INT8 scores into {@code out[o, o+L)} (or with what is there unless first). */
    private static void int8Max4(float[] q, int q0, int q1, int q2, int q3, MemorySegment k8, long base,
                                 int d, float s0, float s1, float s2, float s3, float b0, float b1, float b2,
                                 float b3, float[] out, int o, boolean first) {
        FloatVector a0 = FloatVector.zero(FS);
        FloatVector a1 = a0;
        FloatVector a2 = a0;
        FloatVector a3 = a0;
        for (int c = 0; c < d; c++) {
            FloatVector kv = (FloatVector) ByteVector.fromMemorySegment(BS, k8, base + ((long) c << 4), ORDER)
                    .convertShape(VectorOperators.B2F, FS, 0);
            a0 = kv.fma(FloatVector.broadcast(FS, q[q0 + c]), a0);
            a1 = kv.fma(FloatVector.broadcast(FS, q[q1 + c]), a1);
            a2 = kv.fma(FloatVector.broadcast(FS, q[q2 + c]), a2);
            a3 = kv.fma(FloatVector.broadcast(FS, q[q3 + c]), a3);
        }
        FloatVector best = a0.fma(s0, b0).max(a1.fma(s1, b1)).max(a2.fma(s2, b2).max(a3.fma(s3, b3)));
        if (!first) {
            best = best.max(FloatVector.fromArray(FS, out, o));
        }
        best.intoArray(out, o);
    }

    /** {@link #int8Max4} for three queries. */
    private static void int8Max3(float[] q, int q0, int q1, int q2, MemorySegment k8, long base, int d, float s0,
                                 float s1, float s2, float b0, float b1, float b2, float[] out, int o,
                                 boolean first) {
        FloatVector a0 = FloatVector.zero(FS);
        FloatVector a1 = a0;
        FloatVector a2 = a0;
        for (int c = 0; c < d; c++) {
            FloatVector kv = (FloatVector) ByteVector.fromMemorySegment(BS, k8, base + ((long) c << 4), ORDER)
                    .convertShape(VectorOperators.B2F, FS, 0);
            a0 = kv.fma(FloatVector.broadcast(FS, q[q0 + c]), a0);
            a1 = kv.fma(FloatVector.broadcast(FS, q[q1 + c]), a1);
            a2 = kv.fma(FloatVector.broadcast(FS, q[q2 + c]), a2);
        }
        FloatVector best = a0.fma(s0, b0).max(a1.fma(s1, b1)).max(a2.fma(s2, b2));
        if (!first) {
            best = best.max(FloatVector.fromArray(FS, out, o));
        }
        best.intoArray(out, o);
    }

    // ---- exact float scores ---------------------------------------------------------------------------------

    @Override
    public void scoreExact(float[] q, int qOff, int m, MemorySegment k, int d, int g0, int g1, float[] out,
                           int outOff, int stride) {
        for (int i0 = 0; i0 < m; i0 += 4) {
            int i1 = Math.min(i0 + 1, m - 1);
            int i2 = Math.min(i0 + 2, m - 1);
            int i3 = Math.min(i0 + 3, m - 1);
            for (int g = g0; g < g1; g++) {
                for (int v = 0; v < NV; v++) {
                    int o = outOff + (g - g0) * GROUP + v * L;
                    dot4(q, qOff + i0 * d, qOff + i1 * d, qOff + i2 * d, qOff + i3 * d, k,
                            KeyLayout.keyOffset(g, 0, d) + (long) v * L * Float.BYTES,
                            d, out, i0 * stride + o, i1 * stride + o, i2 * stride + o, i3 * stride + o);
                }
            }
        }
    }

    @Override
    public void scoreExactMax(float[] q, int qOff, int m, MemorySegment k, int d, int g0, int g1, float[] out,
                              int outOff) {
        for (int g = g0; g < g1; g++) {
            for (int v = 0; v < NV; v++) {
                long base = KeyLayout.keyOffset(g, 0, d) + (long) v * L * Float.BYTES;
                int o = outOff + (g - g0) * GROUP + v * L;
                for (int i0 = 0; i0 < m; i0 += 4) {
                    int i1 = Math.min(i0 + 1, m - 1);
                    int i2 = Math.min(i0 + 2, m - 1);
                    int i3 = Math.min(i0 + 3, m - 1);
                    dotMax4(q, qOff + i0 * d, qOff + i1 * d, qOff + i2 * d, qOff + i3 * d, k, base, d, out, o,
                            i0 == 0);
                }
            }
        }
    }

    /** Four queries against one lane slice of a float K group. */
    private static void dot4(float[] q, int q0, int q1, int q2, int q3, MemorySegment k, long base, int d,
                             float[] out, int o0, int o1, int o2, int o3) {
        FloatVector a0 = FloatVector.zero(FS);
        FloatVector a1 = a0;
        FloatVector a2 = a0;
        FloatVector a3 = a0;
        for (int c = 0; c < d; c++) {
            FloatVector kv = FloatVector.fromMemorySegment(FS, k, base + c * ROW, ORDER);
            a0 = kv.fma(FloatVector.broadcast(FS, q[q0 + c]), a0);
            a1 = kv.fma(FloatVector.broadcast(FS, q[q1 + c]), a1);
            a2 = kv.fma(FloatVector.broadcast(FS, q[q2 + c]), a2);
            a3 = kv.fma(FloatVector.broadcast(FS, q[q3 + c]), a3);
        }
        a0.intoArray(out, o0);
        a1.intoArray(out, o1);
        a2.intoArray(out, o2);
        a3.intoArray(out, o3);
    }

    private static void dotMax4(float[] q, int q0, int q1, int q2, int q3, MemorySegment k, long base, int d,
                                float[] out, int o, boolean first) {
        FloatVector a0 = FloatVector.zero(FS);
        FloatVector a1 = a0;
        FloatVector a2 = a0;
        FloatVector a3 = a0;
        for (int c = 0; c < d; c++) {
            FloatVector kv = FloatVector.fromMemorySegment(FS, k, base + c * ROW, ORDER);
            a0 = kv.fma(FloatVector.broadcast(FS, q[q0 + c]), a0);
            a1 = kv.fma(FloatVector.broadcast(FS, q[q1 + c]), a1);
            a2 = kv.fma(FloatVector.broadcast(FS, q[q2 + c]), a2);
            a3 = kv.fma(FloatVector.broadcast(FS, q[q3 + c]), a3);
        }
        FloatVector best = a0.max(a1).max(a2.max(a3));
        if (!first) {
            best = best.max(FloatVector.fromArray(FS, out, o));
        }
        best.intoArray(out, o);
    }

    /** One query against four lane slices (four groups). */
    private static void dot1x4(float[] q, int qo, MemorySegment k, long b0, long b1, long b2, long b3, int d,
                               float[] out, int o0, int o1, int o2, int o3) {
        FloatVector a0 = FloatVector.zero(FS);
        FloatVector a1 = a0;
        FloatVector a2 = a0;
        FloatVector a3 = a0;
        for (int c = 0; c < d; c++) {
            FloatVector x = FloatVector.broadcast(FS, q[qo + c]);
            long r = c * ROW;
            a0 = FloatVector.fromMemorySegment(FS, k, b0 + r, ORDER).fma(x, a0);
            a1 = FloatVector.fromMemorySegment(FS, k, b1 + r, ORDER).fma(x, a1);
            a2 = FloatVector.fromMemorySegment(FS, k, b2 + r, ORDER).fma(x, a2);
            a3 = FloatVector.fromMemorySegment(FS, k, b3 + r, ORDER).fma(x, a3);
        }
        a0.intoArray(out, o0);
        a1.intoArray(out, o1);
        a2.intoArray(out, o2);
        a3.intoArray(out, o3);
    }

    // ---- block bounds ---------------------------------------------------------------------------------------

    @Override
    public void blockBounds(float[] q, int qOff, int m, MemorySegment summaries, int d, int b0, int b1,
                            float[] out, int outOff) {
        // 16 blocks per pass, one lane each (transposed summaries): no horizontal sums.
        for (int g = b0 & -GROUP; g < b1; g += GROUP) {
            long base = KeyLayout.summaryGroupOffset(g, d);
            long maxRows = ROW;
            for (int v = 0; v < NV; v++) {
                int first = g + v * L;
                if (first + L <= b0 || first >= b1) {
                    continue;
                }
                long vb = base + (long) v * L * Float.BYTES;
                FloatVector best = FloatVector.broadcast(FS, Float.NEGATIVE_INFINITY);
                for (int i0 = 0; i0 < m; i0 += 4) {
                    if (m - i0 == 3) {
                        best = best.max(bound3(q, qOff + i0 * d, summaries, vb, maxRows, d));
                        break;
                    }
                    best = best.max(bound4(q, qOff + i0 * d, qOff + Math.min(i0 + 1, m - 1) * d,
                            qOff + Math.min(i0 + 2, m - 1) * d, qOff + Math.min(i0 + 3, m - 1) * d, summaries, vb,
                            maxRows, d));
                }
                int o = outOff + first - b0;
                if (first >= b0 && first + L <= b1) {
                    best.intoArray(out, o);
                } else {
                    for (int lane = Math.max(0, b0 - first), end = Math.min(L, b1 - first); lane < end; lane++) {
                        out[o + lane] = best.lane(lane);
                    }
                }
            }
        }
    }

    /**
     * Bounds of three consecutive queries from {@code q[qo]} for the {@code L} blocks of one lane slice of a summary
     * group ({@code base}: channel c's min row at {@code base + 2c * 64} bytes, its max row {@code maxRows} on): per
     * channel, {@code q_c * max_c} when
     * {@code q_c >= 0}, else {@code q_c * min_c} (the larger of the two products, as the reference's max picks).
     */
    private static FloatVector bound3(float[] q, int qo, MemorySegment s, long base, long maxRows, int d) {
        FloatVector a0 = FloatVector.zero(FS);
        FloatVector a1 = a0;
        FloatVector a2 = a0;
        for (int c = 0; c < d; c++) {
            long row = base + 2 * c * ROW;
            float x0 = q[qo + c];
            float x1 = q[qo + d + c];
            float x2 = q[qo + 2 * d + c];
            a0 = a0.add(FloatVector.fromMemorySegment(FS, s, x0 >= 0f ? row + maxRows : row, ORDER).mul(x0));
            a1 = a1.add(FloatVector.fromMemorySegment(FS, s, x1 >= 0f ? row + maxRows : row, ORDER).mul(x1));
            a2 = a2.add(FloatVector.fromMemorySegment(FS, s, x2 >= 0f ? row + maxRows : row, ORDER).mul(x2));
        }
        return a0.max(a1).max(a2);
    }

    /** {@link #bound3} for four queries at any offsets (repeated ones give the same bound). */
    private static FloatVector bound4(float[] q, int q0, int q1, int q2, int q3, MemorySegment s, long base,
                                      long maxRows, int d) {
        FloatVector a0 = FloatVector.zero(FS);
        FloatVector a1 = a0;
        FloatVector a2 = a0;
        FloatVector a3 = a0;
        for (int c = 0; c < d; c++) {
            long row = base + 2 * c * ROW;
            float x0 = q[q0 + c];
            float x1 = q[q1 + c];
            float x2 = q[q2 + c];
            float x3 = q[q3 + c];
            a0 = a0.add(FloatVector.fromMemorySegment(FS, s, x0 >= 0f ? row + maxRows : row, ORDER).mul(x0));
            a1 = a1.add(FloatVector.fromMemorySegment(FS, s, x1 >= 0f ? row + maxRows : row, ORDER).mul(x1));
            a2 = a2.add(FloatVector.fromMemorySegment(FS, s, x2 >= 0f ? row + maxRows : row, ORDER).mul(x2));
            a3 = a3.add(FloatVector.fromMemorySegment(FS, s, x3 >= 0f ? row + maxRows : row, ORDER).mul(x3));
        }
        return a0.max(a1).max(a2.max(a3));
    }

    // ---- selection --------------------------------------------------------------------------------------------

    @Override
    public int selectTopK(float[] scores, int n, int k, int[] out, SelectScratch scratch) {
        return VectorTopK.select(scores, n, k, out, scratch);
    }

    @Override
    public float touchBlocks(MemorySegment seg, int[] blocks, int from, int to, long blockBytes) {
        FloatVector a = FloatVector.zero(FS);
        FloatVector b = a;
        FloatVector c = a;
        FloatVector e = a;
        int i = from;
        for (; i + 4 <= to; i += 4) {
            long o0 = blocks[i] * blockBytes;
            long o1 = blocks[i + 1] * blockBytes;
            long o2 = blocks[i + 2] * blockBytes;
            long o3 = blocks[i + 3] * blockBytes;
            for (long o = 0; o < blockBytes; o += 64) {
                a = a.add(FloatVector.fromMemorySegment(FS, seg, o0 + o, ORDER));
                b = b.add(FloatVector.fromMemorySegment(FS, seg, o1 + o, ORDER));
                c = c.add(FloatVector.fromMemorySegment(FS, seg, o2 + o, ORDER));
                e = e.add(FloatVector.fromMemorySegment(FS, seg, o3 + o, ORDER));
            }
        }
        for (; i < to; i++) {
            long o0 = blocks[i] * blockBytes;
            for (long o = 0; o < blockBytes; o += 64) {
                a = a.add(FloatVector.fromMemorySegment(FS, seg, o0 + o, ORDER));
            }
        }
        return a.add(b).add(c.add(e)).reduceLanes(VectorOperators.ADD);
    }

    @Override
    public void selectBits(float[] scores, int so, int n, int k, long[] bits, int bitsOff, SelectScratch scratch) {
        VectorTopK.selectBits(scores, so, n, k, bits, bitsOff, scratch);
    }

    // ---- exact sparse attention -------------------------------------------------------------------------------

    @Override
    public void attendKeys(float[] q, int qOff, int heads, long[] bits, int bitsOff, int words, MemorySegment kRows,
                           MemorySegment v, int d, float[] out, int outOff, AttendScratch scratch) {
        VectorKeyAttention.attend(q, qOff, heads, bits, bitsOff, words, kRows, v, d, out, outOff, scratch);
    }

    @Override
    public void attend(float[] q, int qOff, int m, int[] pos, int posOff, MemorySegment k, MemorySegment v, int d,
                       int[] groups, int[] masks, int maskStride, int count, float[] out, int outOff,
                       AttendScratch s) {
        s.ensure(m, d);
        Arrays.fill(s.acc, 0, m * d, 0f);
        Arrays.fill(s.max, 0, m, Float.NEGATIVE_INFINITY);
        Arrays.fill(s.sum, 0, m, 0f);
        for (int c0 = 0; c0 < count; c0 += CG) {
            int cn = Math.min(CG, count - c0);
            s.sink += touch(k, v, d, groups, c0, cn).reduceLanes(VectorOperators.ADD);
            logitsChunk(q, qOff, m, k, d, groups, c0, cn, s.logits);
            for (int i = 0; i < m; i++) {
                softmaxChunk(i, pos[posOff + i], groups, masks, i * maskStride, c0, cn, d, s);
            }
            pvChunk(m, v, d, groups, c0, cn, s);
        }
        for (int i = 0; i < m; i++) {
            float sum = s.sum[i];
            float inv = sum > 0f ? 1f / sum : 0f;
            for (int c = 0; c < d; c += L) {
                FloatVector.fromArray(FS, s.acc, i * d + c).mul(inv).intoArray(out, outOff + i * d + c);
            }
        }
    }


    /**
     * Reads one vector of every cache line of the chunk's K groups and V rows before the chunk is computed: a loop
     * this light keeps dozens of line misses in flight (the compute loops stall on one block at a time), so the
     * chunk then computes from cache. It reads K and V side by side (two streams at once): K then V per group, with
     * a reduction each, made cold decode 8-10% slower (16K, JMH); four streams (two groups at once) gained nothing.
     */
    private static FloatVector touch(MemorySegment k, MemorySegment v, int d, int[] groups, int c0, int cn) {
        FloatVector a = FloatVector.zero(FS);
        FloatVector b = FloatVector.zero(FS);
        long groupBytes = (long) d * ROW;
        long line = 64;
        for (int t = c0; t < c0 + cn; t++) {
            long kb = groups[t] * groupBytes;
            long vb = KeyLayout.valueOffset(groups[t] * GROUP, d);
            for (long o = 0; o < groupBytes; o += line) {
                a = a.add(FloatVector.fromMemorySegment(FS, k, kb + o, ORDER));
                b = b.add(FloatVector.fromMemorySegment(FS, v, vb + o, ORDER));
            }
        }
        return a.add(b);
    }

    /**
     * Logits of all queries for groups {@code [c0, c0+cn)} of the list into {@code S[i * SW + t * 16 + lane]}.
     * Queries go four at a time (three when that divides them and four does not: the 3 query heads of a KV head
     * in decode), groups four at a time, so each K load feeds several FMAs and chains are independent.
     */
    private static void logitsChunk(float[] q, int qOff, int m, MemorySegment k, int d, int[] groups, int c0,
                                    int cn, float[] S) {
        int i = 0;
        if (m % 4 != 0 && m % 3 == 0) {
            for (; i < m; i += 3) {
                logitsRows3(q, qOff + i * d, k, d, groups, c0, cn, S, i * SW);
            }
            return;
        }
        for (; i + 4 <= m; i += 4) {
            logitsRows4(q, qOff + i * d, k, d, groups, c0, cn, S, i * SW);
        }
        if (m - i == 3) {
            logitsRows3(q, qOff + i * d, k, d, groups, c0, cn, S, i * SW);
            return;
        }
        for (; i < m; i++) {
            logitsRows1(q, qOff + i * d, k, d, groups, c0, cn, S, i * SW);
        }
    }

    private static long slice(int[] groups, int t, int d, int v) {
        return KeyLayout.keyOffset(groups[t], 0, d) + (long) v * L * Float.BYTES;
    }

    private static void logitsRows4(float[] q, int qo, MemorySegment k, int d, int[] groups, int c0, int cn,
                                    float[] S, int so) {
        int t = 0;
        for (; t + 4 <= cn; t += 4) {
            for (int v = 0; v < NV; v++) {
                dot4x4(q, qo, k, slice(groups, c0 + t, d, v), slice(groups, c0 + t + 1, d, v),
                        slice(groups, c0 + t + 2, d, v), slice(groups, c0 + t + 3, d, v), d, S, so + t * GROUP + v * L);
            }
        }
        for (; t < cn; t++) {
            for (int v = 0; v < NV; v++) {
                int o = so + t * GROUP + v * L;
                dot4(q, qo, qo + d, qo + 2 * d, qo + 3 * d, k, slice(groups, c0 + t, d, v), d, S,
                        o, o + SW, o + 2 * SW, o + 3 * SW);
            }
        }
    }

    private static void logitsRows3(float[] q, int qo, MemorySegment k, int d, int[] groups, int c0, int cn,
                                    float[] S, int so) {
        int t = 0;
        for (; t + 4 <= cn; t += 4) {
            for (int v = 0; v < NV; v++) {
                dot3x4(q, qo, k, slice(groups, c0 + t, d, v), slice(groups, c0 + t + 1, d, v),
                        slice(groups, c0 + t + 2, d, v), slice(groups, c0 + t + 3, d, v), d, S, so + t * GROUP + v * L);
            }
        }
        for (; t < cn; t++) {
            for (int v = 0; v < NV; v++) {
                int o = so + t * GROUP + v * L;
                // The fourth row repeats the third: same value to the same place.
                dot4(q, qo, qo + d, qo + 2 * d, qo + 2 * d, k, slice(groups, c0 + t, d, v), d, S,
                        o, o + SW, o + 2 * SW, o + 2 * SW);
            }
        }
    }

    private static void logitsRows1(float[] q, int qo, MemorySegment k, int d, int[] groups, int c0, int cn,
                                    float[] S, int so) {
        int t = 0;
        for (; t + 4 <= cn; t += 4) {
            for (int v = 0; v < NV; v++) {
                int o = so + t * GROUP + v * L;
                dot1x4(q, qo, k, slice(groups, c0 + t, d, v), slice(groups, c0 + t + 1, d, v),
                        slice(groups, c0 + t + 2, d, v), slice(groups, c0 + t + 3, d, v), d,
                        S, o, o + GROUP, o + 2 * GROUP, o + 3 * GROUP);
            }
        }
        for (; t < cn; t++) {
            for (int v = 0; v < NV; v++) {
                int o = so + t * GROUP + v * L;
                dot4(q, qo, qo, qo, qo, k, slice(groups, c0 + t, d, v), d, S, o, o, o, o);
            }
        }
    }

    /** Four queries (rows {@code qo + r*d}) against four group slices: 16 accumulators. */
    private static void dot4x4(float[] q, int qo, MemorySegment k, long b0, long b1, long b2, long b3, int d,
                               float[] S, int o) {
        FloatVector a00 = FloatVector.zero(FS), a01 = a00, a02 = a00, a03 = a00;
        FloatVector a10 = a00, a11 = a00, a12 = a00, a13 = a00;
        FloatVector a20 = a00, a21 = a00, a22 = a00, a23 = a00;
        FloatVector a30 = a00, a31 = a00, a32 = a00, a33 = a00;
        for (int c = 0; c < d; c++) {
            long r = c * ROW;
            FloatVector k0 = FloatVector.fromMemorySegment(FS, k, b0 + r, ORDER);
            FloatVector k1 = FloatVector.fromMemorySegment(FS, k, b1 + r, ORDER);
            FloatVector k2 = FloatVector.fromMemorySegment(FS, k, b2 + r, ORDER);
            FloatVector k3 = FloatVector.fromMemorySegment(FS, k, b3 + r, ORDER);
            FloatVector x = FloatVector.broadcast(FS, q[qo + c]);
            a00 = k0.fma(x, a00);
            a01 = k1.fma(x, a01);
            a02 = k2.fma(x, a02);
            a03 = k3.fma(x, a03);
            x = FloatVector.broadcast(FS, q[qo + d + c]);
            a10 = k0.fma(x, a10);
            a11 = k1.fma(x, a11);
            a12 = k2.fma(x, a12);
            a13 = k3.fma(x, a13);
            x = FloatVector.broadcast(FS, q[qo + 2 * d + c]);
            a20 = k0.fma(x, a20);
            a21 = k1.fma(x, a21);
            a22 = k2.fma(x, a22);
            a23 = k3.fma(x, a23);
            x = FloatVector.broadcast(FS, q[qo + 3 * d + c]);
            a30 = k0.fma(x, a30);
            a31 = k1.fma(x, a31);
            a32 = k2.fma(x, a32);
            a33 = k3.fma(x, a33);
        }
        a00.intoArray(S, o);
        a01.intoArray(S, o + GROUP);
        a02.intoArray(S, o + 2 * GROUP);
        a03.intoArray(S, o + 3 * GROUP);
        a10.intoArray(S, o + SW);
        a11.intoArray(S, o + SW + GROUP);
        a12.intoArray(S, o + SW + 2 * GROUP);
        a13.intoArray(S, o + SW + 3 * GROUP);
        a20.intoArray(S, o + 2 * SW);
        a21.intoArray(S, o + 2 * SW + GROUP);
        a22.intoArray(S, o + 2 * SW + 2 * GROUP);
        a23.intoArray(S, o + 2 * SW + 3 * GROUP);
        a30.intoArray(S, o + 3 * SW);
        a31.intoArray(S, o + 3 * SW + GROUP);
        a32.intoArray(S, o + 3 * SW + 2 * GROUP);
        a33.intoArray(S, o + 3 * SW + 3 * GROUP);
    }

    /** Three queries against four group slices: 12 accumulators. */
    private static void dot3x4(float[] q, int qo, MemorySegment k, long b0, long b1, long b2, long b3, int d,
                               float[] S, int o) {
        FloatVector a00 = FloatVector.zero(FS), a01 = a00, a02 = a00, a03 = a00;
        FloatVector a10 = a00, a11 = a00, a12 = a00, a13 = a00;
        FloatVector a20 = a00, a21 = a00, a22 = a00, a23 = a00;
        for (int c = 0; c < d; c++) {
            long r = c * ROW;
            FloatVector k0 = FloatVector.fromMemorySegment(FS, k, b0 + r, ORDER);
            FloatVector k1 = FloatVector.fromMemorySegment(FS, k, b1 + r, ORDER);
            FloatVector k2 = FloatVector.fromMemorySegment(FS, k, b2 + r, ORDER);
            FloatVector k3 = FloatVector.fromMemorySegment(FS, k, b3 + r, ORDER);
            FloatVector x = FloatVector.broadcast(FS, q[qo + c]);
            a00 = k0.fma(x, a00);
            a01 = k1.fma(x, a01);
            a02 = k2.fma(x, a02);
            a03 = k3.fma(x, a03);
            x = FloatVector.broadcast(FS, q[qo + d + c]);
            a10 = k0.fma(x, a10);
            a11 = k1.fma(x, a11);
            a12 = k2.fma(x, a12);
            a13 = k3.fma(x, a13);
            x = FloatVector.broadcast(FS, q[qo + 2 * d + c]);
            a20 = k0.fma(x, a20);
            a21 = k1.fma(x, a21);
            a22 = k2.fma(x, a22);
            a23 = k3.fma(x, a23);
        }
        a00.intoArray(S, o);
        a01.intoArray(S, o + GROUP);
        a02.intoArray(S, o + 2 * GROUP);
        a03.intoArray(S, o + 3 * GROUP);
        a10.intoArray(S, o + SW);
        a11.intoArray(S, o + SW + GROUP);
        a12.intoArray(S, o + SW + 2 * GROUP);
        a13.intoArray(S, o + SW + 3 * GROUP);
        a20.intoArray(S, o + 2 * SW);
        a21.intoArray(S, o + 2 * SW + GROUP);
        a22.intoArray(S, o + 2 * SW + 2 * GROUP);
        a23.intoArray(S, o + 2 * SW + 3 * GROUP);
    }

    /** Lanes of group {@code g} causally visible from position {@code p}. */
    static int causal(int p, int g) {
        int last = p - g * GROUP;
        return last >= GROUP - 1 ? 0xFFFF : last < 0 ? 0 : (1 << (last + 1)) - 1;
    }

    /**
     * Masks query {@code i}'s logits of this chunk, folds them into its running max and sum, rescales its
     * accumulator, and leaves the probabilities (relative to the new max) in place of the logits.
     */
    private static void softmaxChunk(int i, int p, int[] groups, int[] masks, int maskOff, int c0, int cn, int d,
                                     AttendScratch s) {
        float[] S = s.logits;
        FloatVector negInf = FloatVector.broadcast(FS, Float.NEGATIVE_INFINITY);
        FloatVector vmax = negInf;
        for (int t = 0; t < cn; t++) {
            int bits = (masks == null ? 0xFFFF : masks[maskOff + c0 + t]) & causal(p, groups[c0 + t]);
            s.valid[i * CG + t] = bits;
            int o = i * SW + t * GROUP;
            for (int v = 0; v < NV; v++) {
                FloatVector x = FloatVector.fromArray(FS, S, o + v * L);
                if (bits != 0xFFFF) {
                    VectorMask<Float> keep = VectorMask.fromLong(FS, (bits >>> (v * L)) & LANE_MASK);
                    x = negInf.blend(x, keep);
                    x.intoArray(S, o + v * L);
                }
                vmax = vmax.max(x);
            }
        }
        onlineSoftmax(S, i * SW, i * SW + cn * GROUP, vmax.reduceLanes(VectorOperators.MAX), i, d, s);
    }

    /**
     * One online-softmax step of query {@code i} over logits {@code W[from, to)} ({@code to - from} a multiple of the
     * lanes) whose largest is {@code chunkMax}: raises the running max, rescales the query's sum and accumulator
     * ({@code s.acc[i * d, +d)}) to it, and leaves the weights {@code e^(logit - max)} in place (all 0 when nothing
     * is visible: other queries of a pass may still read them).
     */
    static void onlineSoftmax(float[] W, int from, int to, float chunkMax, int i, int d, AttendScratch s) {
        if (chunkMax == Float.NEGATIVE_INFINITY) {
            Arrays.fill(W, from, to, 0f);
            return;
        }
        float old = s.max[i];
        float newMax = Math.max(old, chunkMax);
        if (newMax != old && old != Float.NEGATIVE_INFINITY) {
            float alpha = (float) Math.exp(old - newMax);
            s.sum[i] *= alpha;
            for (int c = 0; c < d; c += L) {
                FloatVector.fromArray(FS, s.acc, i * d + c).mul(alpha).intoArray(s.acc, i * d + c);
            }
        }
        s.max[i] = newMax;
        FloatVector vsum = FloatVector.zero(FS);
        for (int o = from; o < to; o += L) {
            FloatVector e = VectorMath.expNonPositive(FloatVector.fromArray(FS, W, o).sub(newMax));
            e.intoArray(W, o);
            vsum = vsum.add(e);
        }
        s.sum[i] += vsum.reduceLanes(VectorOperators.ADD);
    }

    /** P·V of all queries for this chunk, with the same grouping of queries as the logits. */
    private static void pvChunk(int m, MemorySegment v, int d, int[] groups, int c0, int cn, AttendScratch s) {
        int i = 0;
        if (m % 4 != 0 && m % 3 == 0) {
            for (; i < m; i += 3) {
                pvRows(i, i + 1, i + 2, i + 2, v, d, groups, c0, cn, s);
            }
            return;
        }
        for (; i + 4 <= m; i += 4) {
            pvRows(i, i + 1, i + 2, i + 3, v, d, groups, c0, cn, s);
        }
        if (m - i == 3) {
            pvRows(i, i + 1, i + 2, i + 2, v, d, groups, c0, cn, s);
            return;
        }
        for (; i < m; i++) {
            pv1(i, v, d, groups, c0, cn, s);
        }
    }

    /** Four query rows (the last may repeat the third): channel chunks of four vectors, then single vectors. */
    private static void pvRows(int i0, int i1, int i2, int i3, MemorySegment v, int d, int[] groups, int c0,
                               int cn, AttendScratch s) {
        int c = 0;
        for (; c + 4 * L <= d; c += 4 * L) {
            if (i3 == i2) {
                pv3x4(i0, i1, i2, c, v, d, groups, c0, cn, s);
            } else {
                pv4x4(i0, i1, i2, i3, c, v, d, groups, c0, cn, s);
            }
        }
        for (; c < d; c += L) {
            pv4x1(i0, i1, i2, i3, c, v, d, groups, c0, cn, s);
        }
    }

    private static int unionBits(AttendScratch s, int i0, int i1, int i2, int i3, int t) {
        return s.valid[i0 * CG + t] | s.valid[i1 * CG + t] | s.valid[i2 * CG + t] | s.valid[i3 * CG + t];
    }

    /** Channels {@code [c, c+4L)} of four queries: 16 accumulators; per key 4 V loads feed 16 FMAs. */
    private static void pv4x4(int i0, int i1, int i2, int i3, int c, MemorySegment v, int d, int[] groups,
                              int c0, int cn, AttendScratch s) {
        float[] acc = s.acc;
        float[] P = s.logits;
        int o0 = i0 * d + c;
        int o1 = i1 * d + c;
        int o2 = i2 * d + c;
        int o3 = i3 * d + c;
        FloatVector a00 = FloatVector.fromArray(FS, acc, o0), a01 = FloatVector.fromArray(FS, acc, o0 + L);
        FloatVector a02 = FloatVector.fromArray(FS, acc, o0 + 2 * L), a03 = FloatVector.fromArray(FS, acc, o0 + 3 * L);
        FloatVector a10 = FloatVector.fromArray(FS, acc, o1), a11 = FloatVector.fromArray(FS, acc, o1 + L);
        FloatVector a12 = FloatVector.fromArray(FS, acc, o1 + 2 * L), a13 = FloatVector.fromArray(FS, acc, o1 + 3 * L);
        FloatVector a20 = FloatVector.fromArray(FS, acc, o2), a21 = FloatVector.fromArray(FS, acc, o2 + L);
        FloatVector a22 = FloatVector.fromArray(FS, acc, o2 + 2 * L), a23 = FloatVector.fromArray(FS, acc, o2 + 3 * L);
        FloatVector a30 = FloatVector.fromArray(FS, acc, o3), a31 = FloatVector.fromArray(FS, acc, o3 + L);
        FloatVector a32 = FloatVector.fromArray(FS, acc, o3 + 2 * L), a33 = FloatVector.fromArray(FS, acc, o3 + 3 * L);
        long cOff = (long) c * Float.BYTES;
        long step = (long) L * Float.BYTES;
        for (int t = 0; t < cn; t++) {
            int bits = unionBits(s, i0, i1, i2, i3, t);
            int key0 = groups[c0 + t] * GROUP;
            int pt = t * GROUP;
            while (bits != 0) {
                int lane = Integer.numberOfTrailingZeros(bits);
                bits &= bits - 1;
                long vo = KeyLayout.valueOffset(key0 + lane, d) + cOff;
                FloatVector v0 = FloatVector.fromMemorySegment(FS, v, vo, ORDER);
                FloatVector v1 = FloatVector.fromMemorySegment(FS, v, vo + step, ORDER);
                FloatVector v2 = FloatVector.fromMemorySegment(FS, v, vo + 2 * step, ORDER);
                FloatVector v3 = FloatVector.fromMemorySegment(FS, v, vo + 3 * step, ORDER);
                int pi = pt + lane;
                FloatVector p = FloatVector.broadcast(FS, P[i0 * SW + pi]);
                a00 = v0.fma(p, a00);
                a01 = v1.fma(p, a01);
                a02 = v2.fma(p, a02);
                a03 = v3.fma(p, a03);
                p = FloatVector.broadcast(FS, P[i1 * SW + pi]);
                a10 = v0.fma(p, a10);
                a11 = v1.fma(p, a11);
                a12 = v2.fma(p, a12);
                a13 = v3.fma(p, a13);
                p = FloatVector.broadcast(FS, P[i2 * SW + pi]);
                a20 = v0.fma(p, a20);
                a21 = v1.fma(p, a21);
                a22 = v2.fma(p, a22);
                a23 = v3.fma(p, a23);
                p = FloatVector.broadcast(FS, P[i3 * SW + pi]);
                a30 = v0.fma(p, a30);
                a31 = v1.fma(p, a31);
                a32 = v2.fma(p, a32);
                a33 = v3.fma(p, a33);
            }
        }
        a00.intoArray(acc, o0);
        a01.intoArray(acc, o0 + L);
        a02.intoArray(acc, o0 + 2 * L);
        a03.intoArray(acc, o0 + 3 * L);
        a10.intoArray(acc, o1);
        a11.intoArray(acc, o1 + L);
        a12.intoArray(acc, o1 + 2 * L);
        a13.intoArray(acc, o1 + 3 * L);
        a20.intoArray(acc, o2);
        a21.intoArray(acc, o2 + L);
        a22.intoArray(acc, o2 + 2 * L);
        a23.intoArray(acc, o2 + 3 * L);
        a30.intoArray(acc, o3);
        a31.intoArray(acc, o3 + L);
        a32.intoArray(acc, o3 + 2 * L);
        a33.intoArray(acc, o3 + 3 * L);
    }

    /** Channels {@code [c, c+4L)} of three queries: 12 accumulators. */
    private static void pv3x4(int i0, int i1, int i2, int c, MemorySegment v, int d, int[] groups, int c0, int cn,
                              AttendScratch s) {
        float[] acc = s.acc;
        float[] P = s.logits;
        int o0 = i0 * d + c;
        int o1 = i1 * d + c;
        int o2 = i2 * d + c;
        FloatVector a00 = FloatVector.fromArray(FS, acc, o0), a01 = FloatVector.fromArray(FS, acc, o0 + L);
        FloatVector a02 = FloatVector.fromArray(FS, acc, o0 + 2 * L), a03 = FloatVector.fromArray(FS, acc, o0 + 3 * L);
        FloatVector a10 = FloatVector.fromArray(FS, acc, o1), a11 = FloatVector.fromArray(FS, acc, o1 + L);
        FloatVector a12 = FloatVector.fromArray(FS, acc, o1 + 2 * L), a13 = FloatVector.fromArray(FS, acc, o1 + 3 * L);
        FloatVector a20 = FloatVector.fromArray(FS, acc, o2), a21 = FloatVector.fromArray(FS, acc, o2 + L);
        FloatVector a22 = FloatVector.fromArray(FS, acc, o2 + 2 * L), a23 = FloatVector.fromArray(FS, acc, o2 + 3 * L);
        long cOff = (long) c * Float.BYTES;
        long step = (long) L * Float.BYTES;
        for (int t = 0; t < cn; t++) {
            int bits = s.valid[i0 * CG + t] | s.valid[i1 * CG + t] | s.valid[i2 * CG + t];
            int key0 = groups[c0 + t] * GROUP;
            int pt = t * GROUP;
            while (bits != 0) {
                int lane = Integer.numberOfTrailingZeros(bits);
                bits &= bits - 1;
                long vo = KeyLayout.valueOffset(key0 + lane, d) + cOff;
                FloatVector v0 = FloatVector.fromMemorySegment(FS, v, vo, ORDER);
                FloatVector v1 = FloatVector.fromMemorySegment(FS, v, vo + step, ORDER);
                FloatVector v2 = FloatVector.fromMemorySegment(FS, v, vo + 2 * step, ORDER);
                FloatVector v3 = FloatVector.fromMemorySegment(FS, v, vo + 3 * step, ORDER);
                int pi = pt + lane;
                FloatVector p = FloatVector.broadcast(FS, P[i0 * SW + pi]);
                a00 = v0.fma(p, a00);
                a01 = v1.fma(p, a01);
                a02 = v2.fma(p, a02);
                a03 = v3.fma(p, a03);
                p = FloatVector.broadcast(FS, P[i1 * SW + pi]);
                a10 = v0.fma(p, a10);
                a11 = v1.fma(p, a11);
                a12 = v2.fma(p, a12);
                a13 = v3.fma(p, a13);
                p = FloatVector.broadcast(FS, P[i2 * SW + pi]);
                a20 = v0.fma(p, a20);
                a21 = v1.fma(p, a21);
                a22 = v2.fma(p, a22);
                a23 = v3.fma(p, a23);
            }
        }
        a00.intoArray(acc, o0);
        a01.intoArray(acc, o0 + L);
        a02.intoArray(acc, o0 + 2 * L);
        a03.intoArray(acc, o0 + 3 * L);
        a10.intoArray(acc, o1);
        a11.intoArray(acc, o1 + L);
        a12.intoArray(acc, o1 + 2 * L);
        a13.intoArray(acc, o1 + 3 * L);
        a20.intoArray(acc, o2);
        a21.intoArray(acc, o2 + L);
        a22.intoArray(acc, o2 + 2 * L);
        a23.intoArray(acc, o2 + 3 * L);
    }


    /** One vector of channels {@code [c, c+L)} for four queries (rows may repeat). */
    private static void pv4x1(int i0, int i1, int i2, int i3, int c, MemorySegment v, int d, int[] groups,
                              int c0, int cn, AttendScratch s) {
        float[] acc = s.acc;
        float[] P = s.logits;
        FloatVector a0 = FloatVector.fromArray(FS, acc, i0 * d + c);
        FloatVector a1 = FloatVector.fromArray(FS, acc, i1 * d + c);
        FloatVector a2 = FloatVector.fromArray(FS, acc, i2 * d + c);
        FloatVector a3 = FloatVector.fromArray(FS, acc, i3 * d + c);
        long cOff = (long) c * Float.BYTES;
        for (int t = 0; t < cn; t++) {
            int bits = unionBits(s, i0, i1, i2, i3, t);
            int key0 = groups[c0 + t] * GROUP;
            int pt = t * GROUP;
            while (bits != 0) {
                int lane = Integer.numberOfTrailingZeros(bits);
                bits &= bits - 1;
                FloatVector x = FloatVector.fromMemorySegment(FS, v, KeyLayout.valueOffset(key0 + lane, d) + cOff,
                        ORDER);
                int pi = pt + lane;
                a0 = x.fma(FloatVector.broadcast(FS, P[i0 * SW + pi]), a0);
                a1 = x.fma(FloatVector.broadcast(FS, P[i1 * SW + pi]), a1);
                a2 = x.fma(FloatVector.broadcast(FS, P[i2 * SW + pi]), a2);
                a3 = x.fma(FloatVector.broadcast(FS, P[i3 * SW + pi]), a3);
            }
        }
        // Repeated rows computed the same values: storing them twice is harmless.
        a0.intoArray(acc, i0 * d + c);
        a1.intoArray(acc, i1 * d + c);
        a2.intoArray(acc, i2 * d + c);
        a3.intoArray(acc, i3 * d + c);
    }

    /** P·V of a single query: four channel vectors per pass, then single vectors. */
    private static void pv1(int i, MemorySegment v, int d, int[] groups, int c0, int cn, AttendScratch s) {
        int c = 0;
        for (; c + 4 * L <= d; c += 4 * L) {
            pv1x4(i, c, v, d, groups, c0, cn, s);
        }
        for (; c < d; c += L) {
            pv4x1(i, i, i, i, c, v, d, groups, c0, cn, s);
        }
    }

    private static void pv1x4(int i, int c, MemorySegment v, int d, int[] groups, int c0, int cn,
                              AttendScratch s) {
        float[] acc = s.acc;
        float[] P = s.logits;
        int o = i * d + c;
        FloatVector a0 = FloatVector.fromArray(FS, acc, o);
        FloatVector a1 = FloatVector.fromArray(FS, acc, o + L);
        FloatVector a2 = FloatVector.fromArray(FS, acc, o + 2 * L);
        FloatVector a3 = FloatVector.fromArray(FS, acc, o + 3 * L);
        long cOff = (long) c * Float.BYTES;
        long step = (long) L * Float.BYTES;
        for (int t = 0; t < cn; t++) {
            int bits = s.valid[i * CG + t];
            int key0 = groups[c0 + t] * GROUP;
            int pt = i * SW + t * GROUP;
            while (bits != 0) {
                int lane = Integer.numberOfTrailingZeros(bits);
                bits &= bits - 1;
                long vo = KeyLayout.valueOffset(key0 + lane, d) + cOff;
                FloatVector p = FloatVector.broadcast(FS, P[pt + lane]);
                a0 = FloatVector.fromMemorySegment(FS, v, vo, ORDER).fma(p, a0);
                a1 = FloatVector.fromMemorySegment(FS, v, vo + step, ORDER).fma(p, a1);
                a2 = FloatVector.fromMemorySegment(FS, v, vo + 2 * step, ORDER).fma(p, a2);
                a3 = FloatVector.fromMemorySegment(FS, v, vo + 3 * step, ORDER).fma(p, a3);
            }
        }
        a0.intoArray(acc, o);
        a1.intoArray(acc, o + L);
        a2.intoArray(acc, o + 2 * L);
        a3.intoArray(acc, o + 3 * L);
    }
}
