package dev.shadowattn.gguf.tensor;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;

import static dev.shadowattn.gguf.tensor.BlockLayouts.LE_LONG;
import static dev.shadowattn.gguf.tensor.BlockLayouts.LE_SHORT;
import static dev.shadowattn.gguf.tensor.BlockLayouts.Q6_K_BYTES;
import static dev.shadowattn.gguf.tensor.BlockLayouts.Q6_K_D;
import static dev.shadowattn.gguf.tensor.BlockLayouts.Q6_K_QH;
import static dev.shadowattn.gguf.tensor.BlockLayouts.Q6_K_QL;
import static dev.shadowattn.gguf.tensor.BlockLayouts.Q6_K_SCALES;
import static dev.shadowattn.gguf.tensor.VectorShapes.B;
import static dev.shadowattn.gguf.tensor.VectorShapes.F;
import static dev.shadowattn.gguf.tensor.VectorShapes.L;
import static dev.shadowattn.gguf.tensor.VectorShapes.LE;

/**
 * Vector kernels for block_q6_K (256 elements in 2 halves of 128). Within half h, element 32k+l (k &lt; 4, l &lt; 32)
 * takes its low 4 bits from ql[32*(k&amp;1) + l] (low nibble for k &lt; 2, high for k &gt;= 2) and its high 2 bits
 * from bits 2k, 2k+1 of qh[l]: L quants are two byte loads, 16-bit shifts (x86 has no byte shifts; the bits a
 * shift pulls in from the neighbouring byte are masked off) and masks, with no branch on k. Each L-lane group lies
 * in one 16-element scale group since L &lt;= 16; the 8 int8 scales of a half are read as one long. Weights are
 * {@code (q-32) * (d*scale)}, as the scalar decoder. Written with Vector API calls only (see {@link VectorShapes}).
 * Arguments are checked by the caller.
 */
final class VectorQ6_K {

    private VectorQ6_K() {
    }

    /** d times the int8 scale of group {@code g} (0..7) of a half, whose 8 scales are the bytes of {@code scales}. */
    private static float scale(float d, long scales, int g) {
        return d * (byte) (scales >>> 8 * g);
    }

    /** Dot product of {@code blocks} super-blocks from byte {@code off} with x; decoding dominates: 2 accumulators. */
    static float dot(MemorySegment w, long off, float[] x, int xo, int blocks) {
        ByteVector mask4 = ByteVector.broadcast(B, (byte) 0x0F), mask2 = ByteVector.broadcast(B, (byte) 3);
        ByteVector bias = ByteVector.broadcast(B, (byte) 32);
        FloatVector a0 = FloatVector.zero(F), a1 = FloatVector.zero(F);
        for (int b = 0; b < blocks; b++) {
            long o = off + (long) b * Q6_K_BYTES;
            float d = Float.float16ToFloat(w.get(LE_SHORT, o + Q6_K_D));
            for (int h = 0; h < 2; h++) {
                long ql = o + Q6_K_QL + 64 * h, qh = o + Q6_K_QH + 32 * h;
                long scales = w.get(LE_LONG, o + Q6_K_SCALES + 8 * h);
                for (int k = 0; k < 4; k++) {
                    int e = xo + 256 * b + 128 * h + 32 * k;
                    for (int l = 0; l < 32; l += L) {
                        ByteVector lo = ByteVector.fromMemorySegment(B, w, ql + 32 * (k & 1) + l, LE)
                                .reinterpretAsShorts().lanewise(VectorOperators.LSHR, 4 * (k >> 1))
                                .reinterpretAsBytes().and(mask4);
                        ByteVector hi = ByteVector.fromMemorySegment(B, w, qh + l, LE)
                                .reinterpretAsShorts().lanewise(VectorOperators.LSHR, 2 * k)
                                .reinterpretAsBytes().and(mask2)
                                .reinterpretAsShorts().lanewise(VectorOperators.LSHL, 4).reinterpretAsBytes();
                        FloatVector q = (FloatVector) lo.or(hi).sub(bias).convertShape(VectorOperators.B2F, F, 0);
                        FloatVector t = q.mul(scale(d, scales, 2 * k + l / 16));
                        if ((l & L) == 0) {
                            a0 = t.fma(FloatVector.fromArray(F, x, e + l), a0);
                        } else {
                            a1 = t.fma(FloatVector.fromArray(F, x, e + l), a1);
                        }
                    }
                }
            }
        }
        return a0.add(a1).reduceLanes(VectorOperators.ADD);
    }

