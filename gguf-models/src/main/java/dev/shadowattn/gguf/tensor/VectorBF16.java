package dev.shadowattn.gguf.tensor;

import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;

import static dev.shadowattn.gguf.tensor.BlockLayouts.LE_SHORT;
import static dev.shadowattn.gguf.tensor.VectorShapes.F;
import static dev.shadowattn.gguf.tensor.VectorShapes.I;
import static dev.shadowattn.gguf.tensor.VectorShapes.L;
import static dev.shadowattn.gguf.tensor.VectorShapes.LE;
import static dev.shadowattn.gguf.tensor.VectorShapes.S;

/**
 * Vector kernels for BF16 weights (bfloat16, the upper half of a binary32: widened and shifted left by 16). Block size 1, so any n: the last n mod L elements use the scalar
 * conversion. Each unquantized type has its own class so that no loop branches on the type (a loop shared by two
 * types, with both in its profile, made C2 box the vectors). Written with Vector API calls only (see
 * {@link VectorShapes}). Arguments are checked by the caller.
 */
final class VectorBF16 {

    private VectorBF16() {
    }

    /** One weight, for the tails. */
    private static float weight(MemorySegment w, long off, int i) {
        return Float16.bf16ToFloat(w.get(LE_SHORT, off + 2L * i));
    }

    static float dot(MemorySegment w, long off, float[] x, int xo, int n) {
        FloatVector a0 = FloatVector.zero(F), a1 = FloatVector.zero(F), a2 = FloatVector.zero(F), a3 = FloatVector.zero(F);
        int i = 0;
        for (; i + 4 * L <= n; i += 4 * L) {
            a0 = ((IntVector) ShortVector.fromMemorySegment(S, w, off + 2L * i, LE)
                    .convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(FloatVector.fromArray(F, x, xo + i), a0);
            a1 = ((IntVector) ShortVector.fromMemorySegment(S, w, off + 2L * (i + L), LE)
                    .convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(FloatVector.fromArray(F, x, xo + i + L), a1);
            a2 = ((IntVector) ShortVector.fromMemorySegment(S, w, off + 2L * (i + 2 * L), LE)
                    .convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(FloatVector.fromArray(F, x, xo + i + 2 * L), a2);
            a3 = ((IntVector) ShortVector.fromMemorySegment(S, w, off + 2L * (i + 3 * L), LE)
                    .convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(FloatVector.fromArray(F, x, xo + i + 3 * L), a3);
        }
        for (; i + L <= n; i += L) {
            a0 = ((IntVector) ShortVector.fromMemorySegment(S, w, off + 2L * i, LE)
                    .convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(FloatVector.fromArray(F, x, xo + i), a0);
        }
        float sum = a0.add(a1).add(a2.add(a3)).reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) {
            sum = Math.fma(weight(w, off, i), x[xo + i], sum);
        }
        return sum;
    }

    /** Four dot products sharing each converted weight vector; see {@link VectorQ8_0#dot4}. */
    static void dot4(MemorySegment w, long off, int n, float[] x, int x0, int x1, int x2, int x3,
                     float[] out, int o0, int o1, int o2, int o3) {
        FloatVector a0 = FloatVector.zero(F), a1 = FloatVector.zero(F), a2 = FloatVector.zero(F), a3 = FloatVector.zero(F);
        FloatVector b0 = FloatVector.zero(F), b1 = FloatVector.zero(F), b2 = FloatVector.zero(F), b3 = FloatVector.zero(F);
        int i = 0;
        for (; i + 2 * L <= n; i += 2 * L) {
            FloatVector u = ((IntVector) ShortVector.fromMemorySegment(S, w, off + 2L * i, LE)
                    .convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            FloatVector v = ((IntVector) ShortVector.fromMemorySegment(S, w, off + 2L * (i + L), LE)
                    .convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            a0 = u.fma(FloatVector.fromArray(F, x, x0 + i), a0);
            b0 = v.fma(FloatVector.fromArray(F, x, x0 + i + L), b0);
            a1 = u.fma(FloatVector.fromArray(F, x, x1 + i), a1);
            b1 = v.fma(FloatVector.fromArray(F, x, x1 + i + L), b1);
            a2 = u.fma(FloatVector.fromArray(F, x, x2 + i), a2);
            b2 = v.fma(FloatVector.fromArray(F, x, x2 + i + L), b2);
            a3 = u.fma(FloatVector.fromArray(F, x, x3 + i), a3);
            b3 = v.fma(FloatVector.fromArray(F, x, x3 + i + L), b3);
        }
        float s0 = a0.add(b0).reduceLanes(VectorOperators.ADD);
        float s1 = a1.add(b1).reduceLanes(VectorOperators.ADD);
        float s2 = a2.add(b2).reduceLanes(VectorOperators.ADD);
        float s3 = a3.add(b3).reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) {
            float u = weight(w, off, i);
            s0 = Math.fma(u, x[x0 + i], s0);
            s1 = Math.fma(u, x[x1 + i], s1);
            s2 = Math.fma(u, x[x2 + i], s2);
            s3 = Math.fma(u, x[x3 + i], s3);
        }
        out[o0] = s0;
        out[o1] = s1;
        out[o2] = s2;
        out[o3] = s3;
    }

    static void dequantize(MemorySegment w, long off, float[] out, int oo, int n) {
        int i = 0;
        for (; i + L <= n; i += L) {
            ((IntVector) ShortVector.fromMemorySegment(S, w, off + 2L * i, LE)
                    .convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().intoArray(out, oo + i);
        }
        for (; i < n; i++) {
            out[oo + i] = weight(w, off, i);
        }
    }
}
