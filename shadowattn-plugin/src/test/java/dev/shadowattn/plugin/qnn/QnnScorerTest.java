package dev.shadowattn.plugin.qnn;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * QNN-path scores against the Java scalar INT8 reference (exact int32 products, requantized the same way), for
 * decode and prefill shapes, padded and tiled rows and keys, fused heads and both encodings; fused launches against
 * separate ones; padded keys never reaching the output.
 */
class QnnScorerTest {

    private BackendLibraries.BackendLibrary library;
    private QnnRuntime runtime;
    private QnnGraphManager graphs;
    private final Arena arena = Arena.ofConfined();
    private final Random random = new Random(7);

    /** Opens a backend library (tests run against each of {@link BackendLibraries#all}). */
    private void open(BackendLibraries.BackendLibrary lib) {
        library = lib;
        runtime = QnnRuntime.open(QnnRuntime.Options.of(lib.path()));
        graphs = new QnnGraphManager(runtime, QnnGraphManager.Options.noCache());
    }

    @AfterEach
    void close() {
        arena.close();
        if (runtime != null) {
            graphs.close();
            runtime.close();
        }
        RefLibrary.resetAndCheckNoLeaks();
    }

    static List<BackendLibraries.BackendLibrary> libraries() {
        return BackendLibraries.all();
    }

    /** One head's data: Q [rows][stride] and K [keys][stride] int8, with the first d bytes of each row used. */
    record Head(byte[] q, byte[] k, int stride) {
    }

    private Head head(int rows, int keys, int d, int stride) {
        byte[] q = new byte[rows * stride];
        byte[] k = new byte[keys * stride];
        for (int i = 0; i < q.length; i++) {
            q[i] = (byte) (random.nextInt(256) - 128);
        }
        for (int i = 0; i < k.length; i++) {
            k[i] = (byte) (random.nextInt(256) - 128);
        }
        return new Head(q, k, stride);
    }

    private QnnScorer.HeadOperands operands(Head h) {
        return operands(h, 0);
    }

    private QnnScorer.HeadOperands operands(Head h, int outRow) {
        return new QnnScorer.HeadOperands(
                Int8Rows.rowMajor(arena.allocateFrom(JAVA_BYTE, h.q()), h.stride(), h.q().length / h.stride()),
                Int8Rows.rowMajor(arena.allocateFrom(JAVA_BYTE, h.k()), h.stride(), h.k().length / h.stride()),
                outRow);
    }

    /** The Java reference: exact scores of the first d bytes of each row, requantized and decoded. */
    private static float[] reference(List<Head> heads, int rows, int keys, int d, ScaleBucket b, QuantEncoding out) {
        float[] s = new float[heads.size() * rows * keys];
        for (int h = 0; h < heads.size(); h++) {
            int[] exact = Int8Reference.scores(compact(heads.get(h).q(), rows, d, heads.get(h).stride()),
                    compact(heads.get(h).k(), keys, d, heads.get(h).stride()), rows, keys, d);
            for (int i = 0; i < exact.length; i++) {
                s[h * rows * keys + i] = Requantization.score(Requantization.level(exact[i], b, out), b);
            }
        }
        return s;
    }

    static byte[] compact(byte[] v, int n, int d, int stride) {
        byte[] out = new byte[n * d];
        for (int i = 0; i < n; i++) {
            System.arraycopy(v, i * stride, out, i * d, d);
        }
        return out;
    }