    /** Four dot products sharing each decoded group; see {@link VectorQ8_0#dot4}. One accumulator per row. */
    static void dot4(MemorySegment w, long off, int blocks, float[] x, int x0, int x1, int x2, int x3,
                     float[] out, int o0, int o1, int o2, int o3) {
        ByteVector mask4 = ByteVector.broadcast(B, (byte) 0x0F), mask2 = ByteVector.broadcast(B, (byte) 3);
        ByteVector bias = ByteVector.broadcast(B, (byte) 32);
        FloatVector a0 = FloatVector.zero(F), a1 = FloatVector.zero(F), a2 = FloatVector.zero(F), a3 = FloatVector.zero(F);
        for (int b = 0; b < blocks; b++) {
            long o = off + (long) b * Q6_K_BYTES;
            float d = Float.float16ToFloat(w.get(LE_SHORT, o + Q6_K_D));
            for (int h = 0; h < 2; h++) {
                long ql = o + Q6_K_QL + 64 * h, qh = o + Q6_K_QH + 32 * h;
                long scales = w.get(LE_LONG, o + Q6_K_SCALES + 8 * h);
                for (int k = 0; k < 4; k++) {
                    for (int l = 0; l < 32; l += L) {
                        ByteVector lo = ByteVector.fromMemorySegment(B, w, ql + 32 * (k & 1) + l, LE)
                                .reinterpretAsShorts().lanewise(VectorOperators.LSHR, 4 * (k >> 1))
                                .reinterpretAsBytes().and(mask4);
                        ByteVector hi = ByteVector.fromMemorySegment(B, w, qh + l, LE)
                                .reinterpretAsShorts().lanewise(VectorOperators.LSHR, 2 * k)
                                .reinterpretAsBytes().and(mask2)
                                .reinterpretAsShorts().lanewise(VectorOperators.LSHL, 4).reinterpretAsBytes();
                        FloatVector u = ((FloatVector) lo.or(hi).sub(bias).convertShape(VectorOperators.B2F, F, 0))
                                .mul(scale(d, scales, 2 * k + l / 16));
                        int e = 256 * b + 128 * h + 32 * k + l;
                        a0 = u.fma(FloatVector.fromArray(F, x, x0 + e), a0);
                        a1 = u.fma(FloatVector.fromArray(F, x, x1 + e), a1);
                        a2 = u.fma(FloatVector.fromArray(F, x, x2 + e), a2);
                        a3 = u.fma(FloatVector.fromArray(F, x, x3 + e), a3);
                    }
                }
            }
        }
        out[o0] = a0.reduceLanes(VectorOperators.ADD);
        out[o1] = a1.reduceLanes(VectorOperators.ADD);
        out[o2] = a2.reduceLanes(VectorOperators.ADD);
        out[o3] = a3.reduceLanes(VectorOperators.ADD);
    }

    /** Decodes {@code blocks} super-blocks from byte {@code off} into {@code out[oo..]}. */
    static void dequantize(MemorySegment w, long off, float[] out, int oo, int blocks) {
        ByteVector mask4 = ByteVector.broadcast(B, (byte) 0x0F), mask2 = ByteVector.broadcast(B, (byte) 3);
        ByteVector bias = ByteVector.broadcast(B, (byte) 32);
        for (int b = 0; b < blocks; b++) {
            long o = off + (long) b * Q6_K_BYTES;
            float d = Float.float16ToFloat(w.get(LE_SHORT, o + Q6_K_D));
            for (int h = 0; h < 2; h++) {
                long ql = o + Q6_K_QL + 64 * h, qh = o + Q6_K_QH + 32 * h;
                long scales = w.get(LE_LONG, o + Q6_K_SCALES + 8 * h);
                for (int k = 0; k < 4; k++) {
                    for (int l = 0; l < 32; l += L) {
                        ByteVector lo = ByteVector.fromMemorySegment(B, w, ql + 32 * (k & 1) + l, LE)
                                .reinterpretAsShorts().lanewise(VectorOperators.LSHR, 4 * (k >> 1))
                                .reinterpretAsBytes().and(mask4);
                        ByteVector hi = ByteVector.fromMemorySegment(B, w, qh + l, LE)
                                .reinterpretAsShorts().lanewise(VectorOperators.LSHR, 2 * k)
                                .reinterpretAsBytes().and(mask2)
                                .reinterpretAsShorts().lanewise(VectorOperators.LSHL, 4).reinterpretAsBytes();
                        ((FloatVector) lo.or(hi).sub(bias).convertShape(VectorOperators.B2F, F, 0))
                                .mul(scale(d, scales, 2 * k + l / 16))
                                .intoArray(out, oo + 256 * b + 128 * h + 32 * k + l);
                    }
                }
            }
        }
    }
}
