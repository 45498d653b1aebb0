package dev.shadowattn.gguf.tensor;

import dev.shadowattn.gguf.GgmlType;
import jdk.incubator.vector.FloatVector;

import java.lang.foreign.MemorySegment;

/**
 * The Vector API implementation: checks arguments once, then dispatches to the per-type kernels
 * ({@link VectorQ8_0}, {@link VectorQ4_0}, {@link VectorQ4_K}, {@link VectorQ6_K}, {@link VectorF32},
 * {@link VectorF16}, {@link VectorBF16}).
 * {@link #dotBatch} walks the batch in tiles of four rows so that each weight block is decoded once per tile.
 * Created only by {@link KernelSelection}.
 */
final class VectorKernels implements TensorKernels {

    /** Rows per register tile of {@link #dotBatch}. */
    static final int TILE = 4;

    private final String name;

    VectorKernels() {
        this.name = "vector(" + FloatVector.SPECIES_PREFERRED.vectorBitSize() + "-bit)";
    }

    /** Lanes of the preferred float species; touches no other vector class. */
    static int preferredLanes() {
        return FloatVector.SPECIES_PREFERRED.length();
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String toString() {
        return name();
    }

    @Override
    public float dot(GgmlType type, MemorySegment data, long elementOffset, float[] x, int xOffset, int n) {
        long start = KernelArgs.weights(type, data, elementOffset, n);
        KernelArgs.range("x", x, xOffset, n);
        return dotChecked(type, data, start, x, xOffset, n);
    }

    private static float dotChecked(GgmlType type, MemorySegment data, long start, float[] x, int xOffset, int n) {
        int blocks = n / type.blockSize();
        return switch (type) {
            case Q8_0 -> VectorQ8_0.dot(data, start, x, xOffset, blocks);
            case Q4_0 -> VectorQ4_0.dot(data, start, x, xOffset, blocks);
            case Q4_K -> VectorQ4_K.dot(data, start, x, xOffset, blocks);
            case Q6_K -> VectorQ6_K.dot(data, start, x, xOffset, blocks);
            case F32 -> VectorF32.dot(data, start, x, xOffset, n);
            case F16 -> VectorF16.dot(data, start, x, xOffset, n);
            case BF16 -> VectorBF16.dot(data, start, x, xOffset, n);
            default -> throw new UnsupportedOperationException("tensor type " + type + " is not supported");
        };
    }

    @Override
    public void dotBatch(GgmlType type, MemorySegment data, long elementOffset, int n,
                         float[] x, int xOffset, int xStride, int batch,
                         float[] out, int outOffset, int outStride) {
        long start = KernelArgs.weights(type, data, elementOffset, n);
        KernelArgs.rows("x", x, xOffset, xStride, batch, n);
        KernelArgs.rows("out", out, outOffset, outStride, batch, 1);
        int b = 0;
        for (; b + TILE <= batch; b += TILE) {
            int xb = xOffset + b * xStride;
            int ob = outOffset + b * outStride;
            tile(type, data, start, n, x, xb, xb + xStride, xb + 2 * xStride, xb + 3 * xStride,
                    out, ob, ob + outStride, ob + 2 * outStride, ob + 3 * outStride);
        }
        int rest = batch - b;
        if (rest == 1) {
            out[outOffset + b * outStride] = dotChecked(type, data, start, x, xOffset + b * xStride, n);
        } else if (rest > 1) {
            // 2 or 3 rows left: a full tile whose surplus rows repeat the last row (same value, same cell).
            int r1 = b + 1, r2 = b + Math.min(2, rest - 1), r3 = b + rest - 1;
            tile(type, data, start, n, x, xOffset + b * xStride, xOffset + r1 * xStride, xOffset + r2 * xStride,
                    xOffset + r3 * xStride, out, outOffset + b * outStride, outOffset + r1 * outStride,
                    outOffset + r2 * outStride, outOffset + r3 * outStride);
        }
    }

    private static void tile(GgmlType type, MemorySegment data, long start, int n,
                             float[] x, int x0, int x1, int x2, int x3, float[] out, int o0, int o1, int o2, int o3) {
        int blocks = n / type.blockSize();
        switch (type) {
            case Q8_0 -> VectorQ8_0.dot4(data, start, blocks, x, x0, x1, x2, x3, out, o0, o1, o2, o3);
            case Q4_0 -> VectorQ4_0.dot4(data, start, blocks, x, x0, x1, x2, x3, out, o0, o1, o2, o3);
            case Q4_K -> VectorQ4_K.dot4(data, start, blocks, x, x0, x1, x2, x3, out, o0, o1, o2, o3);
            case Q6_K -> VectorQ6_K.dot4(data, start, blocks, x, x0, x1, x2, x3, out, o0, o1, o2, o3);
            case F32 -> VectorF32.dot4(data, start, n, x, x0, x1, x2, x3, out, o0, o1, o2, o3);
            case F16 -> VectorF16.dot4(data, start, n, x, x0, x1, x2, x3, out, o0, o1, o2, o3);
            case BF16 -> VectorBF16.dot4(data, start, n, x, x0, x1, x2, x3, out, o0, o1, o2, o3);
            default -> throw new UnsupportedOperationException("tensor type " + type + " is not supported");
        }
    }

    @Override
    public void dequantize(GgmlType type, MemorySegment data, long elementOffset, float[] out, int outOffset, int n) {
        long start = KernelArgs.weights(type, data, elementOffset, n);
        KernelArgs.range("out", out, outOffset, n);
        int blocks = n / type.blockSize();
        switch (type) {
            case Q8_0 -> VectorQ8_0.dequantize(data, start, out, outOffset, blocks);
            case Q4_0 -> VectorQ4_0.dequantize(data, start, out, outOffset, blocks);
            case Q4_K -> VectorQ4_K.dequantize(data, start, out, outOffset, blocks);
            case Q6_K -> VectorQ6_K.dequantize(data, start, out, outOffset, blocks);
            case F32 -> VectorF32.dequantize(data, start, out, outOffset, n);
            case F16 -> VectorF16.dequantize(data, start, out, outOffset, n);
            case BF16 -> VectorBF16.dequantize(data, start, out, outOffset, n);
            default -> throw new UnsupportedOperationException("tensor type " + type + " is not supported");
        }
    }

    @Override
    public float dot(float[] a, int aOffset, float[] b, int bOffset, int n) {
        KernelArgs.range("a", a, aOffset, n);
        KernelArgs.range("b", b, bOffset, n);
        return VectorFloatOps.dot(a, aOffset, b, bOffset, n);
    }

    @Override
    public void axpy(float alpha, float[] x, int xOffset, float[] y, int yOffset, int n) {
        KernelArgs.range("x", x, xOffset, n);
        KernelArgs.range("y", y, yOffset, n);
        VectorFloatOps.axpy(alpha, x, xOffset, y, yOffset, n);
    }
}
