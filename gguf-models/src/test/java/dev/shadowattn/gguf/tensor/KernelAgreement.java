package dev.shadowattn.gguf.tensor;

import dev.shadowattn.gguf.GgmlType;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Checks an implementation against the scalar reference on random tensors: dequantize bit for bit, dot and dotBatch
 * within float rounding. Shared by {@link VectorAgreementTest} and {@link AgreementMain} (run in JVMs with other
 * vector widths).
 */
final class KernelAgreement {

    static final GgmlType[] TYPES = {
            GgmlType.F32, GgmlType.F16, GgmlType.BF16, GgmlType.Q8_0, GgmlType.Q4_0, GgmlType.Q4_K, GgmlType.Q6_K};

    /** Batch sizes of dotBatch: single row, partial tiles, whole tiles, tile + 1, many. */
    static final int[] BATCHES = {1, 2, 3, 4, 5, 8, 17};

    private final TensorKernels ref = TensorKernels.scalar();
    private final TensorKernels k;
    private final Random rnd;

    KernelAgreement(TensorKernels k, long seed) {
        this.k = k;
        this.rnd = new Random(seed);
    }

    /** Row lengths to test for {@code type}: whole blocks, and for block size 1 also lengths with vector tails. */
    static int[] lengths(GgmlType type) {
        return type.blockSize() == 1
                ? new int[]{1, 7, 8, 15, 16, 17, 31, 33, 63, 64, 65, 100, 384, 1000, 1024}
                : type.blockSize() == 32 ? new int[]{32, 64, 96, 384, 1024} : new int[]{256, 512, 768, 1024};
    }

    void all() {
        for (GgmlType type : TYPES) {
            type(type);
        }
        floats();
    }

    void type(GgmlType type) {
        try (Arena arena = Arena.ofConfined()) {
            for (int n : lengths(type)) {
                int rows = 3;
                MemorySegment data = Blocks.segment(arena,
                        Blocks.random(type, (int) (rows * (long) n / type.blockSize()), rnd));
                for (int row = 0; row < rows; row++) {
                    long elementOffset = (long) row * n;
                    dequantize(type, data, elementOffset, n);
                    dot(type, data, elementOffset, n);
                }
                for (int batch : BATCHES) {
                    dotBatch(type, data, (long) (rows - 1) * n, n, batch);
                }
            }
        }
    }

    void dequantize(GgmlType type, MemorySegment data, long elementOffset, int n) {
        int outOffset = 1 + rnd.nextInt(5);
        float[] want = new float[n + outOffset + 2];
        float[] got = new float[n + outOffset + 2];
        Arrays.fill(want, 42f);
        Arrays.fill(got, 42f);
        ref.dequantize(type, data, elementOffset, want, outOffset, n);
        k.dequantize(type, data, elementOffset, got, outOffset, n);
        assertArrayEquals(want, got, 0f, k + " dequantize " + type + " n=" + n + " at " + elementOffset);
        assertEquals(42f, got[outOffset - 1]);
        assertEquals(42f, got[outOffset + n]);
    }

    void dot(GgmlType type, MemorySegment data, long elementOffset, int n) {
        int xOffset = rnd.nextInt(7);
        float[] x = Blocks.randomFloats(n + xOffset, rnd);
        float want = ref.dot(type, data, elementOffset, x, xOffset, n);
        float got = k.dot(type, data, elementOffset, x, xOffset, n);
        assertClose(want, got, magnitude(type, data, elementOffset, x, xOffset, n),
                k + " dot " + type + " n=" + n + " at " + elementOffset);
    }

    void dotBatch(GgmlType type, MemorySegment data, long elementOffset, int n, int batch) {
        int xOffset = rnd.nextInt(5);
        int xStride = switch (rnd.nextInt(3)) {
            case 0 -> n;
            case 1 -> n + 1 + rnd.nextInt(9);
            default -> batch == 1 ? 0 : n / 2;              // overlapping rows are allowed
        };
        int outOffset = rnd.nextInt(4);
        int outStride = 1 + rnd.nextInt(3);
        float[] x = Blocks.randomFloats(xOffset + (batch - 1) * xStride + n, rnd);
        float[] out = new float[outOffset + (batch - 1) * outStride + 2];
        Arrays.fill(out, Float.NaN);
        k.dotBatch(type, data, elementOffset, n, x, xOffset, xStride, batch, out, outOffset, outStride);
        String what = k + " dotBatch " + type + " n=" + n + " batch=" + batch + " xStride=" + xStride
                + " outStride=" + outStride;
        for (int i = 0; i < out.length; i++) {
            int b = (i - outOffset) / outStride;
            boolean written = i >= outOffset && (i - outOffset) % outStride == 0 && b < batch;
            if (!written) {
                assertTrue(Float.isNaN(out[i]), what + ": wrote out[" + i + "] outside the rows");
                continue;
            }
            int xo = xOffset + b * xStride;
            float want = ref.dot(type, data, elementOffset, x, xo, n);
            assertClose(want, out[i], magnitude(type, data, elementOffset, x, xo, n), what + " row " + b);
            assertClose(k.dot(type, data, elementOffset, x, xo, n), out[i],
                    magnitude(type, data, elementOffset, x, xo, n), what + " row " + b + " vs own dot");
        }
    }

    void floats() {
        for (int n : lengths(GgmlType.F32)) {
            int ao = rnd.nextInt(5), bo = rnd.nextInt(5);
            float[] a = Blocks.randomFloats(n + ao, rnd);
            float[] b = Blocks.randomFloats(n + bo, rnd);
            double mag = 0;
            for (int i = 0; i < n; i++) {
                mag += Math.abs((double) a[ao + i] * b[bo + i]);
            }
            assertClose(ref.dot(a, ao, b, bo, n), k.dot(a, ao, b, bo, n), mag, k + " float dot n=" + n);

            float alpha = (float) rnd.nextGaussian();
            float[] want = b.clone();
            float[] got = b.clone();
            ref.axpy(alpha, a, ao, want, bo, n);
            k.axpy(alpha, a, ao, got, bo, n);
            assertArrayEquals(want, got, 0f, k + " axpy n=" + n);
        }
    }

    /** Sum of |w_i x_i|, the scale of the rounding error of any summation order. */
    private double magnitude(GgmlType type, MemorySegment data, long elementOffset, float[] x, int xOffset, int n) {
        float[] w = new float[n];
        ref.dequantize(type, data, elementOffset, w, 0, n);
        double sum = 0;
        for (int i = 0; i < n; i++) {
            sum += Math.abs((double) w[i] * x[xOffset + i]);
        }
        return sum;
    }

    /** Float summation in any order is within about n * 2^-24 of the sum of magnitudes; allow 1e-5 relative. */
    static void assertClose(float want, float got, double magnitude, String what) {
        if (!(Math.abs((double) want - got) <= 1e-5 * magnitude + 1e-30)) {
            fail(what + ": expected " + want + " got " + got + " (magnitude " + magnitude + ")");
        }
    }
}
