package dev.shadowattn.host.attention;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link AttentionKernels} with the Vector API (AVX-512: 16 floats per vector, one K block line per vector).
 *
 * <p>Register blocking, so each loaded byte feeds several FMAs and each FMA chain has independent neighbours:
 * <ul>
 *   <li>scores: 4 (or 3, or 1) rows x 4 key vectors = 16 accumulators; per dimension 4 K loads and 4 query
 *       broadcasts feed 16 FMAs;</li>
 *   <li>accumulate: 4 (or 3, or 1) rows x 4 column vectors of V = 16 accumulators; per key 4 V loads and 4
 *       probability broadcasts feed 16 FMAs.</li>
 * </ul>
 * Rows are split into groups of 4, or of 3 when that divides them evenly (3 query heads per KV head in decode),
 * the rest one at a time. Each method stays small so C2 inlines and keeps vectors in registers.
 */
final class VectorAttentionKernels implements AttentionKernels {

    private static final VectorSpecies<Float> S = species();
    private static final int VL = S.length();
    /** Key vectors in one unit. */
    private static final int UNIT_VECS = UNIT / VL;
    private static final long VB = VL * 4L;
    private static final long LINE = KvLayout.BLOCK * 4L;
    private static final ByteOrder NATIVE = ByteOrder.nativeOrder();

    private static VectorSpecies<Float> species() {
        VectorSpecies<Float> preferred = FloatVector.SPECIES_PREFERRED;
        // A K block line is 16 floats: use at most 512-bit vectors so a vector never spans two blocks.
        return preferred.length() > KvLayout.BLOCK ? FloatVector.SPECIES_512 : preferred;
    }

    static int lanes() {
        return VL;
    }

    @Override
    public String name() {
        return "vector-" + VL * 32 + "bit";
    }

    @Override
    public float touch(MemorySegment seg, long offset, long bytes) {
        FloatVector a = FloatVector.zero(S);
        for (long o = offset, end = offset + bytes - VB; o <= end; o += 64) {
            a = a.add(FloatVector.fromMemorySegment(S, seg, o, NATIVE));
        }
        return a.reduceLanes(VectorOperators.ADD);
    }

    // ---- scores ------------------------------------------------------------------------------------------------

    @Override
    public void scores(float[] q, int rows, int headDim, MemorySegment chunk, long kOffset, float[] s) {
        int r = 0;
        if (rows % 4 != 0 && rows % 3 == 0) {
            for (; r < rows; r += 3) {
                for (int v = 0; v < UNIT_VECS; v += 4) {
                    scores3(q, r, headDim, chunk, kOffset, s, v);
                }
            }
            return;
        }
        for (; r + 4 <= rows; r += 4) {
            for (int v = 0; v < UNIT_VECS; v += 4) {
                scores4(q, r, headDim, chunk, kOffset, s, v);
            }
        }
        if (rows - r == 3) {
            for (int v = 0; v < UNIT_VECS; v += 4) {
                scores3(q, r, headDim, chunk, kOffset, s, v);
            }
            return;
        }
        for (; r < rows; r++) {
            for (int v = 0; v < UNIT_VECS; v += 4) {
                scores1(q, r, headDim, chunk, kOffset, s, v);
            }
        }
    }

    /** Byte offset inside the unit's K of key vector {@code v}, dimension 0. */
    private static long keyVectorOffset(int v, int headDim) {
        int key = v * VL;
        return (long) (key / KvLayout.BLOCK) * KvLayout.BLOCK * headDim * 4L + (key % KvLayout.BLOCK) * 4L;
    }

