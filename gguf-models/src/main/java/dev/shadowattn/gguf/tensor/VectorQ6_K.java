package dev.shadowattn.gguf.tensor;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;

import static dev.shadowattn.gguf.tensor.BlockLayouts.Q6_K_BYTES;
import static dev.shadowattn.gguf.tensor.BlockLayouts.Q6_K_D;
import static dev.shadowattn.gguf.tensor.BlockLayouts.Q6_K_QH;
import static dev.shadowattn.gguf.tensor.BlockLayouts.Q6_K_QL;
import static dev.shadowattn.gguf.tensor.BlockLayouts.Q6_K_SCALES;
import static dev.shadowattn.gguf.tensor.BlockLayouts.half;
import static dev.shadowattn.gguf.tensor.BlockLayouts.s8;
import static dev.shadowattn.gguf.tensor.VectorShapes.F;
import static dev.shadowattn.gguf.tensor.VectorShapes.L;
import static dev.shadowattn.gguf.tensor.VectorShapes.bytes;
import static dev.shadowattn.gguf.tensor.VectorShapes.toFloats;
import static dev.shadowattn.gguf.tensor.VectorShapes.x;

/**
 * Vector kernels for block_q6_K (256 elements in 2 halves of 128). For half h and lanes l..l+L of 0..31, three byte
 * loads (ql[l], ql[l+32], qh[l] of that half) give the four 6-bit quants of elements l, l+32, l+64, l+96; each
 * L-lane group lies in one 16-element scale group since L &lt;= 16. Weights are {@code (q-32) * (d*scale)}, as the
 * scalar decoder. Arguments are checked by the caller.
 */
final class VectorQ6_K {

    private VectorQ6_K() {
    }

    /** Quants of element l (k=0), l+32 (1), l+64 (2) or l+96 (3) from ql bytes {@code lo}/{@code hi} and qh bytes. */
    private static FloatVector quant(int k, ByteVector lo, ByteVector hi, ByteVector qh) {
        ByteVector q = switch (k) {
            case 0 -> lo.and((byte) 0x0F).or(qh.lanewise(VectorOperators.LSHL, 4).and((byte) 0x30));
            case 1 -> hi.and((byte) 0x0F).or(qh.lanewise(VectorOperators.LSHL, 2).and((byte) 0x30));
            case 2 -> lo.lanewise(VectorOperators.LSHR, 4).or(qh.and((byte) 0x30));
            default -> hi.lanewise(VectorOperators.LSHR, 4).or(qh.lanewise(VectorOperators.LSHR, 2).and((byte) 0x30));
        };
        return toFloats(q.sub((byte) 32));
    }

    /** d times the int8 scale of 16-element group {@code g}. */
    private static float scale(MemorySegment w, long block, float d, int g) {
        return d * s8(w, block + Q6_K_SCALES + g);
    }

    /** Dot product of {@code blocks} super-blocks from byte {@code off} with x; four accumulators. */
    static float dot(MemorySegment w, long off, float[] x, int xo, int blocks) {
        FloatVector a0 = FloatVector.zero(F), a1 = FloatVector.zero(F), a2 = FloatVector.zero(F), a3 = FloatVector.zero(F);
        for (int b = 0; b < blocks; b++) {
            long o = off + (long) b * Q6_K_BYTES;
            float d = half(w, o + Q6_K_D);
            for (int h = 0; h < 2; h++) {
                long ql = o + Q6_K_QL + 64 * h;
                long qh = o + Q6_K_QH + 32 * h;
                for (int l = 0; l < 32; l += L) {
                    ByteVector lo = bytes(w, ql + l), hi = bytes(w, ql + 32 + l), bits = bytes(w, qh + l);
                    int g = 8 * h + l / 16;
                    int e = xo + 256 * b + 128 * h + l;
                    a0 = quant(0, lo, hi, bits).mul(scale(w, o, d, g)).fma(x(x, e), a0);
                    a1 = quant(1, lo, hi, bits).mul(scale(w, o, d, g + 2)).fma(x(x, e + 32), a1);
                    a2 = quant(2, lo, hi, bits).mul(scale(w, o, d, g + 4)).fma(x(x, e + 64), a2);
                    a3 = quant(3, lo, hi, bits).mul(scale(w, o, d, g + 6)).fma(x(x, e + 96), a3);
                }
            }
        }
        return a0.add(a1).add(a2.add(a3)).reduceLanes(VectorOperators.ADD);
    }

    /** Four dot products sharing each decoded group; see {@link VectorQ8_0#dot4}. */
    static void dot4(MemorySegment w, long off, int blocks, float[] x, int x0, int x1, int x2, int x3,
                     float[] out, int o0, int o1, int o2, int o3) {
        FloatVector a0 = FloatVector.zero(F), a1 = FloatVector.zero(F), a2 = FloatVector.zero(F), a3 = FloatVector.zero(F);
        FloatVector b0 = FloatVector.zero(F), b1 = FloatVector.zero(F), b2 = FloatVector.zero(F), b3 = FloatVector.zero(F);
        for (int b = 0; b < blocks; b++) {
            long o = off + (long) b * Q6_K_BYTES;
            float d = half(w, o + Q6_K_D);
            for (int h = 0; h < 2; h++) {
                long ql = o + Q6_K_QL + 64 * h;
                long qh = o + Q6_K_QH + 32 * h;
                for (int l = 0; l < 32; l += L) {
                    ByteVector lo = bytes(w, ql + l), hi = bytes(w, ql + 32 + l), bits = bytes(w, qh + l);
                    int g = 8 * h + l / 16;
                    int e = 256 * b + 128 * h + l;
                    for (int k = 0; k < 4; k += 2) {
                        FloatVector u = quant(k, lo, hi, bits).mul(scale(w, o, d, g + 2 * k));
                        FloatVector v = quant(k + 1, lo, hi, bits).mul(scale(w, o, d, g + 2 * k + 2));
                        int i = e + 32 * k;
                        a0 = u.fma(x(x, x0 + i), a0);
                        b0 = v.fma(x(x, x0 + i + 32), b0);
                        a1 = u.fma(x(x, x1 + i), a1);
                        b1 = v.fma(x(x, x1 + i + 32), b1);
                        a2 = u.fma(x(x, x2 + i), a2);
                        b2 = v.fma(x(x, x2 + i + 32), b2);
                        a3 = u.fma(x(x, x3 + i), a3);
                        b3 = v.fma(x(x, x3 + i + 32), b3);
                    }
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
            long o = off + (long) b * Q6_K_BYTES;
            float d = half(w, o + Q6_K_D);
            for (int h = 0; h < 2; h++) {
                long ql = o + Q6_K_QL + 64 * h;
                long qh = o + Q6_K_QH + 32 * h;
                for (int l = 0; l < 32; l += L) {
                    ByteVector lo = bytes(w, ql + l), hi = bytes(w, ql + 32 + l), bits = bytes(w, qh + l);
                    int g = 8 * h + l / 16;
                    int e = oo + 256 * b + 128 * h + l;
                    for (int k = 0; k < 4; k++) {
                        quant(k, lo, hi, bits).mul(scale(w, o, d, g + 2 * k)).intoArray(out, e + 32 * k);
                    }
                }
            }
        }
    }
}
