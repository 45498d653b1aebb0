package dev.shadowattn.plugin.kernel;

import dev.shadowattn.plugin.cache.KeyLayout;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every Vector API kernel against the scalar reference, on random data of several shapes. */
class KernelsTest {

    private final ScalarKernels ref = new ScalarKernels();
    private VectorKernels vec;

    @BeforeEach
    void setUp() {
        Assumptions.assumeTrue(KernelProvider.vectorModulePresent() && VectorKernels.supports(64),
                "Vector API kernels are not supported on this machine");
        vec = new VectorKernels();
    }

    /** Random keys in the cache layouts for {@code keys} positions. */
    private record Keys(MemorySegment k, MemorySegment k8, MemorySegment scales, MemorySegment v,
                        MemorySegment summaries, int d, int keys, int block) {

        static Keys random(Arena arena, Random rnd, int d, int keys, int block) {
            int groups = KeyLayout.groupsFor(keys);
            MemorySegment k = arena.allocate(KeyLayout.keyOffset(groups, 0, d), 64);
            MemorySegment k8 = arena.allocate(KeyLayout.key8Offset(groups, 0, d), 64);
            MemorySegment scales = arena.allocate((long) groups * 4, 64);
            MemorySegment v = arena.allocate(KeyLayout.valueOffset(groups * 16, d), 64);
            int blocks = (keys + block - 1) / block;
            MemorySegment sum = arena.allocate(KeyLayout.summaryBytes(blocks, d), 64);
            for (int g = 0; g < groups; g++) {
                scales.setAtIndex(ValueLayout.JAVA_FLOAT, g, 0.01f + rnd.nextFloat() * 0.05f);
                for (int c = 0; c < d; c++) {
                    for (int lane = 0; lane < 16; lane++) {
                        k.set(ValueLayout.JAVA_FLOAT, KeyLayout.keyOffset(g, c, d) + lane * 4L,
                                (float) rnd.nextGaussian());
                        k8.set(ValueLayout.JAVA_BYTE, KeyLayout.key8Offset(g, c, d) + lane,
                                (byte) (rnd.nextInt(255) - 127));
                    }
                }
            }
            for (long i = 0; i < v.byteSize() / 4; i++) {
                v.setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) rnd.nextGaussian());
            }
            for (int b = 0; b < blocks; b++) {
                for (int c = 0; c < d; c++) {
                    float a = (float) rnd.nextGaussian();
                    float e = (float) rnd.nextGaussian();
                    sum.set(ValueLayout.JAVA_FLOAT, KeyLayout.summaryOffset(b, c, false, d), Math.min(a, e));
                    sum.set(ValueLayout.JAVA_FLOAT, KeyLayout.summaryOffset(b, c, true, d), Math.max(a, e));
                }
            }
            return new Keys(k, k8, scales, v, sum, d, keys, block);
        }
    }

    private static float[] gaussian(Random rnd, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) rnd.nextGaussian();
        }
        return x;
    }

    private static float[] int8(Random rnd, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = rnd.nextInt(255) - 127;
        }
        return x;
    }

    private static void assertClose(float[] expect, float[] actual, double tol, String what) {
        assertEquals(expect.length, actual.length, what);
        for (int i = 0; i < expect.length; i++) {
            double scale = Math.max(1.0, Math.abs(expect[i]));
            assertTrue(Math.abs(expect[i] - actual[i]) <= tol * scale,
                    what + " at " + i + ": expected " + expect[i] + " got " + actual[i]);
        }
    }

    @Test
    void maxAbs() {
        Random rnd = new Random(1);
        float[] x = gaussian(rnd, 203);
        for (int len : new int[]{0, 1, 15, 16, 17, 64, 200}) {
            assertEquals(ref.maxAbs(x, 3, len), vec.maxAbs(x, 3, len), "len " + len);
        }
        x[150] = Float.NaN;
        assertTrue(Float.isNaN(vec.maxAbs(x, 0, 203)));
        x[150] = Float.NEGATIVE_INFINITY;
        assertEquals(Float.POSITIVE_INFINITY, vec.maxAbs(x, 0, 203));
    }

    @Test
    void maxMatchesReference() {
        Random rnd = new Random(2);
        float[] x = gaussian(rnd, 203);
        for (int len : new int[]{0, 1, 2, 15, 16, 31, 32, 33, 64, 200}) {
            assertEquals(ref.max(x, 3, len), vec.max(x, 3, len), "len " + len);
        }
        assertEquals(Float.NEGATIVE_INFINITY, vec.max(x, 5, 0));
        java.util.Arrays.fill(x, Float.NEGATIVE_INFINITY);
        x[77] = -3f;
        assertEquals(-3f, vec.max(x, 0, 203));
        x[150] = Float.NaN;
        assertTrue(Float.isNaN(ref.max(x, 0, 203)));
        assertTrue(Float.isNaN(vec.max(x, 0, 203)));
        assertEquals(-3f, vec.max(x, 0, 150), "the NaN lies outside the range");
    }

    @ParameterizedTest
    @CsvSource({"64,1,100", "64,3,64", "64,5,33", "128,4,80", "128,7,17", "32,2,48",
            // four groups at a time (3 and 4 queries, a second pass of queries, a single group left over)
            "64,3,150", "128,3,90", "64,7,100", "128,6,130", "64,8,70"})
    void scoreInt8IsExactInteger(int d, int m, int keys) {
        Random rnd = new Random(d * 31 + m);
        try (Arena arena = Arena.ofConfined()) {
            Keys kk = Keys.random(arena, rnd, d, keys, 16);
            float[] q = int8(rnd, 3 + m * d);
            float[] qs = new float[m + 2];
            for (int i = 0; i < qs.length; i++) {
                qs[i] = 0.02f + rnd.nextFloat() * 0.01f;
            }
            int groups = KeyLayout.groupsFor(keys);
            int g0 = groups > 2 ? 1 : 0;
            int stride = (groups - g0) * 16 + 5;
            float[] a = new float[2 + m * stride];
            float[] b = new float[2 + m * stride];
            float[] bias = m % 2 == 0 ? null : gaussian(rnd, m + 2);
            ref.scoreInt8(q, 3, m, qs, bias, 1, kk.k8(), kk.scales(), d, g0, groups, a, 2, stride);
            vec.scoreInt8(q, 3, m, qs, bias, 1, kk.k8(), kk.scales(), d, g0, groups, b, 2, stride);
            // The integer dot product is exact in both; only the final scaling (one fma) rounds, identically.
            assertArrayEquals(a, b);
            float[] ma = new float[(groups - g0) * 16 + 1];
            float[] mb = new float[ma.length];
            ref.scoreInt8Max(q, 3, m, qs, bias, 1, kk.k8(), kk.scales(), d, g0, groups, ma, 1);
            vec.scoreInt8Max(q, 3, m, qs, bias, 1, kk.k8(), kk.scales(), d, g0, groups, mb, 1);
            assertArrayEquals(ma, mb);
        }
    }

    @ParameterizedTest
    @CsvSource({"64,1,100", "64,3,64", "64,6,40", "128,4,80", "128,9,17", "32,2,48", "64,7,50", "128,3,33"})
    void scoreExactAndBounds(int d, int m, int keys) {
        Random rnd = new Random(d * 17 + m);
        try (Arena arena = Arena.ofConfined()) {
            Keys kk = Keys.random(arena, rnd, d, keys, 32);
            float[] q = gaussian(rnd, 1 + m * d);
            int groups = KeyLayout.groupsFor(keys);
            int stride = groups * 16;
            float[] a = new float[m * stride];
            float[] b = new float[m * stride];
            ref.scoreExact(q, 1, m, kk.k(), d, 0, groups, a, 0, stride);
            vec.scoreExact(q, 1, m, kk.k(), d, 0, groups, b, 0, stride);
            assertClose(a, b, 1e-5, "scoreExact");
            float[] ma = new float[stride];
            float[] mb = new float[stride];
            ref.scoreExactMax(q, 1, m, kk.k(), d, 0, groups, ma, 0);
            vec.scoreExactMax(q, 1, m, kk.k(), d, 0, groups, mb, 0);
            assertClose(ma, mb, 1e-5, "scoreExactMax");
            int blocks = (keys + 31) / 32;
            float[] ba = new float[blocks + 2];
            float[] bb = new float[blocks + 2];
            ref.blockBounds(q, 1, m, kk.summaries(), d, 0, blocks, ba, 2);
            vec.blockBounds(q, 1, m, kk.summaries(), d, 0, blocks, bb, 2);
            assertClose(ba, bb, 1e-5, "blockBounds");
        }
    }

    @ParameterizedTest
    @CsvSource({"64,3", "64,1", "128,4", "32,6", "64,7"})
    void blockBoundsOverAnyRangeEqualReference(int d, int m) {
        Random rnd = new Random(d * 7 + m);
        try (Arena arena = Arena.ofConfined()) {
            Keys kk = Keys.random(arena, rnd, d, 70 * 16, 16);
            float[] q = gaussian(rnd, 2 + m * d);
            q[2] = 0f;
            q[3] = -0f;
            for (int[] r : new int[][]{{0, 70}, {5, 21}, {16, 32}, {17, 18}, {33, 70}, {64, 70}, {9, 9}}) {
                float[] a = new float[r[1] - r[0] + 3];
                float[] b = new float[a.length];
                ref.blockBounds(q, 2, m, kk.summaries(), d, r[0], r[1], a, 3);
                vec.blockBounds(q, 2, m, kk.summaries(), d, r[0], r[1], b, 3);
                // Same products, summed in the same order: identical, and nothing written outside the range.
                assertArrayEquals(a, b, "blocks " + r[0] + ".." + r[1]);
            }
        }
    }

    @Test
    void blockBoundsBoundEveryKey() {
        Random rnd = new Random(5);
        int d = 64;
        int block = 32;
        try (Arena arena = Arena.ofConfined()) {
            Keys kk = Keys.random(arena, rnd, d, 128, block);
            // Build true summaries from the float keys.
            for (int b = 0; b < 4; b++) {
                for (int c = 0; c < d; c++) {
                    float lo = Float.POSITIVE_INFINITY;
                    float hi = Float.NEGATIVE_INFINITY;
                    for (int j = b * block; j < (b + 1) * block; j++) {
                        float x = kk.k().get(ValueLayout.JAVA_FLOAT, KeyLayout.keyOffset(j >> 4, c, d) + (j & 15) * 4L);
                        lo = Math.min(lo, x);
                        hi = Math.max(hi, x);
                    }
                    kk.summaries().set(ValueLayout.JAVA_FLOAT, KeyLayout.summaryOffset(b, c, false, d), lo);
                    kk.summaries().set(ValueLayout.JAVA_FLOAT, KeyLayout.summaryOffset(b, c, true, d), hi);
                }
            }
            float[] q = gaussian(rnd, 3 * d);
            float[] bounds = new float[4];
            float[] scores = new float[128];
            vec.blockBounds(q, 0, 3, kk.summaries(), d, 0, 4, bounds, 0);
            vec.scoreExactMax(q, 0, 3, kk.k(), d, 0, 8, scores, 0);
            for (int j = 0; j < 128; j++) {
                assertTrue(scores[j] <= bounds[j / block] + 1e-4, "key " + j + " above its block bound");
            }
        }
    }

    @ParameterizedTest
    @CsvSource({"100,20", "5000,1000", "5000,1", "20000,4000", "20000,19999", "3000,3000", "7,9", "40000,39",
            "800,160", "1024,205", "769,1", "2000,1999"})
    void selectTopKMatchesReference(int n, int k) {
        Random rnd = new Random(n + k);
        SelectScratch s1 = new SelectScratch();
        SelectScratch s2 = new SelectScratch();
        for (int variant = 0; variant < 6; variant++) {
            float[] x = new float[n];
            for (int i = 0; i < n; i++) {
                x[i] = switch (variant) {
                    case 0 -> (float) rnd.nextGaussian();
                    case 1 -> rnd.nextInt(7) - 3;            // heavy ties
                    case 2 -> (i % 3 == 0) ? -0.0f : 0.0f;   // signed zeros tie
                    case 3 -> i % 97 == 0 ? Float.POSITIVE_INFINITY : (float) rnd.nextGaussian();
                    case 4 -> i % 5 == 0 ? Float.NEGATIVE_INFINITY : (float) rnd.nextGaussian();
                    default -> (float) (rnd.nextGaussian() * 1e-30 + (i % 2 == 0 ? 1e30 : 0));
                };
            }
            int[] a = new int[n];
            int[] b = new int[n];
            int ca = ref.selectTopK(x, n, k, a, s1);
            int cb = vec.selectTopK(x, n, k, b, s2);
            assertEquals(Math.min(k, n), ca);
            assertEquals(ca, cb, "variant " + variant);
            assertArrayEquals(Arrays.copyOf(a, ca), Arrays.copyOf(b, cb), "variant " + variant);
        }
    }

    @ParameterizedTest
    @CsvSource({"100,20", "5000,1000", "20000,4000", "7,9", "64,13", "128,128", "769,1", "2000,1999", "1000,0"})
    void selectBitsMatchesSelectTopK(int n, int k) {
        Random rnd = new Random(31L * n + k);
        int words = (n + 63) >>> 6;
        for (int variant = 0; variant < 3; variant++) {
            float[] x = new float[n];
            for (int i = 0; i < n; i++) {
                x[i] = switch (variant) {
                    case 0 -> (float) rnd.nextGaussian();
                    case 1 -> rnd.nextInt(7) - 3;  // heavy ties: the lowest indices win
                    default -> i % 97 == 0 ? Float.POSITIVE_INFINITY : (float) rnd.nextGaussian();
                };
            }
            int[] idx = new int[n];
            int count = ref.selectTopK(x, n, k, idx, new SelectScratch());
            long[] expect = new long[words + 2];
            for (int i = 0; i < count; i++) {
                expect[1 + (idx[i] >>> 6)] |= 1L << idx[i];
            }
            for (AttentionKernels kernels : new AttentionKernels[]{ref, vec}) {
                long[] bits = new long[words + 2];
                Arrays.fill(bits, 0x5555_5555_5555_5555L); // stale bits inside the range must be cleared
                bits[0] = 7L;
                bits[words + 1] = 9L;
                kernels.selectBits(x, 0, n, k, bits, 1, new SelectScratch());
                expect[0] = 7L;
                expect[words + 1] = 9L;
                assertArrayEquals(expect, bits, kernels.name() + " variant " + variant);
                // The same scores at an offset in a larger array.
                float[] shifted = new float[n + 21];
                Arrays.fill(shifted, Float.POSITIVE_INFINITY);
                System.arraycopy(x, 0, shifted, 13, n);
                long[] again = new long[words + 2];
                again[0] = 7L;
                again[words + 1] = 9L;
                kernels.selectBits(shifted, 13, n, k, again, 1, new SelectScratch());
                assertArrayEquals(expect, again, kernels.name() + " variant " + variant + " at an offset");
            }
        }
    }

    /** Random bit sets of {@code heads} heads over {@code keys} keys: about {@code density} of them set. */
    private static long[] randomBits(Random rnd, int heads, int keys, double density) {
        int words = (keys + 63) >>> 6;
        long[] bits = new long[heads * words];
        for (int h = 0; h < heads; h++) {
            for (int j = 0; j < keys; j++) {
                if (rnd.nextDouble() < density) {
                    bits[h * words + (j >>> 6)] |= 1L << j;
                }
            }
        }
        return bits;
    }

    @ParameterizedTest
    @CsvSource({"64,3,0.2", "64,1,0.2", "64,4,0.3", "128,3,0.2", "128,5,0.1", "32,2,0.5", "64,3,1.0",
            "64,8,0.05", "16,3,0.2"})
    void attendKeysMatchesReference(int d, int heads, double density) {
        Assumptions.assumeTrue(VectorKernels.supports(d));
        Random rnd = new Random(d * 17L + heads);
        int keys = 1500;
        int words = (keys + 63) >>> 6;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment kRows = arena.allocate((long) keys * d * 4, 64);
            MemorySegment v = arena.allocate((long) keys * d * 4, 64);
            for (long i = 0; i < (long) keys * d; i++) {
                kRows.setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) rnd.nextGaussian());
                v.setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) rnd.nextGaussian());
            }
            float[] q = gaussian(rnd, 5 + heads * d);
            long[] bits = randomBits(rnd, heads, keys, density);
            if (heads > 1) {
                Arrays.fill(bits, words, 2 * words, 0L); // head 1 selects nothing
            }
            float[] a = new float[1 + heads * d];
            float[] b = new float[1 + heads * d];
            ref.attendKeys(q, 5, heads, bits, 0, words, kRows, v, d, a, 1, new AttendScratch());
            AttendScratch scratch = new AttendScratch();
            vec.attendKeys(q, 5, heads, bits, 0, words, kRows, v, d, b, 1, scratch);
            assertClose(a, b, 2e-5, "attendKeys");
            // The same bit sets at an offset, after another row's.
            long[] shifted = new long[3 + bits.length];
            Arrays.fill(shifted, 0, 3, -1L);
            System.arraycopy(bits, 0, shifted, 3, bits.length);
            float[] e = new float[b.length];
            vec.attendKeys(q, 5, heads, shifted, 3, words, kRows, v, d, e, 1, new AttendScratch());
            assertClose(b, e, 1e-5, "attendKeys at a bit offset"); // JIT tiers may differ in rounding (F4)
            if (heads > 1) {
                assertArrayEquals(new float[d], Arrays.copyOfRange(b, 1 + d, 1 + 2 * d), "a head with no keys");
            }
            float[] c = new float[b.length];
            vec.attendKeys(q, 5, heads, bits, 0, words, kRows, v, d, c, 1, scratch);
            // Stale scratch must not leak in. (Not bit for bit: reduceLanes may add in another order once C2
            // compiles the kernel between the two calls, finding F4 in docs/ROBUSTNESS.md.)
            assertClose(b, c, 1e-5, "reusing the scratch");
        }
    }

    /** Row-major attention over single keys equals the grouped kernel given the same keys as lane masks. */
    @Test
    void attendKeysEqualsGroupedAttendOverTheSameKeys() {
        Random rnd = new Random(77);
        int d = 64;
        int heads = 3;
        int keys = 1000;
        int words = (keys + 63) >>> 6;
        try (Arena arena = Arena.ofConfined()) {
            Keys kk = Keys.random(arena, rnd, d, keys, 16);
            MemorySegment kRows = arena.allocate((long) keys * d * 4, 64);
            for (int j = 0; j < keys; j++) {
                for (int c = 0; c < d; c++) {
                    kRows.setAtIndex(ValueLayout.JAVA_FLOAT, (long) j * d + c, kk.k().get(ValueLayout.JAVA_FLOAT,
                            KeyLayout.keyOffset(j >>> 4, c, d) + (j & 15) * 4L));
                }
            }
            float[] q = gaussian(rnd, heads * d);
            long[] bits = randomBits(rnd, heads, keys, 0.2);
            int groups = KeyLayout.groupsFor(keys);
            int[] list = new int[groups];
            int[] masks = new int[heads * groups];
            for (int g = 0; g < groups; g++) {
                list[g] = g;
                for (int h = 0; h < heads; h++) {
                    masks[h * groups + g] = (int) (bits[h * words + (g >>> 2)] >>> ((g & 3) * 16)) & 0xFFFF;
                }
            }
            int[] pos = new int[heads];
            Arrays.fill(pos, keys - 1);
            float[] a = new float[heads * d];
            float[] b = new float[heads * d];
            vec.attend(q, 0, heads, pos, 0, kk.k(), kk.v(), d, list, masks, groups, groups, a, 0, new AttendScratch());
            vec.attendKeys(q, 0, heads, bits, 0, words, kRows, kk.v(), d, b, 0, new AttendScratch());
            assertClose(a, b, 2e-5, "attendKeys vs attend");
        }
    }

    @Test
    void touchBlocksReadsTheFirstVectorOfEveryLineOfTheListedBlocks() {
        try (Arena arena = Arena.ofConfined()) {
            int linesPerBlock = 4;
            long blockBytes = linesPerBlock * 64;
            MemorySegment seg = arena.allocate(blockBytes * 10, 64);
            for (int i = 0; i < 16 * linesPerBlock * 10; i++) {
                seg.setAtIndex(ValueLayout.JAVA_FLOAT, i, i % 5);
            }
            // Block 9 is the segment's last: nothing may be read past it. {5, 5} is empty.
            int[] blocks = {9, 3, 0, 7, 4, 6, 1, 8, 2};
            for (int[] r : new int[][]{{1, 4}, {0, 6}, {2, 3}, {5, 5}, {0, 9}, {1, 9}, {0, 8}}) {
                float expect = 0f;
                for (int i = r[0]; i < r[1]; i++) {
                    for (int line = 0; line < linesPerBlock; line++) {
                        int first = (blocks[i] * linesPerBlock + line) * 16;
                        for (int j = 0; j < VectorKernels.L; j++) {
                            expect += (first + j) % 5;
                        }
                    }
                }
                assertEquals(expect, vec.touchBlocks(seg, blocks, r[0], r[1], blockBytes), 1e-3f,
                        "blocks " + r[0] + ".." + r[1]);
                assertEquals(0f, ref.touchBlocks(seg, blocks, r[0], r[1], blockBytes));
            }
        }
    }

    @Test
    void selectTopKReferenceKeepsLargestWithLowIndexTies() {
        float[] x = {1f, 5f, 3f, 5f, 2f, 3f};
        int[] out = new int[6];
        assertEquals(3, ref.selectTopK(x, 6, 3, out, new SelectScratch()));
        assertArrayEquals(new int[]{1, 2, 3}, Arrays.copyOf(out, 3));
        assertEquals(0, ref.selectTopK(x, 6, 0, out, new SelectScratch()));
        assertEquals(0, vec.selectTopK(x, 0, 3, out, new SelectScratch()));
    }

    @ParameterizedTest
    @CsvSource({"64,1,1", "64,3,0", "64,4,1", "64,7,0", "128,1,0", "128,6,1", "32,2,1"})
    void attendMatchesReference(int d, int m, int withMasks) {
        Random rnd = new Random(d + 13L * m + withMasks);
        int keys = 700;
        try (Arena arena = Arena.ofConfined()) {
            Keys kk = Keys.random(arena, rnd, d, keys, 16);
            float[] q = gaussian(rnd, 2 + m * d);
            int[] pos = new int[m + 1];
            for (int i = 0; i < m; i++) {
                pos[i + 1] = 400 + rnd.nextInt(300);
            }
            // An ascending list of groups with random lane masks (some empty), covering chunk boundaries.
            int[] groups = new int[44];
            int[] masks = new int[44];
            int count = 0;
            for (int g = 0; g < KeyLayout.groupsFor(keys) && count < groups.length; g++) {
                if (rnd.nextInt(3) > 0) {
                    groups[count] = g;
                    masks[count++] = count % 7 == 0 ? 0 : rnd.nextInt(0x10000);
                }
            }
            float[] a = new float[3 + m * d];
            float[] b = new float[3 + m * d];
            int[] mk = withMasks == 1 ? masks : null;
            ref.attend(q, 2, m, pos, 1, kk.k(), kk.v(), d, groups, mk, 0, count, a, 3, new AttendScratch());
            AttendScratch scratch = new AttendScratch();
            vec.attend(q, 2, m, pos, 1, kk.k(), kk.v(), d, groups, mk, 0, count, b, 3, scratch);
            assertClose(a, b, 2e-5, "attend");
            // Reusing the scratch gives the same result.
            float[] c = new float[b.length];
            vec.attend(q, 2, m, pos, 1, kk.k(), kk.v(), d, groups, mk, 0, count, c, 3, scratch);
            assertArrayEquals(b, c);
        }
    }

    @ParameterizedTest
    @CsvSource({"64,3", "64,4", "64,1", "128,6", "32,5"})
    void attendWithPerQueryMasksMatchesReference(int d, int m) {
        Random rnd = new Random(d * 7L + m);
        int keys = 900;
        try (Arena arena = Arena.ofConfined()) {
            Keys kk = Keys.random(arena, rnd, d, keys, 16);
            float[] q = gaussian(rnd, m * d);
            int[] pos = new int[m];
            Arrays.fill(pos, 850);
            pos[0] = 500;
            int count = 40;
            int[] groups = new int[count];
            for (int t = 0; t < count; t++) {
                groups[t] = t + (t > 20 ? 9 : 0);
            }
            int[] masks = new int[m * count];
            for (int i = 0; i < masks.length; i++) {
                masks[i] = rnd.nextInt(5) == 0 ? 0 : rnd.nextInt(0x10000);
            }
            float[] a = new float[m * d];
            float[] b = new float[m * d];
            ref.attend(q, 0, m, pos, 0, kk.k(), kk.v(), d, groups, masks, count, count, a, 0, new AttendScratch());
            vec.attend(q, 0, m, pos, 0, kk.k(), kk.v(), d, groups, masks, count, count, b, 0, new AttendScratch());
            assertClose(a, b, 2e-5, "attend with per-query masks");
        }
    }

    @Test
    void attendWithNothingVisibleGivesZeros() {
        Random rnd = new Random(3);
        try (Arena arena = Arena.ofConfined()) {
            Keys kk = Keys.random(arena, rnd, 64, 64, 16);
            float[] q = gaussian(rnd, 2 * 64);
            float[] out = new float[2 * 64];
            Arrays.fill(out, 9f);
            // Group 2 holds keys 32..47; the queries sit at positions 10 and 20: no key is visible.
            vec.attend(q, 0, 2, new int[]{10, 20}, 0, kk.k(), kk.v(), 64, new int[]{2, 3}, null, 0, 2, out, 0,
                    new AttendScratch());
            assertArrayEquals(new float[2 * 64], out);
            Arrays.fill(out, 9f);
            ref.attend(q, 0, 2, new int[]{10, 20}, 0, kk.k(), kk.v(), 64, new int[]{0}, new int[]{0}, 0, 1, out, 0,
                    new AttendScratch());
            assertArrayEquals(new float[2 * 64], out);
            Arrays.fill(out, 9f);
            vec.attend(q, 0, 2, new int[]{10, 20}, 0, kk.k(), kk.v(), 64, new int[0], null, 0, 0, out, 0,
                    new AttendScratch());
            assertArrayEquals(new float[2 * 64], out);
        }
    }
}