    private static void scores4(float[] q, int r, int dim, MemorySegment c, long kOffset, float[] s, int v) {
        long b0 = kOffset + keyVectorOffset(v, dim);
        long b1 = kOffset + keyVectorOffset(v + 1, dim);
        long b2 = kOffset + keyVectorOffset(v + 2, dim);
        long b3 = kOffset + keyVectorOffset(v + 3, dim);
        int q0 = r * dim;
        int q1 = q0 + dim;
        int q2 = q1 + dim;
        int q3 = q2 + dim;
        FloatVector a00 = FloatVector.zero(S), a01 = a00, a02 = a00, a03 = a00;
        FloatVector a10 = a00, a11 = a00, a12 = a00, a13 = a00;
        FloatVector a20 = a00, a21 = a00, a22 = a00, a23 = a00;
        FloatVector a30 = a00, a31 = a00, a32 = a00, a33 = a00;
        for (int d = 0; d < dim; d++) {
            long o = d * LINE;
            FloatVector k0 = FloatVector.fromMemorySegment(S, c, b0 + o, NATIVE);
            FloatVector k1 = FloatVector.fromMemorySegment(S, c, b1 + o, NATIVE);
            FloatVector k2 = FloatVector.fromMemorySegment(S, c, b2 + o, NATIVE);
            FloatVector k3 = FloatVector.fromMemorySegment(S, c, b3 + o, NATIVE);
            FloatVector x = FloatVector.broadcast(S, q[q0 + d]);
            a00 = k0.fma(x, a00);
            a01 = k1.fma(x, a01);
            a02 = k2.fma(x, a02);
            a03 = k3.fma(x, a03);
            x = FloatVector.broadcast(S, q[q1 + d]);
            a10 = k0.fma(x, a10);
            a11 = k1.fma(x, a11);
            a12 = k2.fma(x, a12);
            a13 = k3.fma(x, a13);
            x = FloatVector.broadcast(S, q[q2 + d]);
            a20 = k0.fma(x, a20);
            a21 = k1.fma(x, a21);
            a22 = k2.fma(x, a22);
            a23 = k3.fma(x, a23);
            x = FloatVector.broadcast(S, q[q3 + d]);
            a30 = k0.fma(x, a30);
            a31 = k1.fma(x, a31);
            a32 = k2.fma(x, a32);
            a33 = k3.fma(x, a33);
        }
        int o = r * UNIT + v * VL;
        a00.intoArray(s, o);
        a01.intoArray(s, o + VL);
        a02.intoArray(s, o + 2 * VL);
        a03.intoArray(s, o + 3 * VL);
        o += UNIT;
        a10.intoArray(s, o);
        a11.intoArray(s, o + VL);
        a12.intoArray(s, o + 2 * VL);
        a13.intoArray(s, o + 3 * VL);
        o += UNIT;
        a20.intoArray(s, o);
        a21.intoArray(s, o + VL);
        a22.intoArray(s, o + 2 * VL);
        a23.intoArray(s, o + 3 * VL);
        o += UNIT;
        a30.intoArray(s, o);
        a31.intoArray(s, o + VL);
        a32.intoArray(s, o + 2 * VL);
        a33.intoArray(s, o + 3 * VL);
    }

    private static void scores3(float[] q, int r, int dim, MemorySegment c, long kOffset, float[] s, int v) {
        long b0 = kOffset + keyVectorOffset(v, dim);
        long b1 = kOffset + keyVectorOffset(v + 1, dim);
        long b2 = kOffset + keyVectorOffset(v + 2, dim);
        long b3 = kOffset + keyVectorOffset(v + 3, dim);
        int q0 = r * dim;
        int q1 = q0 + dim;
        int q2 = q1 + dim;
        FloatVector a00 = FloatVector.zero(S), a01 = a00, a02 = a00, a03 = a00;
        FloatVector a10 = a00, a11 = a00, a12 = a00, a13 = a00;
        FloatVector a20 = a00, a21 = a00, a22 = a00, a23 = a00;
        for (int d = 0; d < dim; d++) {
            long o = d * LINE;
            FloatVector k0 = FloatVector.fromMemorySegment(S, c, b0 + o, NATIVE);
            FloatVector k1 = FloatVector.fromMemorySegment(S, c, b1 + o, NATIVE);
            FloatVector k2 = FloatVector.fromMemorySegment(S, c, b2 + o, NATIVE);
            FloatVector k3 = FloatVector.fromMemorySegment(S, c, b3 + o, NATIVE);
            FloatVector x = FloatVector.broadcast(S, q[q0 + d]);
            a00 = k0.fma(x, a00);
            a01 = k1.fma(x, a01);
            a02 = k2.fma(x, a02);
            a03 = k3.fma(x, a03);
            x = FloatVector.broadcast(S, q[q1 + d]);
            a10 = k0.fma(x, a10);
            a11 = k1.fma(x, a11);
            a12 = k2.fma(x, a12);
            a13 = k3.fma(x, a13);
            x = FloatVector.broadcast(S, q[q2 + d]);
            a20 = k0.fma(x, a20);
            a21 = k1.fma(x, a21);
            a22 = k2.fma(x, a22);
            a23 = k3.fma(x, a23);
        }
        int o = r * UNIT + v * VL;
        a00.intoArray(s, o);
        a01.intoArray(s, o + VL);
        a02.intoArray(s, o + 2 * VL);
        a03.intoArray(s, o + 3 * VL);
        o += UNIT;
        a10.intoArray(s, o);
        a11.intoArray(s, o + VL);
        a12.intoArray(s, o + 2 * VL);
        a13.intoArray(s, o + 3 * VL);
        o += UNIT;
        a20.intoArray(s, o);
        a21.intoArray(s, o + VL);
        a22.intoArray(s, o + 2 * VL);
        a23.intoArray(s, o + 3 * VL);
    }