    private void checkAgainstReference(QnnScorer.Config config, int heads, int rows, int keys, int d, int stride,
                                       double step) {
        QnnScorer scorer = new QnnScorer(graphs, config);
        ScaleBucket bucket = new ScaleBucket(0.02f, 0.03f, step);
        List<Head> data = new ArrayList<>();
        List<QnnScorer.HeadOperands> ops = new ArrayList<>();
        for (int h = 0; h < heads; h++) {
            data.add(head(rows, keys, d, stride));
            ops.add(operands(data.getLast(), h * rows));
        }
        float[] out = new float[heads * rows * keys];
        scorer.score(bucket, d, rows, keys, ops, out);
        float[] expected = reference(data, rows, keys, d, bucket, config.output());
        assertScores(expected, out, step, heads + " heads, " + rows + " rows, " + keys + " keys, d " + d);
        int distinct = (int) java.util.stream.IntStream.range(0, out.length).mapToDouble(i -> out[i]).distinct().count();
        assertTrue(distinct > 20, "scores are not degenerate (" + distinct + " distinct values)");
    }

    /** Bit-exact on our reference library; within one output level on a real backend (its own rounding). */
    private void assertScores(float[] expected, float[] actual, double step, String what) {
        if (library.reference()) {
            assertArrayEquals(expected, actual, what);
        } else {
            assertArrayEquals(expected, actual, (float) (step * 1.0001), what);
        }
    }

    @ParameterizedTest
    @MethodSource("libraries")
    void decodeRowMatchesTheJavaReference(BackendLibraries.BackendLibrary lib) {
        open(lib);
        checkAgainstReference(QnnScorer.Config.defaults(), 1, 1, 300, 64, 64, 400);
    }

    @ParameterizedTest
    @MethodSource("libraries")
    void paddedAndTiledPrefillMatchesTheJavaReference(BackendLibraries.BackendLibrary lib) {
        open(lib);
        QnnScorer.Config small = new QnnScorer.Config(new int[] {1, 16, 32}, new int[] {64, 128}, new int[] {1, 2},
                QuantEncoding.U8, QuantEncoding.U8);
        // 70 rows = 32 + 32 + 6 (bucket 16); 300 keys = 128 + 128 + 44 (bucket 64); 3 heads = 2 + 1; row stride 40.
        checkAgainstReference(small, 3, 70, 300, 32, 40, 300);
    }

    @Test
    void s8InputsAndU16OutputMatchTheJavaReference() {
        open(new BackendLibraries.BackendLibrary("qnnref", RefLibrary.path(), true));
        QnnScorer.Config htp = new QnnScorer.Config(new int[] {8}, new int[] {256}, new int[] {1, 4},
                QuantEncoding.S8, QuantEncoding.U16);
        checkAgainstReference(htp, 4, 8, 200, 128, 128, 3);
    }

    @ParameterizedTest
    @MethodSource("libraries")
    void fusedLaunchEqualsSeparateLaunches(BackendLibraries.BackendLibrary lib) {
        open(lib);
        QnnScorer.Config config = new QnnScorer.Config(new int[] {4}, new int[] {64}, new int[] {1, 4},
                QuantEncoding.U8, QuantEncoding.U8);
        QnnScorer scorer = new QnnScorer(graphs, config);
        ScaleBucket bucket = new ScaleBucket(0.1f, 0.1f, 200);
        List<QnnScorer.HeadOperands> ops = new ArrayList<>();
        for (int h = 0; h < 4; h++) {
            ops.add(operands(head(4, 50, 64, 64), h * 4));
        }
        float[] fused = new float[4 * 4 * 50];
        scorer.score(bucket, 64, 4, 50, ops, fused);
        assertEquals(new QnnScorer.Stats(1, 4), scorer.stats(), "four heads in one launch");
        float[] separate = new float[4 * 4 * 50];
        for (int h = 0; h < 4; h++) {
            float[] one = new float[4 * 50];
            QnnScorer.HeadOperands op = ops.get(h);
            scorer.score(bucket, 64, 4, 50, List.of(new QnnScorer.HeadOperands(op.q(), op.k(), 0)), one);
            System.arraycopy(one, 0, separate, h * 4 * 50, one.length);
        }
        assertEquals(new QnnScorer.Stats(5, 8), scorer.stats(), "then four single-head launches");
        assertArrayEquals(separate, fused);
        assertEquals(2, graphs.stats().built(), "one fused graph and one single-head graph");
    }

