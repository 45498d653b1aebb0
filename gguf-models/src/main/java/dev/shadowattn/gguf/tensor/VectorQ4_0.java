package dev.shadowattn.gguf.tensor;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;

import static dev.shadowattn.gguf.tensor.BlockLayouts.LE_SHORT;
import static dev.shadowattn.gguf.tensor.BlockLayouts.Q4_0_BYTES;
import static dev.shadowattn.gguf.tensor.BlockLayouts.Q4_0_QS;
import static dev.shadowattn.gguf.tensor.VectorShapes.B;
import static dev.shadowattn.gguf.tensor.VectorShapes.F;
import static dev.shadowattn.gguf.tensor.VectorShapes.L;
import static dev.shadowattn.gguf.tensor.VectorShapes.LE;

/**
 * Vector kernels for block_q4_0 (fp16 d, 16 bytes of nibbles; w[i] = d*(lo(qs[i]) - 8), w[i+16] = d*(hi(qs[i]) - 8)).
 * One load of L quant bytes gives L low-nibble weights (elements p..) and L high-nibble weights (elements 16+p..);
 * the high nibbles come from a 16-bit shift and a mask. Written with Vector API calls only (see
 * {@link VectorShapes}). Arguments are checked by the caller.
 */
final class VectorQ4_0 {

    private VectorQ4_0() {
    }

    /** Dot product of {@code blocks} blocks from byte {@code off} with x; two accumulators per nibble half. */
    static float dot(MemorySegment w, long off, float[] x, int xo, int blocks) {
        ByteVector mask = ByteVector.broadcast(B, (byte) 0x0F), bias = ByteVector.broadcast(B, (byte) 8);
        FloatVector a0 = FloatVector.zero(F), a1 = FloatVector.zero(F), a2 = FloatVector.zero(F), a3 = FloatVector.zero(F);
        for (int b = 0; b < blocks; b++) {
            long o = off + (long) b * Q4_0_BYTES;
            int e = xo + 32 * b;
            float d = Float.float16ToFloat(w.get(LE_SHORT, o));
            for (int p = 0; p < 16; p += L) {
                ByteVector q = ByteVector.fromMemorySegment(B, w, o + Q4_0_QS + p, LE);
                FloatVector lo = ((FloatVector) q.and(mask).sub(bias).convertShape(VectorOperators.B2F, F, 0)).mul(d);
                FloatVector hi = ((FloatVector) q.reinterpretAsShorts().lanewise(VectorOperators.LSHR, 4)
                        .reinterpretAsBytes().and(mask).sub(bias).convertShape(VectorOperators.B2F, F, 0)).mul(d);
                if ((b & 1) == 0) {
                    a0 = lo.fma(FloatVector.fromArray(F, x, e + p), a0);
                    a1 = hi.fma(FloatVector.fromArray(F, x, e + 16 + p), a1);
                } else {
                    a2 = lo.fma(FloatVector.fromArray(F, x, e + p), a2);
                    a3 = hi.fma(FloatVector.fromArray(F, x, e + 16 + p), a3);
                }
            }
        }
        return a0.add(a1).add(a2.add(a3)).reduceLanes(VectorOperators.ADD);
    }

    /** Four dot products sharing each decoded block; see {@link VectorQ8_0#dot4}. */
    static void dot4(MemorySegment w, long off, int blocks, float[] x, int x0, int x1, int x2, int x3,
                     float[] out, int o0, int o1, int o2, int o3) {
        ByteVector mask = ByteVector.broadcast(B, (byte) 0x0F), bias = ByteVector.broadcast(B, (byte) 8);
        FloatVector a0 = FloatVector.zero(F), a1 = FloatVector.zero(F), a2 = FloatVector.zero(F), a3 = FloatVector.zero(F);
        FloatVector b0 = FloatVector.zero(F), b1 = FloatVector.zero(F), b2 = FloatVector.zero(F), b3 = FloatVector.zero(F);
        for (int b = 0; b < blocks; b++) {
            long o = off + (long) b * Q4_0_BYTES;
            float d = Float.float16ToFloat(w.get(LE_SHORT, o));
            for (int p = 0; p < 16; p += L) {
                ByteVector q = ByteVector.fromMemorySegment(B, w, o + Q4_0_QS + p, LE);
                FloatVector lo = ((FloatVector) q.and(mask).sub(bias).convertShape(VectorOperators.B2F, F, 0)).mul(d);
                FloatVector hi = ((FloatVector) q.reinterpretAsShorts().lanewise(VectorOperators.LSHR, 4)
                        .reinterpretAsBytes().and(mask).sub(bias).convertShape(VectorOperators.B2F, F, 0)).mul(d);
                int e = 32 * b + p;
                a0 = lo.fma(FloatVector.fromArray(F, x, x0 + e), a0);
                b0 = hi.fma(FloatVector.fromArray(F, x, x0 + e + 16), b0);
                a1 = lo.fma(FloatVector.fromArray(F, x, x1 + e), a1);
                b1 = hi.fma(FloatVector.fromArray(F, x, x1 + e + 16), b1);
                a2 = lo.fma(FloatVector.fromArray(F, x, x2 + e), a2);
                b2 = hi.fma(FloatVector.fromArray(F, x, x2 + e + 16), b2);
                a3 = lo.fma(FloatVector.fromArray(F, x, x3 + e), a3);
                b3 = hi.fma(FloatVector.fromArray(F, x, x3 + e + 16), b3);
            }
        }
        out[o0] = a0.add(b0).reduceLanes(VectorOperators.ADD);
        out[o1] = a1.add(b1).reduceLanes(VectorOperators.ADD);
        out[o2] = a2.add(b2).reduceLanes(VectorOperators.ADD);
        out[o3] = a3.add(b3).reduceLanes(VectorOperators.ADD);
    }

    /** Decodes {@code blocks} blocks from byte {@code off} into {@code out[oo..]}. */
    static void dequantize(MemorySegment w, long off, float[] out, int oo, int blocks) {
        ByteVector mask = ByteVector.broadcast(B, (byte) 0x0F), bias = ByteVector.broadcast(B, (byte) 8);
        for (int b = 0; b < blocks; b++) {
            long o = off + (long) b * Q4_0_BYTES;
            float d = Float.float16ToFloat(w.get(LE_SHORT, o));
            for (int p = 0; p < 16; p += L) {
                ByteVector q = ByteVector.fromMemorySegment(B, w, o + Q4_0_QS + p, LE);
                ((FloatVector) q.and(mask).sub(bias).convertShape(VectorOperators.B2F, F, 0)).mul(d)
                        .intoArray(out, oo + 32 * b + p);
                ((FloatVector) q.reinterpretAsShorts().lanewise(VectorOperators.LSHR, 4).reinterpretAsBytes()
                        .and(mask).sub(bias).convertShape(VectorOperators.B2F, F, 0)).mul(d)
                        .intoArray(out, oo + 32 * b + 16 + p);
            }
        }
    }
}
