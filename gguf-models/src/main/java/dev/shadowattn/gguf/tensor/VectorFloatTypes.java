package dev.shadowattn.gguf.tensor;

import dev.shadowattn.gguf.GgmlType;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;

import static dev.shadowattn.gguf.tensor.BlockLayouts.LE_FLOAT;
import static dev.shadowattn.gguf.tensor.BlockLayouts.LE_SHORT;
import static dev.shadowattn.gguf.tensor.VectorShapes.F;
import static dev.shadowattn.gguf.tensor.VectorShapes.L;
import static dev.shadowattn.gguf.tensor.VectorShapes.x;

/**
 * Vector kernels for the unquantized weight types F32, F16 and BF16 (block size 1, so any n: the last n mod L
 * elements go through the scalar conversions of {@link Float16}). The type is tested inside the loops with an if
 * chain on a loop-invariant value, which C2 unswitches. Arguments are checked by the caller.
 */
final class VectorFloatTypes {

    private VectorFloatTypes() {
    }

    /** L weights from element {@code i} of a tensor starting at byte {@code off}. */
    private static FloatVector load(GgmlType type, MemorySegment w, long off, int i) {
        if (type == GgmlType.F16) {
            return VectorShapes.f16(w, off + 2L * i);
        } else if (type == GgmlType.BF16) {
            return VectorShapes.bf16(w, off + 2L * i);
        }
        return VectorShapes.f32(w, off + 4L * i);
    }

    /** One weight, for the tails. */
    private static float weight(GgmlType type, MemorySegment w, long off, int i) {
        if (type == GgmlType.F16) {
            return Float16.toFloat(w.get(LE_SHORT, off + 2L * i));
        } else if (type == GgmlType.BF16) {
            return Float16.bf16ToFloat(w.get(LE_SHORT, off + 2L * i));
        }
        return w.get(LE_FLOAT, off + 4L * i);
    }

    static float dot(GgmlType type, MemorySegment w, long off, float[] x, int xo, int n) {
        FloatVector a0 = FloatVector.zero(F), a1 = FloatVector.zero(F), a2 = FloatVector.zero(F), a3 = FloatVector.zero(F);
        int i = 0;
        for (; i + 4 * L <= n; i += 4 * L) {
            a0 = load(type, w, off, i).fma(x(x, xo + i), a0);
            a1 = load(type, w, off, i + L).fma(x(x, xo + i + L), a1);
            a2 = load(type, w, off, i + 2 * L).fma(x(x, xo + i + 2 * L), a2);
            a3 = load(type, w, off, i + 3 * L).fma(x(x, xo + i + 3 * L), a3);
        }
        for (; i + L <= n; i += L) {
            a0 = load(type, w, off, i).fma(x(x, xo + i), a0);
        }
        float sum = a0.add(a1).add(a2.add(a3)).reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) {
            sum = Math.fma(weight(type, w, off, i), x[xo + i], sum);
        }
        return sum;
    }

    /** Four dot products sharing each converted weight vector; see {@link VectorQ8_0#dot4}. */
    static void dot4(GgmlType type, MemorySegment w, long off, int n, float[] x, int x0, int x1, int x2, int x3,
                     float[] out, int o0, int o1, int o2, int o3) {
        FloatVector a0 = FloatVector.zero(F), a1 = FloatVector.zero(F), a2 = FloatVector.zero(F), a3 = FloatVector.zero(F);
        FloatVector b0 = FloatVector.zero(F), b1 = FloatVector.zero(F), b2 = FloatVector.zero(F), b3 = FloatVector.zero(F);
        int i = 0;
        for (; i + 2 * L <= n; i += 2 * L) {
            FloatVector u = load(type, w, off, i);
            FloatVector v = load(type, w, off, i + L);
            a0 = u.fma(x(x, x0 + i), a0);
            b0 = v.fma(x(x, x0 + i + L), b0);
            a1 = u.fma(x(x, x1 + i), a1);
            b1 = v.fma(x(x, x1 + i + L), b1);
            a2 = u.fma(x(x, x2 + i), a2);
            b2 = v.fma(x(x, x2 + i + L), b2);
            a3 = u.fma(x(x, x3 + i), a3);
            b3 = v.fma(x(x, x3 + i + L), b3);
        }
        float s0 = a0.add(b0).reduceLanes(VectorOperators.ADD);
        float s1 = a1.add(b1).reduceLanes(VectorOperators.ADD);
        float s2 = a2.add(b2).reduceLanes(VectorOperators.ADD);
        float s3 = a3.add(b3).reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) {
            float u = weight(type, w, off, i);
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

    static void dequantize(GgmlType type, MemorySegment w, long off, float[] out, int oo, int n) {
        int i = 0;
        for (; i + L <= n; i += L) {
            load(type, w, off, i).intoArray(out, oo + i);
        }
        for (; i < n; i++) {
            out[oo + i] = weight(type, w, off, i);
        }
    }
}