    private static void scores1(float[] q, int r, int dim, MemorySegment c, long kOffset, float[] s, int v) {
        long b0 = kOffset + keyVectorOffset(v, dim);
        long b1 = kOffset + keyVectorOffset(v + 1, dim);
        long b2 = kOffset + keyVectorOffset(v + 2, dim);
        long b3 = kOffset + keyVectorOffset(v + 3, dim);
        int q0 = r * dim;
        FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0;
        for (int d = 0; d < dim; d++) {
            long o = d * LINE;
            FloatVector x = FloatVector.broadcast(S, q[q0 + d]);
            a0 = FloatVector.fromMemorySegment(S, c, b0 + o, NATIVE).fma(x, a0);
            a1 = FloatVector.fromMemorySegment(S, c, b1 + o, NATIVE).fma(x, a1);
            a2 = FloatVector.fromMemorySegment(S, c, b2 + o, NATIVE).fma(x, a2);
            a3 = FloatVector.fromMemorySegment(S, c, b3 + o, NATIVE).fma(x, a3);
        }
        int o = r * UNIT + v * VL;
        a0.intoArray(s, o);
        a1.intoArray(s, o + VL);
        a2.intoArray(s, o + 2 * VL);
        a3.intoArray(s, o + 3 * VL);
    }

    // ---- softmax -----------------------------------------------------------------------------------------------

    @Override
    public void softmax(float[] s, int rows, float[] max, float[] sum, float[] alpha) {
        for (int r = 0; r < rows; r++) {
            softmaxRow(s, r, max, sum, alpha);
        }
    }

    private static void softmaxRow(float[] s, int r, float[] max, float[] sum, float[] alpha) {
        int base = r * UNIT;
        FloatVector mv = FloatVector.fromArray(S, s, base);
        for (int v = 1; v < UNIT_VECS; v++) {
            mv = mv.max(FloatVector.fromArray(S, s, base + v * VL));
        }
        float old = max[r];
        float m = Math.max(old, mv.reduceLanes(VectorOperators.MAX));
        if (m == Float.NEGATIVE_INFINITY) {
            FloatVector zero = FloatVector.zero(S);
            for (int v = 0; v < UNIT_VECS; v++) {
                zero.intoArray(s, base + v * VL);
            }
            alpha[r] = 1f;
            return;
        }
        float a = old == m ? 1f : ScalarAttentionKernels.exp2(old - m);
        FloatVector mb = FloatVector.broadcast(S, m);
        FloatVector total = FloatVector.zero(S);
        for (int v = 0; v < UNIT_VECS; v++) {
            FloatVector p = exp2(FloatVector.fromArray(S, s, base + v * VL).sub(mb));
            p.intoArray(s, base + v * VL);
            total = total.add(p);
        }
        alpha[r] = a;
        sum[r] = sum[r] * a + total.reduceLanes(VectorOperators.ADD);
        max[r] = m;
    }

    private static final float ROUND = 0x1.8p23f;

    /**
     * {@code 2^x} for {@code x <= 0}, relative error about 1e-7; {@code x <= -127} (and {@code -Infinity}) gives
     * exactly 0. {@code x = n + f} with {@code n} the nearest integer, {@code 2^f} by its degree-6 Taylor
     * polynomial on {@code [-0.5, 0.5]}, {@code 2^n} built in the exponent bits (IEEE 754 binary32).
     */
    static FloatVector exp2(FloatVector x) {
        x = x.max(-127f);
        FloatVector t = x.add(ROUND);             // n in the low mantissa bits (round to nearest)
        FloatVector n = t.sub(ROUND);
        FloatVector f = x.sub(n);                 // [-0.5, 0.5]
        FloatVector p = f.fma(1.5403530393381609e-4f, 1.3333558146428443e-3f);
        p = p.fma(f, FloatVector.broadcast(S, 9.618129107628477e-3f));
        p = p.fma(f, FloatVector.broadcast(S, 5.550410866482158e-2f));
        p = p.fma(f, FloatVector.broadcast(S, 2.402265069591007e-1f));
        p = p.fma(f, FloatVector.broadcast(S, 6.931471805599453e-1f));
        p = p.fma(f, FloatVector.broadcast(S, 1f));
        // bits of 2^n = (n + 127) << 23; t's integer bits are 0x4B400000 + n.
        IntVector bits = t.reinterpretAsInts().sub(0x4B400000 - 127).lanewise(VectorOperators.LSHL, 23);
        return p.mul(bits.reinterpretAsFloats());
    }

