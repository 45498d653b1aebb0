package dev.shadowattn.gguf.tensor;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;

import static dev.shadowattn.gguf.tensor.BlockLayouts.Q4_K_BYTES;
import static dev.shadowattn.gguf.tensor.BlockLayouts.Q4_K_DMIN;
import static dev.shadowattn.gguf.tensor.BlockLayouts.Q4_K_QS;
import static dev.shadowattn.gguf.tensor.BlockLayouts.half;
import static dev.shadowattn.gguf.tensor.BlockLayouts.q4kMin;
import static dev.shadowattn.gguf.tensor.BlockLayouts.q4kScale;
import static dev.shadowattn.gguf.tensor.VectorShapes.F;
import static dev.shadowattn.gguf.tensor.VectorShapes.L;
import static dev.shadowattn.gguf.tensor.VectorShapes.bytes;
import static dev.shadowattn.gguf.tensor.VectorShapes.highNibbles;
import static dev.shadowattn.gguf.tensor.VectorShapes.lowNibbles;
import static dev.shadowattn.gguf.tensor.VectorShapes.x;

/**
 * Vector kernels for block_q4_K (256 elements in 4 chunks of 64; chunk c's 32 quant bytes hold sub-block 2c in the
 * low nibbles and 2c+1 in the high ones). The 6-bit scales and mins are unpacked with scalar code once per chunk;
 * weights are decoded as {@code q*(d*sc) - dmin*m}, in that order, so they equal the scalar decoder's bit for bit.
 * Arguments are checked by the caller.
 */
final class VectorQ4_K {

    private VectorQ4_K() {
    }

    /** Low-nibble weights of sub-block scale {@code d1} and min {@code m1}. */
    private static FloatVector low(ByteVector q, float d1, float m1) {
        return lowNibbles(q, 0).mul(d1).sub(m1);
    }

    /** High-nibble weights of sub-block scale {@code d2} and min {@code m2}. */
    private static FloatVector high(ByteVector q, float d2, float m2) {
        return highNibbles(q, 0).mul(d2).sub(m2);
    }

    /** Dot product of {@code blocks} super-blocks from byte {@code off} with x; four accumulators. */
    static float dot(MemorySegment w, long off, float[] x, int xo, int blocks) {
        FloatVector a0 = FloatVector.zero(F), a1 = FloatVector.zero(F), a2 = FloatVector.zero(F), a3 = FloatVector.zero(F);
        for (int b = 0; b < blocks; b++) {
            long o = off + (long) b * Q4_K_BYTES;
            float d = half(w, o);
            float dmin = half(w, o + Q4_K_DMIN);
            for (int c = 0; c < 4; c++) {
                float d1 = d * q4kScale(w, o, 2 * c), m1 = dmin * q4kMin(w, o, 2 * c);
                float d2 = d * q4kScale(w, o, 2 * c + 1), m2 = dmin * q4kMin(w, o, 2 * c + 1);
                long qs = o + Q4_K_QS + 32 * c;
                int e = xo + 256 * b + 64 * c;
                for (int p = 0; p < 32; p += 2 * L) {
                    ByteVector q = bytes(w, qs + p);
                    ByteVector r = bytes(w, qs + p + L);
                    a0 = low(q, d1, m1).fma(x(x, e + p), a0);
                    a1 = high(q, d2, m2).fma(x(x, e + 32 + p), a1);
                    a2 = low(r, d1, m1).fma(x(x, e + p + L), a2);
                    a3 = high(r, d2, m2).fma(x(x, e + 32 + p + L), a3);
                }
            }
        }
        return a0.add(a1).add(a2.add(a3)).reduceLanes(VectorOperators.ADD);
    }

    /** Four dot products sharing each decoded chunk; see {@link VectorQ8_0#dot4}. */
    static void dot4(MemorySegment w, long off, int blocks, float[] x, int x0, int x1, int x2, int x3,
                     float[] out, int o0, int o1, int o2, int o3) {
        FloatVector a0 = FloatVector.zero(F), a1 = FloatVector.zero(F), a2 = FloatVector.zero(F), a3 = FloatVector.zero(F);
        FloatVector b0 = FloatVector.zero(F), b1 = FloatVector.zero(F), b2 = FloatVector.zero(F), b3 = FloatVector.zero(F);
        for (int b = 0; b < blocks; b++) {
            long o = off + (long) b * Q4_K_BYTES;
            float d = half(w, o);
            float dmin = half(w, o + Q4_K_DMIN);
            for (int c = 0; c < 4; c++) {
                float d1 = d * q4kScale(w, o, 2 * c), m1 = dmin * q4kMin(w, o, 2 * c);
                float d2 = d * q4kScale(w, o, 2 * c + 1), m2 = dmin * q4kMin(w, o, 2 * c + 1);
                long qs = o + Q4_K_QS + 32 * c;
                for (int p = 0; p < 32; p += L) {
                    ByteVector q = bytes(w, qs + p);
                    FloatVector lo = low(q, d1, m1);
                    FloatVector hi = high(q, d2, m2);
                    int e = 256 * b + 64 * c + p;
                    a0 = lo.fma(x(x, x0 + e), a0);
                    b0 = hi.fma(x(x, x0 + e + 32), b0);
                    a1 = lo.fma(x(x, x1 + e), a1);
                    b1 = hi.fma(x(x, x1 + e + 32), b1);
                    a2 = lo.fma(x(x, x2 + e), a2);
                    b2 = hi.fma(x(x, x2 + e + 32), b2);
                    a3 = lo.fma(x(x, x3 + e), a3);
                    b3 = hi.fma(x(x, x3 + e + 32), b3);
                }
            }
        }
        out[o0] = a0.add(b0).reduceLanes(VectorOperators.ADD);
        out[o1] = a1.add(b1).reduceLanes(VectorOperators.ADD);
        out[o2] = a2.add(b2).reduceLanes(VectorOperators.ADD);
        out[o3] = a3.add(b3).reduceLanes(VectorOperators.ADD);
    }

    /** Decodes {@code blocks} super-blocks from byte {@code off} into {@code out[oo..]}. */
    static void dequantize(MemorySegment w, long off, float[] out, int oo, int blocks) {
        for (int b = 0; b < blocks; b++) {
            long o = off + (long) b * Q4_K_BYTES;
            float d = half(w, o);
            float dmin = half(w, o + Q4_K_DMIN);
            for (int c = 0; c < 4; c++) {
                float d1 = d * q4kScale(w, o, 2 * c), m1 = dmin * q4kMin(w, o, 2 * c);
                float d2 = d * q4kScale(w, o, 2 * c + 1), m2 = dmin * q4kMin(w, o, 2 * c + 1);
                long qs = o + Q4_K_QS + 32 * c;
                for (int p = 0; p < 32; p += L) {
                    ByteVector q = bytes(w, qs + p);
                    int e = oo + 256 * b + 64 * c + p;
                    low(q, d1, m1).intoArray(out, e);
                    high(q, d2, m2).intoArray(out, e + 32);
                }
            }
        }
    }
}
