package dev.shadowattn.host.attention;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;

import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Each Vector API kernel against the scalar reference, on random units and every row-group shape. */
class AttentionKernelsTest {

    private static final int UNIT = AttentionKernels.UNIT;
    private final AttentionKernels scalar = new ScalarAttentionKernels();
    private final AttentionKernels vector = new VectorAttentionKernels();

    private static MemorySegment randomChunk(Arena arena, KvLayout layout, Random rnd) {
        MemorySegment chunk = arena.allocate(layout.chunkBytes(), KvLayout.ALIGN);
        long floats = layout.chunkBytes() / 4;
        for (long i = 0; i < floats; i++) {
            chunk.setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) rnd.nextGaussian());
        }
        return chunk;
    }

    private static float[] gaussian(Random rnd, int n, double scale) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) (rnd.nextGaussian() * scale);
        }
        return a;
    }

    @ParameterizedTest(name = "headDim {0}, rows {1}")
    @CsvSource({"64,1", "64,2", "64,3", "64,4", "64,5", "64,6", "64,7", "64,9", "64,48", "128,3", "128,12",
            "8,3", "8,5", "24,6", "24,7", "40,1"})
    void scoresMatchScalar(int dim, int rows) {
        Random rnd = new Random(dim * 31L + rows);
        KvLayout layout = new KvLayout(2, dim);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment chunk = randomChunk(arena, layout, rnd);
            float[] q = gaussian(rnd, rows * dim, 1);
            float[] expected = new float[rows * UNIT];
            float[] actual = new float[rows * UNIT];
            scalar.scores(q, rows, dim, chunk, layout.kOffset(1), expected);
            vector.scores(q, rows, dim, chunk, layout.kOffset(1), actual);
            for (int i = 0; i < expected.length; i++) {
                assertEquals(expected[i], actual[i], 1e-4 * Math.sqrt(dim), "score " + i);
            }
        }
    }

    @ParameterizedTest(name = "rows {0}")
    @CsvSource({"1", "3", "4", "7"})
    void softmaxMatchesScalar(int rows) {
        Random rnd = new Random(rows);
        float[] s = gaussian(rnd, rows * UNIT, 20);
        // Row 0 partly masked, the last row fully masked with no previous max, row 1 (if any) fully masked
        // with a previous max.
        for (int j = 40; j < UNIT; j++) {
            s[j] = Float.NEGATIVE_INFINITY;
        }
        float[] max = new float[rows];
        float[] sum = new float[rows];
        for (int r = 0; r < rows; r++) {
            max[r] = r % 2 == 0 ? Float.NEGATIVE_INFINITY : (float) rnd.nextGaussian() * 20;
            sum[r] = max[r] == Float.NEGATIVE_INFINITY ? 0 : 3.5f;
        }
        if (rows > 1) {
            max[rows - 1] = Float.NEGATIVE_INFINITY;
            sum[rows - 1] = 0;
            java.util.Arrays.fill(s, (rows - 1) * UNIT, rows * UNIT, Float.NEGATIVE_INFINITY);
            max[1] = 5f;
            sum[1] = 2f;
            java.util.Arrays.fill(s, UNIT, 2 * UNIT, Float.NEGATIVE_INFINITY);
        }
        float[] s2 = s.clone();
        float[] max2 = max.clone();
        float[] sum2 = sum.clone();
        float[] alpha = new float[rows];
        float[] alpha2 = new float[rows];
        scalar.softmax(s, rows, max, sum, alpha);
        vector.softmax(s2, rows, max2, sum2, alpha2);
        for (int r = 0; r < rows; r++) {
            assertEquals(max[r], max2[r], 0f, "max " + r);
            assertEquals(sum[r], sum2[r], 1e-5 * Math.max(1, sum[r]), "sum " + r);
            assertEquals(alpha[r], alpha2[r], 1e-6, "alpha " + r);
        }
        for (int i = 0; i < s.length; i++) {
            assertEquals(s[i], s2[i], 1e-6 * Math.max(1, s[i]), "p " + i);
            assertTrue(s2[i] >= 0 && s2[i] <= 1, "p in [0,1]");
            if (i < UNIT && i >= 40) {
                assertEquals(0f, s2[i], "masked key has probability exactly 0");
            }
        }
        if (rows > 1) {
            assertEquals(1f, alpha2[rows - 1]);
            assertEquals(0f, sum2[rows - 1]);
            assertEquals(5f, max2[1]);
            assertEquals(2f, sum2[1], 0f);
        }
    }

    @Test
    void exp2IsAccurateAndUnderflowsToZero() {
        int lanes = VectorAttentionKernels.lanes();
        float[] x = new float[lanes];
        float[] y = new float[lanes];
        double worst = 0;
        for (int i = 0; i < 200_000; i++) {
            for (int l = 0; l < lanes; l++) {
                x[l] = -130f * (i * lanes + l) / (200_000f * lanes);
            }
            VectorAttentionKernels.exp2(FloatVector.fromArray(FloatVector.SPECIES_PREFERRED.length() > 16
                    ? FloatVector.SPECIES_512 : FloatVector.SPECIES_PREFERRED, x, 0)).intoArray(y, 0);
            for (int l = 0; l < lanes; l++) {
                double expected = Math.pow(2, x[l]);
                if (x[l] > -126) {
                    worst = Math.max(worst, Math.abs(y[l] - expected) / expected);
                } else if (x[l] <= -127.5f) {
                    assertEquals(0f, y[l], "2^" + x[l]);
                }
            }
        }
        assertTrue(worst < 5e-7, "relative error " + worst);
        float[] inf = new float[lanes];
        java.util.Arrays.fill(inf, Float.NEGATIVE_INFINITY);
        VectorAttentionKernels.exp2(FloatVector.fromArray(FloatVector.SPECIES_PREFERRED.length() > 16
                ? FloatVector.SPECIES_512 : FloatVector.SPECIES_PREFERRED, inf, 0)).intoArray(y, 0);
        for (float f : y) {
            assertEquals(0f, f);
        }
    }

    @ParameterizedTest(name = "headDim {0}, rows {1}")
    @CsvSource({"64,1", "64,2", "64,3", "64,4", "64,6", "64,7", "64,48", "128,3", "128,5", "8,3", "8,4",
            "24,6", "24,5", "40,2", "200,3"})
    void accumulateMatchesScalar(int dim, int rows) {
        Random rnd = new Random(dim * 17L + rows);
        KvLayout layout = new KvLayout(2, dim);
        int stride = layout.vStride();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment chunk = randomChunk(arena, layout, rnd);
            float[] p = new float[rows * UNIT];
            for (int i = 0; i < p.length; i++) {
                p[i] = rnd.nextFloat();
            }
            float[] alpha = new float[rows];
            for (int r = 0; r < rows; r++) {
                alpha[r] = r % 3 == 0 ? 1f : rnd.nextFloat();
            }
            float[] expected = gaussian(rnd, rows * stride, 5);
            float[] actual = expected.clone();
            scalar.accumulate(p, alpha, rows, chunk, layout.vOffset(1), stride, expected);
            vector.accumulate(p, alpha, rows, chunk, layout.vOffset(1), stride, actual);
            for (int i = 0; i < expected.length; i++) {
                assertEquals(expected[i], actual[i], 2e-4 * Math.max(1, Math.abs(expected[i])), "acc " + i);
            }
        }
    }

    @Test
    void touchReadsTheFirstVectorOfEveryLineInRange() {
        int lanes = VectorAttentionKernels.lanes();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment seg = arena.allocate(64 * 40, 64);
            for (int i = 0; i < 16 * 40; i++) {
                seg.setAtIndex(ValueLayout.JAVA_FLOAT, i, i % 7);
            }
            float expect = 0f;
            for (int line = 2; line < 32; line++) {
                for (int j = 0; j < lanes; j++) {
                    expect += (line * 16 + j) % 7;
                }
            }
            assertEquals(expect, vector.touch(seg, 128, 30 * 64), 1e-3f);
            assertEquals(0f, scalar.touch(seg, 128, 30 * 64));
            // The segment's last line, and an empty range: no read past the end.
            float last = 0f;
            for (int j = 0; j < lanes; j++) {
                last += (39 * 16 + j) % 7;
            }
            assertEquals(last, vector.touch(seg, 39 * 64, 64), 1e-3f);
            assertEquals(0f, vector.touch(seg, 40 * 64, 0));
        }
    }

    @Test
    void selectHonoursTheName() {
        assertEquals("scalar", AttentionKernels.select("scalar").name());
        assertTrue(AttentionKernels.select("vector").name().startsWith("vector"));
        assertTrue(AttentionKernels.select("AUTO").name().startsWith("vector"), "the Vector API is present in tests");
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> AttentionKernels.select("simd"));
        assertTrue(e.getMessage().contains("kernels=simd"), e.getMessage());
    }
}
