package dev.shadowattn.gguf.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;

import static dev.shadowattn.gguf.tensor.BlockLayouts.LE_SHORT;
import static dev.shadowattn.gguf.tensor.VectorShapes.F;
import static dev.shadowattn.gguf.tensor.VectorShapes.I;
import static dev.shadowattn.gguf.tensor.VectorShapes.L;
import static dev.shadowattn.gguf.tensor.VectorShapes.LE;
import static dev.shadowattn.gguf.tensor.VectorShapes.S;

/**
 * Vector kernels for F16 weights (IEEE binary16; the Vector API of JDK 25 has no fp16 conversion). L halves are
 * widened to ints h and converted exactly as {@link Float#float16ToFloat}: exponent and mantissa shifted into binary32
 * position ({@code (h & 0x7FFF) << 13}) and rescaled by 2^112, which is exact for normals and subnormals alike;
 * exponent 31 (infinity, NaN) mapped to 255 by a blend; the sign put back last. Block size 1, so any n: the last
 * n mod L elements use the scalar conversion. The conversion costs ten operations, so loops are unrolled less than
 * F32's. Written with Vector API calls only (see {@link VectorShapes}). Arguments are checked by the caller.
 */
final class VectorF16 {

    private VectorF16() {
    }

    /** One weight, for the tails. */
    private static float weight(MemorySegment w, long off, int i) {
        return Float16.toFloat(w.get(LE_SHORT, off + 2L * i));
    }

    static float dot(MemorySegment w, long off, float[] x, int xo, int n) {
        IntVector magnitude = IntVector.broadcast(I, 0x7FFF), sign = IntVector.broadcast(I, 0x8000);
        IntVector special = IntVector.broadcast(I, 0x1F << 23), exponent255 = IntVector.broadcast(I, 0x70000000);
        FloatVector a0 = FloatVector.zero(F), a1 = FloatVector.zero(F);
        int i = 0;
        for (; i + L <= n; i += L) {
            IntVector h = (IntVector) ShortVector.fromMemorySegment(S, w, off + 2L * i, LE)
                    .convertShape(VectorOperators.S2I, I, 0);
            IntVector m = h.and(magnitude).lanewise(VectorOperators.LSHL, 13);
            FloatVector f = m.reinterpretAsFloats().mul(0x1p112f).reinterpretAsInts()
                    .blend(m.or(exponent255), m.compare(VectorOperators.GE, special))
                    .or(h.and(sign).lanewise(VectorOperators.LSHL, 16)).reinterpretAsFloats();
            if ((i & L) == 0) {
                a0 = f.fma(FloatVector.fromArray(F, x, xo + i), a0);
            } else {
                a1 = f.fma(FloatVector.fromArray(F, x, xo + i), a1);
            }
        }
        float sum = a0.add(a1).reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) {
            sum = Math.fma(weight(w, off, i), x[xo + i], sum);
        }
        return sum;
    }

    /** Four dot products sharing each converted weight vector; see {@link VectorQ8_0#dot4}. */
    static void dot4(MemorySegment w, long off, int n, float[] x, int x0, int x1, int x2, int x3,
                     float[] out, int o0, int o1, int o2, int o3) {
        IntVector magnitude = IntVector.broadcast(I, 0x7FFF), sign = IntVector.broadcast(I, 0x8000);
        IntVector special = IntVector.broadcast(I, 0x1F << 23), exponent255 = IntVector.broadcast(I, 0x70000000);
        FloatVector a0 = FloatVector.zero(F), a1 = FloatVector.zero(F), a2 = FloatVector.zero(F), a3 = FloatVector.zero(F);
        int i = 0;
        for (; i + L <= n; i += L) {
            IntVector h = (IntVector) ShortVector.fromMemorySegment(S, w, off + 2L * i, LE)
                    .convertShape(VectorOperators.S2I, I, 0);
            IntVector m = h.and(magnitude).lanewise(VectorOperators.LSHL, 13);
            FloatVector u = m.reinterpretAsFloats().mul(0x1p112f).reinterpretAsInts()
                    .blend(m.or(exponent255), m.compare(VectorOperators.GE, special))
                    .or(h.and(sign).lanewise(VectorOperators.LSHL, 16)).reinterpretAsFloats();
            a0 = u.fma(FloatVector.fromArray(F, x, x0 + i), a0);
            a1 = u.fma(FloatVector.fromArray(F, x, x1 + i), a1);
            a2 = u.fma(FloatVector.fromArray(F, x, x2 + i), a2);
            a3 = u.fma(FloatVector.fromArray(F, x, x3 + i), a3);
        }
        float s0 = a0.reduceLanes(VectorOperators.ADD);
        float s1 = a1.reduceLanes(VectorOperators.ADD);
        float s2 = a2.reduceLanes(VectorOperators.ADD);
        float s3 = a3.reduceLanes(VectorOperators.ADD);
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
        IntVector magnitude = IntVector.broadcast(I, 0x7FFF), sign = IntVector.broadcast(I, 0x8000);
        IntVector special = IntVector.broadcast(I, 0x1F << 23), exponent255 = IntVector.broadcast(I, 0x70000000);
        int i = 0;
        for (; i + L <= n; i += L) {
            IntVector h = (IntVector) ShortVector.fromMemorySegment(S, w, off + 2L * i, LE)
                    .convertShape(VectorOperators.S2I, I, 0);
            IntVector m = h.and(magnitude).lanewise(VectorOperators.LSHL, 13);
            m.reinterpretAsFloats().mul(0x1p112f).reinterpretAsInts()
                    .blend(m.or(exponent255), m.compare(VectorOperators.GE, special))
                    .or(h.and(sign).lanewise(VectorOperators.LSHL, 16)).reinterpretAsFloats()
                    .intoArray(out, oo + i);
        }
        for (; i < n; i++) {
            out[oo + i] = weight(w, off, i);
        }
    }
}
