package dev.shadowattn.host.attention;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;

import dev.shadowattn.api.AttentionBackend;
import dev.shadowattn.api.AttentionGeometry;
import dev.shadowattn.api.AttentionOptions;
import dev.shadowattn.api.AttentionSession;
import dev.shadowattn.api.AttentionStats;
import dev.shadowattn.api.ContextOverflowException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The dense backend end to end, against {@link ReferenceAttention}. */
class DenseAttentionSessionTest {

    /** Positions appended and attended at once, chosen to cross 16-key blocks and 64-position chunks. */
    private static final int[] CHUNKS = {1, 7, 64, 128};

    static AttentionBackend backend(AttentionGeometry g, String kernels, int threads) {
        return new DenseAttentionProvider().create(g, AttentionOptions.NONE
                .with(DenseAttentionProvider.KERNELS, kernels)
                .with(DenseAttentionProvider.THREADS, Integer.toString(threads)));
    }

    /** Random K, V and Q for every position of every layer, in SPI layouts. */
    record Data(AttentionGeometry g, float[][] k, float[][] v, float[][] q) {
        static Data random(AttentionGeometry g, int positions, long seed, double qScale) {
            Random rnd = new Random(seed);
            float[][] k = new float[g.layers()][];
            float[][] v = new float[g.layers()][];
            float[][] q = new float[g.layers()][];
            for (int l = 0; l < g.layers(); l++) {
                k[l] = gaussian(rnd, positions * g.kvDim(), 1);
                v[l] = gaussian(rnd, positions * g.kvDim(), 1);
                q[l] = gaussian(rnd, positions * g.queryDim(), qScale);
            }
            return new Data(g, k, v, q);
        }

        /** Appends then attends positions {@code [pos, pos+n)} of every layer; returns the outputs per layer. */
        float[][] step(AttentionSession s, int pos, int n) {
            float[][] out = new float[g.layers()][n * g.queryDim()];
            for (int l = 0; l < g.layers(); l++) {
                s.append(l, pos, n, k[l], pos * g.kvDim(), v[l], pos * g.kvDim());
                s.attend(l, pos, n, q[l], pos * g.queryDim(), out[l], 0);
            }
            return out;
        }

        float[] expected(int layer, int pos, int n) {
            float[] qs = java.util.Arrays.copyOfRange(q[layer], pos * g.queryDim(), (pos + n) * g.queryDim());
            return ReferenceAttention.attend(g, k[layer], v[layer], pos, n, qs);
        }
    }

