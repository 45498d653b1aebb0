package dev.shadowattn.plugin.qnn;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shadowattn.api.AttentionOptions;
import dev.shadowattn.plugin.cache.LayerCache;
import dev.shadowattn.plugin.kernel.KernelProvider;
import dev.shadowattn.plugin.scoring.CpuScoringDevice;
import dev.shadowattn.plugin.scoring.ScoreRequest;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The QNN scoring device behind the shadowAttn scoring interface, against the other Java implementations: the CPU
 * (Vector API) device, bit for bit where the requantization is lossless (u16 output, step 1, small levels), and
 * the scalar reference with requantization otherwise. Keys come from the real shadow-K cache (transposed groups).
 */
class QnnScoringDeviceTest {

    @TempDir
    Path cacheDir;

    private static final int D = 64;
    private static final int KEYS = 300;
    private final Random random = new Random(11);
    private LayerCache cache;
    private byte[][] keyLevels;
    private final ByteArrayOutputStream noticeBytes = new ByteArrayOutputStream();
    private final PrintStream notices = new PrintStream(noticeBytes, true, StandardCharsets.UTF_8);

    @BeforeEach
    void fillCache() {
        float[] kScale = {0.1f, 0.1f};
        cache = new LayerCache(0, 2, D, 0, kScale, false, 1024, false);
        keyLevels = new byte[2][KEYS * D];
        float[] k = new float[KEYS * 2 * D];
        float[] v = new float[KEYS * 2 * D];
        for (int p = 0; p < KEYS; p++) {
            for (int h = 0; h < 2; h++) {
                for (int c = 0; c < D; c++) {
                    int level = random.nextInt(17) - 8;
                    keyLevels[h][p * D + c] = (byte) level;
                    k[(p * 2 + h) * D + c] = level * kScale[h];
                }
            }
        }
        cache.append(0, KEYS, k, 0, v, 0);
    }

    @AfterEach
    void close() {
        cache.close();
        RefLibrary.resetAndCheckNoLeaks();
    }

    private QnnScoringDevice device(String extra) {
        String spec = "qnn.library=" + RefLibrary.path() + ",qnn.cache=" + cacheDir + (extra.isEmpty() ? "" : "," + extra);
        AttentionOptions o = AttentionOptions.parse(List.of(spec.split(",")));
        return QnnScoringDevice.open(QnnDeviceOptions.parse(o), "test-profile", notices);
    }

    /** Four heads, five rows each, over two KV heads; heads 2 and 3 read KV head 1 with different Q scales. */
    private ScoreRequest request(int[] kvHead, float[] headScale) {
        return request(kvHead, headScale, 8);
    }

    /** Query levels uniform in [-range, range]. */
    private ScoreRequest request(int[] kvHead, float[] headScale, int range) {
        return request(kvHead, headScale, range, null);
    }

    /** With a per-row bias (the {@code q·mean(K)} term of mean-subtracted keys), or {@code null}. */
    private ScoreRequest request(int[] kvHead, float[] headScale, int range, float[] bias) {
        int heads = kvHead.length;
        int rows = 5;
        float[] q = new float[heads * rows * D];
        for (int i = 0; i < q.length; i++) {
            q[i] = random.nextInt(2 * range + 1) - range;
        }
        float[] qScale = new float[heads * rows];
        for (int i = 0; i < qScale.length; i++) {
            qScale[i] = headScale[i / rows];
        }
        return new ScoreRequest(cache, kvHead, heads, rows, q, 0, qScale, bias, 0, KEYS - rows, KEYS);
    }

    @Test
    void keyRowsTransposeTheCacheGroups() {
        RowReader rows = new RowReader(new ShadowKeyRows(cache.keys8(1), D, KEYS), D);
        for (int j : new int[] {0, 15, 16, 17, 299}) {
            for (int c = 0; c < D; c++) {
                assertEquals(keyLevels[1][j * D + c], rows.level(j, c), "key " + j + " channel " + c);
            }
        }
    }

    /** Reads rows of an {@link Int8Rows} back as levels (s8: flip 0). */
    private record RowReader(Int8Rows src, int d) {
        byte level(int row, int c) {
            try (var arena = java.lang.foreign.Arena.ofConfined()) {
                var seg = arena.allocate(d);
                src.copyTo(row, 1, d, seg, 0, (byte) 0);
                return seg.get(JAVA_BYTE, c);
            }
        }
    }

    @Test
    void losslessSettingsEqualTheCpuDeviceBitForBit() {
        ScoreRequest r = request(new int[] {0, 0, 1, 1}, new float[] {0.2f, 0.2f, 0.4f, 0.2f});
        int stride = r.minStride();
        float[] cpu = new float[r.heads() * r.rows() * stride];
        float[] qnn = new float[cpu.length];
        try (CpuScoringDevice java = new CpuScoringDevice(KernelProvider.forHeadDim(D, "auto"));
             QnnScoringDevice npu = device("qnn.output=u16,qnn.step=1")) {
            java.score(r, cpu, 0, stride);
            npu.score(r, qnn, 0, stride);
            assertEquals("qnn-cpu", npu.name(), "our reference library reports the CPU backend id");
            // Runs: heads 0-1 (KV 0, scale 0.2), head 2 (KV 1, 0.4), head 3 (KV 1, 0.2): three buckets or lengths.
            assertEquals(new QnnScorer.Stats(3, 3), npu.scorer().stats());
        }
        for (int i = 0; i < r.heads() * r.rows(); i++) {
            for (int j = 0; j < KEYS; j++) {
                assertEquals(cpu[i * stride + j], qnn[i * stride + j], "row " + i + " key " + j);
            }
        }
    }