    @ParameterizedTest
    @MethodSource("libraries")
    void paddedKeysNeverReachTheOutput(BackendLibraries.BackendLibrary lib) {
        open(lib);
        QnnScorer.Config config = new QnnScorer.Config(new int[] {2}, new int[] {128}, new int[] {1},
                QuantEncoding.U8, QuantEncoding.U8);
        QnnScorer scorer = new QnnScorer(graphs, config);
        int keys = 100;
        // Every real key scores negative, so a padded key (score 0) would win any top-k it could reach.
        byte[] q = new byte[2 * 16];
        byte[] k = new byte[keys * 16];
        java.util.Arrays.fill(q, (byte) 5);
        for (int j = 0; j < keys; j++) {
            java.util.Arrays.fill(k, j * 16, j * 16 + 16, (byte) -(1 + j % 100));
        }
        Head h = new Head(q, k, 16);
        float[] out = new float[2 * keys + 7];
        java.util.Arrays.fill(out, Float.NaN);
        scorer.score(new ScaleBucket(1f, 1f, 100), 16, 2, keys, List.of(operands(h)), out);
        for (int i = 0; i < 2 * keys; i++) {
            assertTrue(out[i] < 0, "score " + i + " = " + out[i]);
        }
        for (int i = 2 * keys; i < out.length; i++) {
            assertTrue(Float.isNaN(out[i]), "nothing written past the valid keys");
        }
        int[] top = topK(out, 0, keys, 10);
        for (int j : top) {
            assertTrue(j < keys);
        }
        assertEquals(0, top[0], "the least negative key wins");
    }

    @Test
    void badShapesAreRejectedNamingTheProblem() {
        open(new BackendLibraries.BackendLibrary("qnnref", RefLibrary.path(), true));
        QnnScorer scorer = new QnnScorer(graphs, QnnScorer.Config.defaults());
        Head h = head(2, 10, 64, 64);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () ->
                scorer.score(new ScaleBucket(1f, 1f, 1), 64, 2, 11, List.of(operands(h)), new float[22]));
        assertTrue(e.getMessage().contains("unit 0 has 2 query rows and 10 keys, needs 2 and 11"), e.getMessage());
        IllegalArgumentException e2 = assertThrows(IllegalArgumentException.class, () ->
                scorer.score(new ScaleBucket(1f, 1f, 1), 64, 2, 10, List.of(operands(h)), new float[19]));
        assertTrue(e2.getMessage().contains("output holds 19 scores, unit 0 needs 20"), e2.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new QnnScorer.Config(new int[] {2, 1}, new int[] {8},
                new int[] {1}, QuantEncoding.U8, QuantEncoding.U8));
        assertThrows(IllegalArgumentException.class, () -> new QnnScorer.Config(new int[] {1}, new int[] {8},
                new int[] {2}, QuantEncoding.U8, QuantEncoding.U8));
        assertThrows(IllegalArgumentException.class, () -> new QnnScorer.Config(new int[] {1}, new int[] {8},
                new int[] {1}, QuantEncoding.U16, QuantEncoding.U8));
        assertFalse(graphs.stats().built() > 0, "nothing was built for rejected calls");
    }

    /** Indices of the k largest of {@code s[from .. from+n)}, largest first (ties: lower index first). */
    static int[] topK(float[] s, int from, int n, int k) {
        long[] keys = new long[n];
        for (int j = 0; j < n; j++) {
            int bits = Float.floatToIntBits(s[from + j]);
            int sortable = bits ^ ((bits >> 31) & 0x7fffffff);
            keys[j] = ((long) sortable << 32) | (0xFFFF_FFFFL - j);
        }
        java.util.Arrays.sort(keys);
        int[] top = new int[k];
        for (int i = 0; i < k; i++) {
            top[i] = (int) (0xFFFF_FFFFL - (keys[n - 1 - i] & 0xFFFF_FFFFL));
        }
        return top;
    }
}