    // ---- accumulate --------------------------------------------------------------------------------------------

    @Override
    public void accumulate(float[] p, float[] alpha, int rows, MemorySegment chunk, long vOffset, int vStride,
                           float[] acc) {
        int r = 0;
        if (rows % 4 != 0 && rows % 3 == 0) {
            for (; r < rows; r += 3) {
                accumulateRows(p, alpha, r, 3, chunk, vOffset, vStride, acc);
            }
            return;
        }
        for (; r + 4 <= rows; r += 4) {
            accumulateRows(p, alpha, r, 4, chunk, vOffset, vStride, acc);
        }
        if (rows - r == 3) {
            accumulateRows(p, alpha, r, 3, chunk, vOffset, vStride, acc);
            return;
        }
        for (; r < rows; r++) {
            accumulateRows(p, alpha, r, 1, chunk, vOffset, vStride, acc);
        }
    }

    private static void accumulateRows(float[] p, float[] alpha, int r, int count, MemorySegment c, long vOffset,
                                       int vStride, float[] acc) {
        int columns = vStride / VL;
        int col = 0;
        for (; col + 4 <= columns; col += 4) {
            switch (count) {
                case 4 -> accumulate4(p, alpha, r, c, vOffset, vStride, acc, col);
                case 3 -> accumulate3(p, alpha, r, c, vOffset, vStride, acc, col);
                default -> accumulate1(p, alpha, r, c, vOffset, vStride, acc, col);
            }
        }
        for (; col < columns; col++) {
            for (int i = 0; i < count; i++) {
                accumulateColumn(p, alpha, r + i, c, vOffset, vStride, acc, col);
            }
        }
    }

