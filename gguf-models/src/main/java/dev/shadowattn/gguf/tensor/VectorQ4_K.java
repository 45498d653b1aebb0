package dev.shadowattn.gguf.tensor;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;

import static dev.shadowattn.gguf.tensor.BlockLayouts.LE_INT;
import static dev.shadowattn.gguf.tensor.BlockLayouts.LE_LONG;
import static dev.shadowattn.gguf.tensor.BlockLayouts.Q4_K_BYTES;
import static dev.shadowattn.gguf.tensor.BlockLayouts.Q4_K_QS;
import static dev.shadowattn.gguf.tensor.BlockLayouts.Q4_K_SCALES;
import static dev.shadowattn.gguf.tensor.BlockLayouts.q4kMin;
import static dev.shadowattn.gguf.tensor.BlockLayouts.q4kScale;
import static dev.shadowattn.gguf.tensor.VectorShapes.B;
import static dev.shadowattn.gguf.tensor.VectorShapes.F;
import static dev.shadowattn.gguf.tensor.VectorShapes.L;
import static dev.shadowattn.gguf.tensor.VectorShapes.LE;

/**
 * Vector kernels for block_q4_K (256 elements in 4 chunks of 64; chunk c's 32 quant bytes hold sub-block 2c in the
 * low nibbles and 2c+1 in the high ones). The header is read with three scalar loads (d and dmin as one int, the 12
 * scale bytes as a long and an int) and the 6-bit scales and mins unpacked in registers. Weights are decoded as
 * {@code q*(d*sc) - dmin*m}, in that order, so they equal the scalar decoder's bit for bit. Written with Vector API
 * calls only (see {@link VectorShapes}). Arguments are checked by the caller.
 */
final class VectorQ4_K {

    private VectorQ4_K() {
    }

    /** Dot product of {@code blocks} super-blocks from byte {@code off} with x; decoding dominates: 2 accumulators. */
    static float dot(MemorySegment w, long off, float[] x, int xo, int blocks) {
        ByteVector mask = ByteVector.broadcast(B, (byte) 0x0F);
        FloatVector a0 = FloatVector.zero(F), a1 = FloatVector.zero(F);
        for (int b = 0; b < blocks; b++) {
            long o = off + (long) b * Q4_K_BYTES;
            int dm = w.get(LE_INT, o);
            float d = Float.float16ToFloat((short) dm), dmin = Float.float16ToFloat((short) (dm >>> 16));
            long s0 = w.get(LE_LONG, o + Q4_K_SCALES);
            int s8 = w.get(LE_INT, o + Q4_K_SCALES + 8);
            for (int c = 0; c < 4; c++) {
                float d1 = d * q4kScale(s0, s8, 2 * c), m1 = dmin * q4kMin(s0, s8, 2 * c);
                float d2 = d * q4kScale(s0, s8, 2 * c + 1), m2 = dmin * q4kMin(s0, s8, 2 * c + 1);
                int e = xo + 256 * b + 64 * c;
                for (int p = 0; p < 32; p += L) {
                    ByteVector q = ByteVector.fromMemorySegment(B, w, o + Q4_K_QS + 32 * c + p, LE);
                    FloatVector lo = ((FloatVector) q.and(mask).convertShape(VectorOperators.B2F, F, 0))
                            .mul(d1).sub(m1);
                    FloatVector hi = ((FloatVector) q.reinterpretAsShorts().lanewise(VectorOperators.LSHR, 4)
                            .reinterpretAsBytes().and(mask).convertShape(VectorOperators.B2F, F, 0)).mul(d2).sub(m2);
                    a0 = lo.fma(FloatVector.fromArray(F, x, e + p), a0);
                    a1 = hi.fma(FloatVector.fromArray(F, x, e + 32 + p), a1);
                }
            }
        }
        return a0.add(a1).reduceLanes(VectorOperators.ADD);
    }