    static float[] gaussian(Random rnd, int n, double scale) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) (rnd.nextGaussian() * scale);
        }
        return a;
    }

    static void assertClose(float[] expected, float[] actual, double tol, String what) {
        assertEquals(expected.length, actual.length, what + ": length");
        for (int i = 0; i < expected.length; i++) {
            assertFalse(Float.isNaN(actual[i]), what + ": NaN at " + i);
            if (Math.abs(expected[i] - actual[i]) > tol * Math.max(1, Math.abs(expected[i]))) {
                throw new AssertionError(what + ": at " + i + " expected " + expected[i] + " got " + actual[i]);
            }
        }
    }

    static Stream<Arguments> geometries() {
        return Stream.of(
                // layers, queryHeads, kvHeads, headDim, kernels, threads
                Arguments.of(new AttentionGeometry(2, 6, 2, 64, 4096), "vector", 1),
                Arguments.of(new AttentionGeometry(2, 6, 2, 64, 4096), "scalar", 1),
                Arguments.of(new AttentionGeometry(1, 3, 1, 128, 4096), "vector", 2),
                Arguments.of(new AttentionGeometry(1, 4, 4, 8, 4096), "vector", 1),
                Arguments.of(new AttentionGeometry(1, 4, 4, 8, 4096), "scalar", 2),
                Arguments.of(new AttentionGeometry(1, 8, 2, 24, 4096), "vector", 2),
                Arguments.of(new AttentionGeometry(1, 2, 1, 64, 4096), "vector", 1),
                Arguments.of(new AttentionGeometry(1, 5, 1, 40, 4096), "vector", 2));
    }

    @ParameterizedTest(name = "{0} {1} threads={2}")
    @MethodSource("geometries")
    void matchesReferenceForEveryChunkSize(AttentionGeometry g, String kernels, int threads) {
        for (int chunk : CHUNKS) {
            int positions = 200;
            Data data = Data.random(g, positions, chunk * 7919L + g.headDim(), 1);
            try (AttentionBackend b = backend(g, kernels, threads); AttentionSession s = b.openSession()) {
                for (int pos = 0; pos < positions; pos += chunk) {
                    int n = Math.min(chunk, positions - pos);
                    float[][] out = data.step(s, pos, n);
                    for (int l = 0; l < g.layers(); l++) {
                        assertClose(data.expected(l, pos, n), out[l], 2e-4,
                                "chunk " + chunk + " layer " + l + " pos " + pos);
                    }
                }
                assertEquals(positions, s.length());
            }
        }
    }

    @ParameterizedTest(name = "storage={0}")
    @org.junit.jupiter.params.provider.ValueSource(strings = {"heap", "hugepages", "offheap"})
    void everyStorageGivesTheSameResults(String storage) {
        AttentionGeometry g = new AttentionGeometry(2, 6, 2, 64, 1024);
        Data data = Data.random(g, 150, 12, 1);
        AttentionOptions options = AttentionOptions.NONE.with(DenseAttentionProvider.STORAGE, storage)
                .with(DenseAttentionProvider.THREADS, "1");
        try (AttentionBackend b = new DenseAttentionProvider().create(g, options); AttentionSession s = b.openSession()) {
            assertTrue(b.describe().contains("storage " + storage), b.describe());
            data.step(s, 0, 100);
            float[][] out = data.step(s, 100, 50);
            for (int l = 0; l < g.layers(); l++) {
                assertClose(data.expected(l, 100, 50), out[l], 2e-4, storage + " layer " + l);
            }
            long chunk = 2L * 64 * 128 * 4; // 2 KV heads x 64 positions x (64 K + 64 V) floats
            assertEquals(2 * 3 * chunk, s.cacheBytes(), "a small session holds only its chunks");
        }
    }

    @Test
    void severalAppendsThenOneAttendAndReAttendingEarlierRows() {
        AttentionGeometry g = new AttentionGeometry(1, 6, 2, 64, 1024);
        Data data = Data.random(g, 300, 5, 1);
        try (AttentionBackend b = backend(g, "vector", 1); AttentionSession s = b.openSession()) {
            for (int pos = 0; pos < 300; pos += 50) {
                s.append(0, pos, 50, data.k[0], pos * g.kvDim(), data.v[0], pos * g.kvDim());
            }
            float[] out = new float[100 * g.queryDim() + 5];
            s.attend(0, 200, 100, data.q[0], 200 * g.queryDim(), out, 5);
            assertClose(data.expected(0, 200, 100), java.util.Arrays.copyOfRange(out, 5, out.length), 2e-4, "tail");
            // Rows far before the end see only their causal prefix.
            float[] early = new float[3 * g.queryDim()];
            s.attend(0, 10, 3, data.q[0], 10 * g.queryDim(), early, 0);
            assertClose(data.expected(0, 10, 3), early, 2e-4, "early rows");
        }
    }

    @ParameterizedTest(name = "threads={0}")
    @org.junit.jupiter.params.provider.ValueSource(ints = {1, 2})
    void longContextsSplitKeysBetweenThreadsAndStillMatch(int threads) {
        // One KV head: decode is split by key range and merged when threads > 1; prefill tiles go in parallel.
        AttentionGeometry g = new AttentionGeometry(1, 3, 1, 64, 8192);
        int positions = 3000;
        Data data = Data.random(g, positions, 11, 1);
        try (AttentionBackend b = backend(g, "vector", threads); AttentionSession s = b.openSession()) {
            s.append(0, 0, positions, data.k[0], 0, data.v[0], 0);
            float[] out = new float[g.queryDim()];
            for (int pos : new int[] {positions - 1, 2047, 1000}) {
                s.attend(0, pos, 1, data.q[0], pos * g.queryDim(), out, 0);
                assertClose(data.expected(0, pos, 1), out, 2e-4, "decode at " + pos);
            }
            float[] prefill = new float[128 * g.queryDim()];
            s.attend(0, positions - 128, 128, data.q[0], (positions - 128) * g.queryDim(), prefill, 0);
            assertClose(data.expected(0, positions - 128, 128), prefill, 2e-4, "prefill");
        }
        if (threads > 1) {
            AttentionPlan plan = AttentionPlan.of(1, 3, 64, 16, threads, positions - 1, 1);
            assertTrue(plan.parallel() && plan.splits() > 1, "decode was split: " + plan);
        }
    }

    @Test
    void truncateThenReAppendEqualsNeverHavingAppended() {
        AttentionGeometry g = new AttentionGeometry(2, 6, 2, 64, 1024);
        Data real = Data.random(g, 150, 1, 1);
        Data junk = Data.random(g, 150, 2, 1);
        try (AttentionBackend b = backend(g, "vector", 1);
             AttentionSession clean = b.openSession();
             AttentionSession rolled = b.openSession()) {
            real.step(clean, 0, 90);
            float[][] expected = real.step(clean, 90, 60);
            real.step(rolled, 0, 90);
            junk.step(rolled, 90, 45); // written then rolled back, crossing a chunk boundary at 128
            rolled.truncate(90);
            assertEquals(90, rolled.length());
            float[][] actual = real.step(rolled, 90, 60);
            for (int l = 0; l < g.layers(); l++) {
                assertArrayEquals(expected[l], actual[l], "layer " + l);
            }
            rolled.truncate(1000); // past the end: no change
            assertEquals(150, rolled.length());
            rolled.truncate(0);
            assertEquals(0, rolled.length());
            float[][] again = real.step(rolled, 0, 5);
            assertClose(real.expected(0, 0, 5), again[0], 2e-4, "after truncate(0)");
        }
    }

    @Test
    void largeLogitsStayFiniteAndMatch() {
        // |q.k| reaches ~1e4 before scaling: without a running max, exp would overflow.
        AttentionGeometry g = new AttentionGeometry(1, 6, 2, 64, 1024);
        Data data = Data.random(g, 200, 3, 1);
        for (float[] q : data.q) {
            for (int i = 0; i < q.length; i++) {
                q[i] *= 1250; // |q| ~ 1e4, q.k ~ 1e4 in magnitude
            }
        }
        try (AttentionBackend b = backend(g, "vector", 1); AttentionSession s = b.openSession()) {
            float[][] first = data.step(s, 0, 100);
            float[][] second = data.step(s, 100, 1);
            assertClose(data.expected(0, 0, 100), first[0], 1e-3, "prefill");
            assertClose(data.expected(0, 100, 1), second[0], 1e-3, "decode");
            double maxLogit = 0;
            for (int t = 0; t <= 100; t++) {
                double dot = 0;
                for (int d = 0; d < 64; d++) {
                    dot += data.q[0][100 * g.queryDim() + d] * data.k[0][t * g.kvDim() + d];
                }
                maxLogit = Math.max(maxLogit, Math.abs(dot));
            }
            assertTrue(maxLogit > 1e4, "the test reaches large logits: " + maxLogit);
        }
    }

    @Test
    void cacheGrowsInChunksAndStatsCountVisibleKeys() {
        AttentionGeometry g = new AttentionGeometry(2, 6, 2, 64, 1 << 20);
        Data data = Data.random(g, 130, 4, 1);
        try (AttentionBackend b = backend(g, "vector", 1); AttentionSession s = b.openSession()) {
            assertEquals(0, s.cacheBytes(), "nothing allocated up front, even for a 1M context");
            data.step(s, 0, 1);
            long oneChunk = s.cacheBytes();
            // 2 layers x 2 KV heads x 64 positions x (64 K + 64 V) floats
            assertEquals(2L * 2 * 64 * 128 * 4, oneChunk);
            data.step(s, 1, 63);
            assertEquals(oneChunk, s.cacheBytes());
            s.resetStats();
            data.step(s, 64, 2);
            assertEquals(2 * oneChunk, s.cacheBytes());
            AttentionStats st = s.stats();
            long visible = (65 + 66) * 6L * 2; // two rows, six heads, two layers
            assertEquals(visible, st.visibleKeys());
            assertEquals(visible, st.keptKeys());
            assertEquals(1.0, st.keptFraction());
            assertTrue(st.attendNanos() > 0);
            s.close();
            assertEquals(0, s.cacheBytes());
        }
    }

    @Test
    void badArgumentsAreRejectedClearly() {
        AttentionGeometry g = new AttentionGeometry(2, 6, 2, 64, 100);
        Data data = Data.random(g, 101, 6, 1);
        float[] k = data.k[0];
        float[] v = data.v[0];
        float[] q = data.q[0];
        float[] out = new float[g.queryDim()];
        try (AttentionBackend b = backend(g, "vector", 1); AttentionSession s = b.openSession()) {
            assertMessage(IllegalArgumentException.class, "layer 2", () -> s.append(2, 0, 1, k, 0, v, 0));
            assertMessage(IllegalArgumentException.class, "layer -1", () -> s.attend(-1, 0, 1, q, 0, out, 0));
            assertMessage(IllegalArgumentException.class, "current length 0", () -> s.append(0, 1, 1, k, 0, v, 0));
            assertMessage(IllegalArgumentException.class, "n (rows)", () -> s.append(0, 0, 0, k, 0, v, 0));
            assertMessage(IllegalArgumentException.class, "k:", () -> s.append(0, 0, 1, k, k.length - 10, v, 0));
            assertMessage(IllegalArgumentException.class, "v:", () -> s.append(0, 0, 1, k, 0, v, -1));
            assertMessage(ContextOverflowException.class, "101 positions", () -> s.append(0, 0, 101, k, 0, v, 0));
            assertEquals(0, s.length(), "failed appends change nothing");
            s.append(0, 0, 100, k, 0, v, 0);
            ContextOverflowException overflow = assertThrows(ContextOverflowException.class,
                    () -> s.append(0, 100, 1, k, 0, v, 0));
            assertEquals(101, overflow.requested());
            assertEquals(100, overflow.maxContext());
            assertMessage(IllegalArgumentException.class, "not all appended", () -> s.attend(1, 0, 1, q, 0, out, 0));
            assertMessage(IllegalArgumentException.class, "pos must be >= 0", () -> s.attend(0, -1, 1, q, 0, out, 0));
            assertMessage(IllegalArgumentException.class, "out:", () -> s.attend(0, 0, 2, q, 0, out, 0));
            assertMessage(IllegalArgumentException.class, "q:", () -> s.attend(0, 99, 1, q, q.length - 1, out, 0));
            assertMessage(IllegalArgumentException.class, "truncate", () -> s.truncate(-1));
            s.close();
            s.close(); // idempotent
            assertMessage(IllegalStateException.class, "closed", () -> s.attend(0, 0, 1, q, 0, out, 0));
            assertMessage(IllegalStateException.class, "closed", s::length);
        }
    }

    private static void assertMessage(Class<? extends Throwable> type, String part,
                                      org.junit.jupiter.api.function.Executable call) {
        Throwable t = assertThrows(type, call);
        assertTrue(t.getMessage() != null && t.getMessage().contains(part), "message '" + t.getMessage()
                + "' should mention '" + part + "'");
    }

    @Test
    void sessionsOnOneBackendFromSeveralThreadsGiveTheSameResults() throws Exception {
        AttentionGeometry g = new AttentionGeometry(2, 6, 2, 64, 4096);
        int positions = 700; // 128-row prefill chunks go to the pool
        Data data = Data.random(g, positions, 9, 1);
        float[][] expected;
        try (AttentionBackend single = backend(g, "vector", 1); AttentionSession s = single.openSession()) {
            data.step(s, 0, positions - 1);
            expected = data.step(s, positions - 1, 1);
        }
        try (AttentionBackend shared = backend(g, "vector", 2)) {
            ExecutorService callers = Executors.newFixedThreadPool(4);
            try {
                List<Future<float[][]>> results = new ArrayList<>();
                for (int i = 0; i < 4; i++) {
                    results.add(callers.submit(() -> {
                        try (AttentionSession s = shared.openSession()) {
                            for (int pos = 0; pos < positions - 1; pos += 128) {
                                data.step(s, pos, Math.min(128, positions - 1 - pos));
                            }
                            return data.step(s, positions - 1, 1);
                        }
                    }));
                }
                for (Future<float[][]> f : results) {
                    float[][] actual = f.get();
                    for (int l = 0; l < g.layers(); l++) {
                        assertClose(expected[l], actual[l], 1e-5, "layer " + l);
                    }
                }
            } finally {
                callers.shutdown();
            }
        }
    }

    @Test
    void closedBackendRefusesSessionsAndCloseIsIdempotent() {
        AttentionGeometry g = new AttentionGeometry(1, 6, 2, 64, 128);
        AttentionBackend b = backend(g, "vector", 2);
        AttentionSession s = b.openSession();
        s.close();
        b.close();
        b.close();
        assertThrows(IllegalStateException.class, b::openSession);
    }
}