    private static void accumulate4(float[] p, float[] alpha, int r, MemorySegment c, long vOffset, int stride,
                                    float[] acc, int col) {
        int o0 = r * stride + col * VL;
        int o1 = o0 + stride;
        int o2 = o1 + stride;
        int o3 = o2 + stride;
        FloatVector x00 = FloatVector.fromArray(S, acc, o0).mul(alpha[r]);
        FloatVector x01 = FloatVector.fromArray(S, acc, o0 + VL).mul(alpha[r]);
        FloatVector x02 = FloatVector.fromArray(S, acc, o0 + 2 * VL).mul(alpha[r]);
        FloatVector x03 = FloatVector.fromArray(S, acc, o0 + 3 * VL).mul(alpha[r]);
        FloatVector x10 = FloatVector.fromArray(S, acc, o1).mul(alpha[r + 1]);
        FloatVector x11 = FloatVector.fromArray(S, acc, o1 + VL).mul(alpha[r + 1]);
        FloatVector x12 = FloatVector.fromArray(S, acc, o1 + 2 * VL).mul(alpha[r + 1]);
        FloatVector x13 = FloatVector.fromArray(S, acc, o1 + 3 * VL).mul(alpha[r + 1]);
        FloatVector x20 = FloatVector.fromArray(S, acc, o2).mul(alpha[r + 2]);
        FloatVector x21 = FloatVector.fromArray(S, acc, o2 + VL).mul(alpha[r + 2]);
        FloatVector x22 = FloatVector.fromArray(S, acc, o2 + 2 * VL).mul(alpha[r + 2]);
        FloatVector x23 = FloatVector.fromArray(S, acc, o2 + 3 * VL).mul(alpha[r + 2]);
        FloatVector x30 = FloatVector.fromArray(S, acc, o3).mul(alpha[r + 3]);
        FloatVector x31 = FloatVector.fromArray(S, acc, o3 + VL).mul(alpha[r + 3]);
        FloatVector x32 = FloatVector.fromArray(S, acc, o3 + 2 * VL).mul(alpha[r + 3]);
        FloatVector x33 = FloatVector.fromArray(S, acc, o3 + 3 * VL).mul(alpha[r + 3]);
        long vb = vOffset + col * VB;
        long rowBytes = stride * 4L;
        int p0 = r * UNIT;
        for (int j = 0; j < UNIT; j++) {
            long o = vb + j * rowBytes;
            FloatVector v0 = FloatVector.fromMemorySegment(S, c, o, NATIVE);
            FloatVector v1 = FloatVector.fromMemorySegment(S, c, o + VB, NATIVE);
            FloatVector v2 = FloatVector.fromMemorySegment(S, c, o + 2 * VB, NATIVE);
            FloatVector v3 = FloatVector.fromMemorySegment(S, c, o + 3 * VB, NATIVE);
            FloatVector w = FloatVector.broadcast(S, p[p0 + j]);
            x00 = v0.fma(w, x00);
            x01 = v1.fma(w, x01);
            x02 = v2.fma(w, x02);
            x03 = v3.fma(w, x03);
            w = FloatVector.broadcast(S, p[p0 + UNIT + j]);
            x10 = v0.fma(w, x10);
            x11 = v1.fma(w, x11);
            x12 = v2.fma(w, x12);
            x13 = v3.fma(w, x13);
            w = FloatVector.broadcast(S, p[p0 + 2 * UNIT + j]);
            x20 = v0.fma(w, x20);
            x21 = v1.fma(w, x21);
            x22 = v2.fma(w, x22);
            x23 = v3.fma(w, x23);
            w = FloatVector.broadcast(S, p[p0 + 3 * UNIT + j]);
            x30 = v0.fma(w, x30);
            x31 = v1.fma(w, x31);
            x32 = v2.fma(w, x32);
            x33 = v3.fma(w, x33);
        }
        x00.intoArray(acc, o0);
        x01.intoArray(acc, o0 + VL);
        x02.intoArray(acc, o0 + 2 * VL);
        x03.intoArray(acc, o0 + 3 * VL);
        x10.intoArray(acc, o1);
        x11.intoArray(acc, o1 + VL);
        x12.intoArray(acc, o1 + 2 * VL);
        x13.intoArray(acc, o1 + 3 * VL);
        x20.intoArray(acc, o2);
        x21.intoArray(acc, o2 + VL);
        x22.intoArray(acc, o2 + 2 * VL);
        x23.intoArray(acc, o2 + 3 * VL);
        x30.intoArray(acc, o3);
        x31.intoArray(acc, o3 + VL);
        x32.intoArray(acc, o3 + 2 * VL);
        x33.intoArray(acc, o3 + 3 * VL);
    }

    private static void accumulate3(float[] p, float[] alpha, int r, MemorySegment c, long vOffset, int stride,
                                    float[] acc, int col) {
        int o0 = r * stride + col * VL;
        int o1 = o0 + stride;
        int o2 = o1 + stride;
        FloatVector x00 = FloatVector.fromArray(S, acc, o0).mul(alpha[r]);
        FloatVector x01 = FloatVector.fromArray(S, acc, o0 + VL).mul(alpha[r]);
        FloatVector x02 = FloatVector.fromArray(S, acc, o0 + 2 * VL).mul(alpha[r]);
        FloatVector x03 = FloatVector.fromArray(S, acc, o0 + 3 * VL).mul(alpha[r]);
        FloatVector x10 = FloatVector.fromArray(S, acc, o1).mul(alpha[r + 1]);
        FloatVector x11 = FloatVector.fromArray(S, acc, o1 + VL).mul(alpha[r + 1]);
        FloatVector x12 = FloatVector.fromArray(S, acc, o1 + 2 * VL).mul(alpha[r + 1]);
        FloatVector x13 = FloatVector.fromArray(S, acc, o1 + 3 * VL).mul(alpha[r + 1]);
        FloatVector x20 = FloatVector.fromArray(S, acc, o2).mul(alpha[r + 2]);
        FloatVector x21 = FloatVector.fromArray(S, acc, o2 + VL).mul(alpha[r + 2]);
        FloatVector x22 = FloatVector.fromArray(S, acc, o2 + 2 * VL).mul(alpha[r + 2]);
        FloatVector x23 = FloatVector.fromArray(S, acc, o2 + 3 * VL).mul(alpha[r + 2]);
        long vb = vOffset + col * VB;
        long rowBytes = stride * 4L;
        int p0 = r * UNIT;
        for (int j = 0; j < UNIT; j++) {
            long o = vb + j * rowBytes;
            FloatVector v0 = FloatVector.fromMemorySegment(S, c, o, NATIVE);
            FloatVector v1 = FloatVector.fromMemorySegment(S, c, o + VB, NATIVE);
            FloatVector v2 = FloatVector.fromMemorySegment(S, c, o + 2 * VB, NATIVE);
            FloatVector v3 = FloatVector.fromMemorySegment(S, c, o + 3 * VB, NATIVE);
            FloatVector w = FloatVector.broadcast(S, p[p0 + j]);
            x00 = v0.fma(w, x00);
            x01 = v1.fma(w, x01);
            x02 = v2.fma(w, x02);
            x03 = v3.fma(w, x03);
            w = FloatVector.broadcast(S, p[p0 + UNIT + j]);
            x10 = v0.fma(w, x10);
            x11 = v1.fma(w, x11);
            x12 = v2.fma(w, x12);
            x13 = v3.fma(w, x13);
            w = FloatVector.broadcast(S, p[p0 + 2 * UNIT + j]);
            x20 = v0.fma(w, x20);
            x21 = v1.fma(w, x21);
            x22 = v2.fma(w, x22);
            x23 = v3.fma(w, x23);
        }
        x00.intoArray(acc, o0);
        x01.intoArray(acc, o0 + VL);
        x02.intoArray(acc, o0 + 2 * VL);
        x03.intoArray(acc, o0 + 3 * VL);
        x10.intoArray(acc, o1);
        x11.intoArray(acc, o1 + VL);
        x12.intoArray(acc, o1 + 2 * VL);
        x13.intoArray(acc, o1 + 3 * VL);
        x20.intoArray(acc, o2);
        x21.intoArray(acc, o2 + VL);
        x22.intoArray(acc, o2 + 2 * VL);
        x23.intoArray(acc, o2 + 3 * VL);
    }