    /** Four dot products sharing each decoded chunk; see {@link VectorQ8_0#dot4}. */
    static void dot4(MemorySegment w, long off, int blocks, float[] x, int x0, int x1, int x2, int x3,
                     float[] out, int o0, int o1, int o2, int o3) {
        ByteVector mask = ByteVector.broadcast(B, (byte) 0x0F);
        FloatVector a0 = FloatVector.zero(F), a1 = FloatVector.zero(F), a2 = FloatVector.zero(F), a3 = FloatVector.zero(F);
        FloatVector b0 = FloatVector.zero(F), b1 = FloatVector.zero(F), b2 = FloatVector.zero(F), b3 = FloatVector.zero(F);
        for (int b = 0; b < blocks; b++) {
            long o = off + (long) b * Q4_K_BYTES;
            int dm = w.get(LE_INT, o);
            float d = Float.float16ToFloat((short) dm), dmin = Float.float16ToFloat((short) (dm >>> 16));
            long s0 = w.get(LE_LONG, o + Q4_K_SCALES);
            int s8 = w.get(LE_INT, o + Q4_K_SCALES + 8);
            for (int c = 0; c < 4; c++) {
                float d1 = d * q4kScale(s0, s8, 2 * c), m1 = dmin * q4kMin(s0, s8, 2 * c);
                float d2 = d * q4kScale(s0, s8, 2 * c + 1), m2 = dmin * q4kMin(s0, s8, 2 * c + 1);
                for (int p = 0; p < 32; p += L) {
                    ByteVector q = ByteVector.fromMemorySegment(B, w, o + Q4_K_QS + 32 * c + p, LE);
                    FloatVector lo = ((FloatVector) q.and(mask).convertShape(VectorOperators.B2F, F, 0))
                            .mul(d1).sub(m1);
                    FloatVector hi = ((FloatVector) q.reinterpretAsShorts().lanewise(VectorOperators.LSHR, 4)
                            .reinterpretAsBytes().and(mask).convertShape(VectorOperators.B2F, F, 0)).mul(d2).sub(m2);
                    int e = 256 * b + 64 * c + p;
                    a0 = lo.fma(FloatVector.fromArray(F, x, x0 + e), a0);
                    b0 = hi.fma(FloatVector.fromArray(F, x, x0 + e + 32), b0);
                    a1 = lo.fma(FloatVector.fromArray(F, x, x1 + e), a1);
                    b1 = hi.fma(FloatVector.fromArray(F, x, x1 + e + 32), b1);
                    a2 = lo.fma(FloatVector.fromArray(F, x, x2 + e), a2);
                    b2 = hi.fma(FloatVector.fromArray(F, x, x2 + e + 32), b2);
                    a3 = lo.fma(FloatVector.fromArray(F, x, x3 + e), a3);
                    b3 = hi.fma(FloatVector.fromArray(F, x, x3 + e + 32), b3);
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
        ByteVector mask = ByteVector.broadcast(B, (byte) 0x0F);
        for (int b = 0; b < blocks; b++) {
            long o = off + (long) b * Q4_K_BYTES;
            int dm = w.get(LE_INT, o);
            float d = Float.float16ToFloat((short) dm), dmin = Float.float16ToFloat((short) (dm >>> 16));
            long s0 = w.get(LE_LONG, o + Q4_K_SCALES);
            int s8 = w.get(LE_INT, o + Q4_K_SCALES + 8);
            for (int c = 0; c < 4; c++) {
                float d1 = d * q4kScale(s0, s8, 2 * c), m1 = dmin * q4kMin(s0, s8, 2 * c);
                float d2 = d * q4kScale(s0, s8, 2 * c + 1), m2 = dmin * q4kMin(s0, s8, 2 * c + 1);
                for (int p = 0; p < 32; p += L) {
                    ByteVector q = ByteVector.fromMemorySegment(B, w, o + Q4_K_QS + 32 * c + p, LE);
                    int e = oo + 256 * b + 64 * c + p;
                    ((FloatVector) q.and(mask).convertShape(VectorOperators.B2F, F, 0)).mul(d1).sub(m1)
                            .intoArray(out, e);
                    ((FloatVector) q.reinterpretAsShorts().lanewise(VectorOperators.LSHR, 4).reinterpretAsBytes()
                            .and(mask).convertShape(VectorOperators.B2F, F, 0)).mul(d2).sub(m2)
                            .intoArray(out, e + 32);
                }
            }
        }
    }
}
