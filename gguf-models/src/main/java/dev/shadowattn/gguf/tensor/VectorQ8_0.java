package dev.shadowattn.gguf.tensor;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;

import static dev.shadowattn.gguf.tensor.BlockLayouts.LE_SHORT;
import static dev.shadowattn.gguf.tensor.BlockLayouts.Q8_0_BYTES;
import static dev.shadowattn.gguf.tensor.BlockLayouts.Q8_0_QS;
import static dev.shadowattn.gguf.tensor.VectorShapes.B;
import static dev.shadowattn.gguf.tensor.VectorShapes.F;
import static dev.shadowattn.gguf.tensor.VectorShapes.L;
import static dev.shadowattn.gguf.tensor.VectorShapes.LE;

/**
 * Vector kernels for block_q8_0 (fp16 d, 32 x int8; w = d * q). A block is 32/L float vectors: each is L int8
 * loaded as one small byte vector, widened to floats and scaled by d, which gives exactly the scalar decoder's
 * values. Written with Vector API calls only (see {@link VectorShapes}). Arguments are checked by the caller.
 */
final class VectorQ8_0 {

    private VectorQ8_0() {
    }

    /** Dot product of {@code blocks} blocks from byte {@code off} with x; two blocks per step, four accumulators. */
    static float dot(MemorySegment w, long off, float[] x, int xo, int blocks) {
        FloatVector a0 = FloatVector.zero(F), a1 = FloatVector.zero(F), a2 = FloatVector.zero(F), a3 = FloatVector.zero(F);
        int b = 0;
        for (; b + 2 <= blocks; b += 2) {
            long o = off + (long) b * Q8_0_BYTES, o2 = o + Q8_0_BYTES;
            int e = xo + 32 * b;
            float d = Float.float16ToFloat(w.get(LE_SHORT, o));
            float d2 = Float.float16ToFloat(w.get(LE_SHORT, o2));
            for (int p = 0; p < 32; p += L) {
                FloatVector u = (FloatVector) ByteVector.fromMemorySegment(B, w, o + Q8_0_QS + p, LE)
                        .convertShape(VectorOperators.B2F, F, 0);
                FloatVector v = (FloatVector) ByteVector.fromMemorySegment(B, w, o2 + Q8_0_QS + p, LE)
                        .convertShape(VectorOperators.B2F, F, 0);
                if ((p & L) == 0) {
                    a0 = u.mul(d).fma(FloatVector.fromArray(F, x, e + p), a0);
                    a2 = v.mul(d2).fma(FloatVector.fromArray(F, x, e + 32 + p), a2);
                } else {
                    a1 = u.mul(d).fma(FloatVector.fromArray(F, x, e + p), a1);
                    a3 = v.mul(d2).fma(FloatVector.fromArray(F, x, e + 32 + p), a3);
                }
            }
        }
        if (b < blocks) {
            long o = off + (long) b * Q8_0_BYTES;
            int e = xo + 32 * b;
            float d = Float.float16ToFloat(w.get(LE_SHORT, o));
            for (int p = 0; p < 32; p += L) {
                FloatVector u = (FloatVector) ByteVector.fromMemorySegment(B, w, o + Q8_0_QS + p, LE)
                        .convertShape(VectorOperators.B2F, F, 0);
                a0 = u.mul(d).fma(FloatVector.fromArray(F, x, e + p), a0);
            }
        }
        return a0.add(a1).add(a2.add(a3)).reduceLanes(VectorOperators.ADD);
    }

    /**
     * Four dot products sharing the weights: each block is decoded once and multiplied with the four x rows at
     * {@code x0..x3}; results go to {@code out[o0..o3]}. Two accumulators per row.
     */
    static void dot4(MemorySegment w, long off, int blocks, float[] x, int x0, int x1, int x2, int x3,
                     float[] out, int o0, int o1, int o2, int o3) {
        FloatVector a0 = FloatVector.zero(F), a1 = FloatVector.zero(F), a2 = FloatVector.zero(F), a3 = FloatVector.zero(F);
        FloatVector b0 = FloatVector.zero(F), b1 = FloatVector.zero(F), b2 = FloatVector.zero(F), b3 = FloatVector.zero(F);
        for (int b = 0; b < blocks; b++) {
            long o = off + (long) b * Q8_0_BYTES;
            float d = Float.float16ToFloat(w.get(LE_SHORT, o));
            for (int p = 0; p < 32; p += 2 * L) {
                FloatVector u = ((FloatVector) ByteVector.fromMemorySegment(B, w, o + Q8_0_QS + p, LE)
                        .convertShape(VectorOperators.B2F, F, 0)).mul(d);
                FloatVector v = ((FloatVector) ByteVector.fromMemorySegment(B, w, o + Q8_0_QS + p + L, LE)
                        .convertShape(VectorOperators.B2F, F, 0)).mul(d);
                int e = 32 * b + p;
                a0 = u.fma(FloatVector.fromArray(F, x, x0 + e), a0);
                b0 = v.fma(FloatVector.fromArray(F, x, x0 + e + L), b0);
                a1 = u.fma(FloatVector.fromArray(F, x, x1 + e), a1);
                b1 = v.fma(FloatVector.fromArray(F, x, x1 + e + L), b1);
                a2 = u.fma(FloatVector.fromArray(F, x, x2 + e), a2);
                b2 = v.fma(FloatVector.fromArray(F, x, x2 + e + L), b2);
                a3 = u.fma(FloatVector.fromArray(F, x, x3 + e), a3);
                b3 = v.fma(FloatVector.fromArray(F, x, x3 + e + L), b3);
            }
        }
        out[o0] = a0.add(b0).reduceLanes(VectorOperators.ADD);
        out[o1] = a1.add(b1).reduceLanes(VectorOperators.ADD);
        out[o2] = a2.add(b2).reduceLanes(VectorOperators.ADD);
        out[o3] = a3.add(b3).reduceLanes(VectorOperators.ADD);
    }

    /** Decodes {@code blocks} blocks from byte {@code off} into {@code out[oo..]}. */
    static void dequantize(MemorySegment w, long off, float[] out, int oo, int blocks) {
        for (int b = 0; b < blocks; b++) {
            long o = off + (long) b * Q8_0_BYTES;
            float d = Float.float16ToFloat(w.get(LE_SHORT, o));
            for (int p = 0; p < 32; p += L) {
                ((FloatVector) ByteVector.fromMemorySegment(B, w, o + Q8_0_QS + p, LE)
                        .convertShape(VectorOperators.B2F, F, 0)).mul(d).intoArray(out, oo + 32 * b + p);
            }
        }
    }
}