    private static void accumulate1(float[] p, float[] alpha, int r, MemorySegment c, long vOffset, int stride,
                                    float[] acc, int col) {
        int o0 = r * stride + col * VL;
        FloatVector x0 = FloatVector.fromArray(S, acc, o0).mul(alpha[r]);
        FloatVector x1 = FloatVector.fromArray(S, acc, o0 + VL).mul(alpha[r]);
        FloatVector x2 = FloatVector.fromArray(S, acc, o0 + 2 * VL).mul(alpha[r]);
        FloatVector x3 = FloatVector.fromArray(S, acc, o0 + 3 * VL).mul(alpha[r]);
        long vb = vOffset + col * VB;
        long rowBytes = stride * 4L;
        int p0 = r * UNIT;
        for (int j = 0; j < UNIT; j++) {
            long o = vb + j * rowBytes;
            FloatVector w = FloatVector.broadcast(S, p[p0 + j]);
            x0 = FloatVector.fromMemorySegment(S, c, o, NATIVE).fma(w, x0);
            x1 = FloatVector.fromMemorySegment(S, c, o + VB, NATIVE).fma(w, x1);
            x2 = FloatVector.fromMemorySegment(S, c, o + 2 * VB, NATIVE).fma(w, x2);
            x3 = FloatVector.fromMemorySegment(S, c, o + 3 * VB, NATIVE).fma(w, x3);
        }
        x0.intoArray(acc, o0);
        x1.intoArray(acc, o0 + VL);
        x2.intoArray(acc, o0 + 2 * VL);
        x3.intoArray(acc, o0 + 3 * VL);
    }

    /** One column vector of one row: the tail when {@code vStride / VL} is not a multiple of 4 (odd head dims). */
    private static void accumulateColumn(float[] p, float[] alpha, int r, MemorySegment c, long vOffset, int stride,
                                         float[] acc, int col) {
        int o = r * stride + col * VL;
        FloatVector x0 = FloatVector.fromArray(S, acc, o).mul(alpha[r]);
        FloatVector x1 = FloatVector.zero(S);
        long vb = vOffset + col * VB;
        long rowBytes = stride * 4L;
        int p0 = r * UNIT;
        for (int j = 0; j < UNIT; j += 2) {
            long at = vb + j * rowBytes;
            x0 = FloatVector.fromMemorySegment(S, c, at, NATIVE).fma(FloatVector.broadcast(S, p[p0 + j]), x0);
            x1 = FloatVector.fromMemorySegment(S, c, at + rowBytes, NATIVE)
                    .fma(FloatVector.broadcast(S, p[p0 + j + 1]), x1);
        }
        x0.add(x1).intoArray(acc, o);
    }
}
