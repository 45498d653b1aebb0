package dev.shadowattn.gguf.tensor;

import dev.shadowattn.gguf.GgmlType;

import java.lang.foreign.MemorySegment;

import static dev.shadowattn.gguf.tensor.BlockLayouts.*;

/**
 * The reference implementation: one decoder per type, written straight from the block formulas of
 * {@link BlockLayouts} ({@code ggml-quants.c}'s {@code dequantize_row_*}). A dot product decodes the row in chunks
 * and sums the decoded weights times x in double. Simple rather than fast; the vector kernels are tested against it.
 */
final class ScalarKernels implements TensorKernels {

    static final ScalarKernels INSTANCE = new ScalarKernels();

    private ScalarKernels() {
    }

    @Override
    public String name() {
        return "scalar";
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

    @Override
    public void dotBatch(GgmlType type, MemorySegment data, long elementOffset, int n,
                         float[] x, int xOffset, int xStride, int batch,
                         float[] out, int outOffset, int outStride) {
        long start = KernelArgs.weights(type, data, elementOffset, n);
        KernelArgs.rows("x", x, xOffset, xStride, batch, n);
        KernelArgs.rows("out", out, outOffset, outStride, batch, 1);
        for (int b = 0; b < batch; b++) {
            out[outOffset + b * outStride] = dotChecked(type, data, start, x, xOffset + b * xStride, n);
        }
    }

    @Override
    public void dequantize(GgmlType type, MemorySegment data, long elementOffset, float[] out, int outOffset, int n) {
        long start = KernelArgs.weights(type, data, elementOffset, n);
        KernelArgs.range("out", out, outOffset, n);
        decode(type, data, start, out, outOffset, n);
    }

    /** Elements decoded at a time by a dot product: a whole number of blocks of every type. */
    private static final int CHUNK = 256;

    /** Decodes chunks of the row into a scratch array and sums weight times x in double, four partial sums. */
    private static float dotChecked(GgmlType type, MemorySegment data, long start, float[] x, int xOffset, int n) {
        float[] w = new float[Math.min(n, CHUNK)];
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        for (int i = 0; i < n; i += CHUNK) {
            int m = Math.min(CHUNK, n - i);
            decode(type, data, start + type.byteSize(i), w, 0, m);
            int k = 0;
            for (; k + 4 <= m; k += 4) {
                int j = xOffset + i + k;
                s0 += (double) w[k] * x[j];
                s1 += (double) w[k + 1] * x[j + 1];
                s2 += (double) w[k + 2] * x[j + 2];
                s3 += (double) w[k + 3] * x[j + 3];
            }
            for (; k < m; k++) {
                s0 += (double) w[k] * x[xOffset + i + k];
            }
        }
        return (float) (s0 + s1 + (s2 + s3));
    }

    /** Decodes the {@code m} elements (whole blocks) whose first block starts at byte {@code start}. */
    private static void decode(GgmlType type, MemorySegment data, long start, float[] out, int o, int m) {
        int blocks = m / type.blockSize();
        int size = type.typeSize();
        for (int b = 0; b < blocks; b++) {
            long block = start + (long) b * size;
            int e = o + b * type.blockSize();
            switch (type) {
                case F32 -> out[e] = data.get(LE_FLOAT, block);
                case F16 -> out[e] = half(data, block);
                case BF16 -> out[e] = Float16.bf16ToFloat(data.get(LE_SHORT, block));
                case Q8_0 -> q8_0(data, block, out, e);
                case Q4_0 -> q4_0(data, block, out, e);
                case Q4_K -> q4_K(data, block, out, e);
                case Q6_K -> q6_K(data, block, out, e);
                default -> throw new UnsupportedOperationException("tensor type " + type + " is not supported");
            }
        }
    }

    /** block_q8_0: w[i] = d * qs[i]. */
    static void q8_0(MemorySegment data, long block, float[] out, int o) {
        float d = half(data, block);
        for (int i = 0; i < 32; i++) {
            out[o + i] = d * s8(data, block + Q8_0_QS + i);
        }
    }

    /** block_q4_0: w[i] = d * (low nibble of qs[i] - 8), w[i + 16] = d * (high nibble of qs[i] - 8). */
    static void q4_0(MemorySegment data, long block, float[] out, int o) {
        float d = half(data, block);
        for (int i = 0; i < 16; i++) {
            int q = u8(data, block + Q4_0_QS + i);
            out[o + i] = d * ((q & 0xF) - 8);
            out[o + i + 16] = d * ((q >>> 4) - 8);
        }
    }

    /** block_q4_K: sub-block j of 32 elements has w = d*sc[j]*q - dmin*m[j]; chunk c holds sub-blocks 2c, 2c+1. */
    static void q4_K(MemorySegment data, long block, float[] out, int o) {
        float d = half(data, block);
        float dmin = half(data, block + Q4_K_DMIN);
        for (int c = 0; c < 4; c++) {
            float d1 = d * q4kScale(data, block, 2 * c);
            float m1 = dmin * q4kMin(data, block, 2 * c);
            float d2 = d * q4kScale(data, block, 2 * c + 1);
            float m2 = dmin * q4kMin(data, block, 2 * c + 1);
            for (int l = 0; l < 32; l++) {
                int q = u8(data, block + Q4_K_QS + 32 * c + l);
                out[o + 64 * c + l] = d1 * (q & 0xF) - m1;
                out[o + 64 * c + 32 + l] = d2 * (q >>> 4) - m2;
            }
        }
    }

    /** block_q6_K: 6-bit q from ql (low 4 bits) and qh (high 2 bits); w[i] = d * scales[i/16] * (q[i] - 32). */
    static void q6_K(MemorySegment data, long block, float[] out, int o) {
        float d = half(data, block + Q6_K_D);
        for (int h = 0; h < 2; h++) {
            long ql = block + Q6_K_QL + 64 * h;
            long qh = block + Q6_K_QH + 32 * h;
            int e = o + 128 * h;
            for (int l = 0; l < 32; l++) {
                int lo = u8(data, ql + l);
                int hi = u8(data, ql + l + 32);
                int bits = u8(data, qh + l);
                int q1 = ((lo & 0xF) | (bits & 3) << 4) - 32;
                int q2 = ((hi & 0xF) | (bits >>> 2 & 3) << 4) - 32;
                int q3 = ((lo >>> 4) | (bits >>> 4 & 3) << 4) - 32;
                int q4 = ((hi >>> 4) | (bits >>> 6) << 4) - 32;
                out[e + l] = d * q6kScale(data, block, 8 * h + l / 16) * q1;
                out[e + l + 32] = d * q6kScale(data, block, 8 * h + l / 16 + 2) * q2;
                out[e + l + 64] = d * q6kScale(data, block, 8 * h + l / 16 + 4) * q3;
                out[e + l + 96] = d * q6kScale(data, block, 8 * h + l / 16 + 6) * q4;
            }
        }
    }

    private static int q6kScale(MemorySegment data, long block, int group) {
        return s8(data, block + Q6_K_SCALES + group);
    }

    @Override
    public float dot(float[] a, int aOffset, float[] b, int bOffset, int n) {
        KernelArgs.range("a", a, aOffset, n);
        KernelArgs.range("b", b, bOffset, n);
        double sum = 0;
        for (int i = 0; i < n; i++) {
            sum += (double) a[aOffset + i] * b[bOffset + i];
        }
        return (float) sum;
    }

    @Override
    public void axpy(float alpha, float[] x, int xOffset, float[] y, int yOffset, int n) {
        KernelArgs.range("x", x, xOffset, n);
        KernelArgs.range("y", y, yOffset, n);
        for (int i = 0; i < n; i++) {
            y[yOffset + i] = Math.fma(alpha, x[xOffset + i], y[yOffset + i]);
        }
    }
}