    @Test
    void rowBiasesAreAddedAsTheCpuDeviceDoes() {
        float[] bias = new float[3 * 5];
        for (int i = 0; i < bias.length; i++) {
            bias[i] = (float) random.nextGaussian() * 3;
        }
        ScoreRequest r = request(new int[] {0, 1, 1}, new float[] {0.2f, 0.2f, 0.3f}, 8, bias);
        int stride = r.minStride();
        float[] cpu = new float[r.heads() * r.rows() * stride];
        float[] qnn = new float[cpu.length];
        try (CpuScoringDevice java = new CpuScoringDevice(KernelProvider.forHeadDim(D, "scalar"));
             QnnScoringDevice npu = device("qnn.output=u16,qnn.step=1")) {
            java.score(r, cpu, 0, stride);
            npu.score(r, qnn, 0, stride);
        }
        for (int i = 0; i < r.heads() * r.rows(); i++) {
            for (int j = 0; j < KEYS; j++) {
                assertEquals(cpu[i * stride + j], qnn[i * stride + j], "row " + i + " key " + j);
            }
        }
    }

    @Test
    void runsWithTheSameBucketAreFusedAcrossKvHeads() {
        ScoreRequest r = request(new int[] {0, 1}, new float[] {0.3f, 0.3f});
        int stride = r.minStride();
        float[] cpu = new float[2 * r.rows() * stride];
        float[] qnn = new float[cpu.length];
        try (CpuScoringDevice java = new CpuScoringDevice(KernelProvider.forHeadDim(D, "scalar"));
             QnnScoringDevice npu = device("qnn.output=u16,qnn.step=1")) {
            java.score(r, cpu, 0, stride);
            npu.score(r, qnn, 0, stride);
            assertEquals(new QnnScorer.Stats(1, 2), npu.scorer().stats(), "two KV heads, one launch");
        }
        for (int i = 0; i < 2 * r.rows(); i++) {
            for (int j = 0; j < KEYS; j++) {
                assertEquals(cpu[i * stride + j], qnn[i * stride + j]);
            }
        }
    }

    @Test
    void defaultU8OutputIsTheRequantizedReferenceWithACalibratedStep() {
        ScoreRequest r = request(new int[] {1, 1, 1}, new float[] {0.2f, 0.2f, 0.2f}, 127);
        int stride = r.minStride();
        float[] qnn = new float[3 * r.rows() * stride];
        int[][] exact = new int[3 * r.rows()][];
        for (int i = 0; i < exact.length; i++) {
            byte[] qRow = new byte[D];
            for (int c = 0; c < D; c++) {
                qRow[c] = (byte) r.q()[i * D + c];
            }
            exact[i] = Int8Reference.scores(qRow, keyLevels[1], 1, KEYS, D);
        }
        double step;
        try (QnnScoringDevice npu = device("")) {
            npu.score(r, qnn, 0, stride);
            step = npu.calibratedSteps().get(List.of(0.2f, 0.1f));
        }
        // Calibrated from the run's first 15 rows (3 heads x 5 rows, under the 16-row cap) and all 300 keys.
        int[] sample = java.util.Arrays.stream(exact).flatMapToInt(java.util.Arrays::stream).toArray();
        assertEquals(OutputCalibration.calibratedStep(sample, QuantEncoding.U8), step);
        assertEquals(1.0, Math.abs(Math.scalb(step, -Math.getExponent(step))), "a power of two");
        ScaleBucket bucket = new ScaleBucket(0.2f, 0.1f, step);
        java.util.Set<Float> seen = new java.util.HashSet<>();
        for (int i = 0; i < 3 * r.rows(); i++) {
            for (int j = 0; j < KEYS; j++) {
                float expected = Requantization.score(Requantization.level(exact[i][j], bucket, QuantEncoding.U8),
                        bucket) * (0.2f * 0.1f);
                assertEquals(expected, qnn[i * stride + j], "row " + i + " key " + j);
                seen.add(expected);
            }
        }
        assertTrue(seen.size() > 100, seen.size() + " distinct scores");
    }

    @Test
    void aBackendErrorSwitchesToTheJavaDeviceWithOneNotice() {
        ScoreRequest r = request(new int[] {0, 0}, new float[] {0.2f, 0.2f});
        int stride = r.minStride();
        float[] cpu = new float[2 * r.rows() * stride];
        float[] out = new float[cpu.length];
        CpuScoringDevice java = new CpuScoringDevice(KernelProvider.forHeadDim(D, "auto"));
        java.score(r, cpu, 0, stride);
        try (FallbackScoringDevice dev = new FallbackScoringDevice(device(""), java, notices)) {
            RefLibrary.controls().injectFailure(QnnFunction.GRAPH_EXECUTE.slot(), 0, 1017);
            dev.score(r, out, 0, stride);
            assertTrue(dev.failedOver());
            assertEquals("cpu", dev.name());
            dev.score(r, out, 0, stride);
        }
        for (int i = 0; i < 2 * r.rows(); i++) {
            for (int j = 0; j < KEYS; j++) {
                assertEquals(cpu[i * stride + j], out[i * stride + j], "the failed request was rescored in Java");
            }
        }
        String text = noticeBytes.toString(StandardCharsets.UTF_8);
        assertEquals(1, text.lines().filter(l -> l.contains("failed")).count(), text);
        assertTrue(text.contains("scorer qnn-cpu failed (QNN graphExecute failed with error 1017"), text);
    }
}
