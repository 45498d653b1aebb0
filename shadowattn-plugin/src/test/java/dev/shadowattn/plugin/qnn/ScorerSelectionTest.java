package dev.shadowattn.plugin.qnn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shadowattn.api.AttentionGeometry;
import dev.shadowattn.api.AttentionOptions;
import dev.shadowattn.plugin.ShadowAttnBackend;
import dev.shadowattn.plugin.ShadowAttnProvider;
import dev.shadowattn.plugin.kernel.KernelProvider;
import dev.shadowattn.plugin.profile.ModelProfile;
import dev.shadowattn.plugin.scoring.CpuScoringDevice;
import dev.shadowattn.plugin.scoring.ScoringDevice;
import dev.shadowattn.plugin.testing.QkvData;
import dev.shadowattn.plugin.testing.SessionDriver;
import dev.shadowattn.plugin.testing.SyntheticQkv;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code scorer=cpu|java|qnn|auto}: which device each choice yields, the one-line notices, configuration errors
 * naming the option, and the whole backend running with the QNN scorer (our reference library) against the Java one.
 */
class ScorerSelectionTest {

    @TempDir
    Path tmp;

    private final ByteArrayOutputStream noticeBytes = new ByteArrayOutputStream();
    private final PrintStream notices = new PrintStream(noticeBytes, true, StandardCharsets.UTF_8);

    @AfterEach
    void noLeaks() {
        RefLibrary.resetAndCheckNoLeaks();
    }

    private String noticesText() {
        return noticeBytes.toString(StandardCharsets.UTF_8);
    }

    private ScoringDevice create(String scorer, boolean staticScales, String... opts) {
        List<String> pairs = new ArrayList<>(List.of(opts));
        pairs.add("qnn.cache=" + tmp.resolve("cache"));
        return ScoringDeviceFactory.create(scorer, AttentionOptions.parse(pairs), staticScales, "p",
                () -> new CpuScoringDevice(KernelProvider.forHeadDim(64, "scalar")), notices);
    }

    @Test
    void cpuAndJavaAreTheJavaDevice() {
        try (ScoringDevice a = create("cpu", true); ScoringDevice b = create("JAVA", false)) {
            assertInstanceOf(CpuScoringDevice.class, a);
            assertInstanceOf(CpuScoringDevice.class, b);
        }
        assertEquals("", noticesText());
    }

    @Test
    void autoUsesQnnWhenTheLibraryLoads() {
        try (ScoringDevice d = create("auto", true, "qnn.library=" + RefLibrary.path())) {
            FallbackScoringDevice f = assertInstanceOf(FallbackScoringDevice.class, d);
            assertEquals("qnn-cpu", f.name());
            assertTrue(f.requiresStaticScales());
        }
        assertEquals("", noticesText());
    }

    @Test
    void autoFallsBackToJavaWithOneLineSayingWhy() {
        try (ScoringDevice d = create("auto", true)) {
            assertInstanceOf(CpuScoringDevice.class, d);
        }
        try (ScoringDevice d = create("auto", false, "qnn.library=" + RefLibrary.path())) {
            assertInstanceOf(CpuScoringDevice.class, d);
        }
        Path missing = tmp.resolve("libQnnHtp.so");
        try (ScoringDevice d = create("auto", true, "qnn.library=" + missing)) {
            assertInstanceOf(CpuScoringDevice.class, d);
        }
        try (ScoringDevice d = create("auto", true, "qnn.library=" + RefLibrary.noEntryPath())) {
            assertInstanceOf(CpuScoringDevice.class, d);
        }
        RefLibrary.controls().injectFailure(QnnFunction.BACKEND_CREATE.slot(), 0, 1000);
        try (ScoringDevice d = create("auto", true, "qnn.library=" + RefLibrary.path())) {
            assertInstanceOf(CpuScoringDevice.class, d);
        }
        List<String> lines = noticesText().lines().toList();
        assertEquals(5, lines.size(), noticesText());
        assertTrue(lines.get(0).contains("no qnn.library option"), lines.get(0));
        assertTrue(lines.get(1).contains("needs static scales"), lines.get(1));
        assertTrue(lines.get(2).contains(missing + ": file does not exist"), lines.get(2));
        assertTrue(lines.get(3).contains("does not export QnnInterface_getProviders"), lines.get(3));
        assertTrue(lines.get(4).contains("QNN backendCreate failed with error 1000"), lines.get(4));
        lines.forEach(l -> assertTrue(l.endsWith("using the Java scorer"), l));
    }

    @Test
    void qnnIsAConfigurationErrorWhenItCannotRun() {
        String library = "qnn.library=" + RefLibrary.path();
        IllegalArgumentException noLib = assertThrows(IllegalArgumentException.class, () -> create("qnn", true));
        assertTrue(noLib.getMessage().contains("qnn.library=PATH"), noLib.getMessage());
        IllegalArgumentException dynamic = assertThrows(IllegalArgumentException.class,
                () -> create("qnn", false, library));
        assertTrue(dynamic.getMessage().contains("scorer=qnn needs static scales"), dynamic.getMessage());
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
                () -> create("qnn", true, "qnn.library=/nonexistent/libQnnHtp.so"));
        assertTrue(missing.getMessage().startsWith("backend option scorer=qnn: QNN backend library "
                + "/nonexistent/libQnnHtp.so: file does not exist"), missing.getMessage());
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class, () -> create("npu", true));
        assertTrue(unknown.getMessage().contains("scorer=npu must be one of cpu (or java), qnn, auto"));
        IllegalArgumentException badOutput = assertThrows(IllegalArgumentException.class,
                () -> create("qnn", true, library, "qnn.output=s16"));
        assertTrue(badOutput.getMessage().contains("qnn.output=s16"), badOutput.getMessage());
    }

    /** Per-head max-abs scales of a layer's Q and K (a calibration of one's own data). */
    private static ModelProfile profile(QkvData x) {
        float[][] q = {new float[x.queryHeads()]};
        float[][] k = {new float[x.kvHeads()]};
        for (int p = 0; p < x.n(); p++) {
            for (int h = 0; h < x.queryHeads(); h++) {
                for (int c = 0; c < x.headDim(); c++) {
                    q[0][h] = Math.max(q[0][h], Math.abs(x.q()[(p * x.queryHeads() + h) * x.headDim() + c]) / 127f);
                }
            }
            for (int h = 0; h < x.kvHeads(); h++) {
                for (int c = 0; c < x.headDim(); c++) {
                    k[0][h] = Math.max(k[0][h], Math.abs(x.k()[(p * x.kvHeads() + h) * x.headDim() + c]) / 127f);
                }
            }
        }
        return new ModelProfile(null, q, k, "test-profile");
    }

    private SessionDriver.Run run(QkvData x, String spec) {
        List<String> pairs = new ArrayList<>(List.of(spec.split(",")));
        pairs.add("qnn.cache=" + tmp.resolve("cache"));
        AttentionGeometry g = new AttentionGeometry(1, x.queryHeads(), x.kvHeads(), x.headDim(), x.n());
        try (ShadowAttnBackend b = ShadowAttnProvider.create(g, AttentionOptions.parse(pairs), profile(x))) {
            SessionDriver.Run run = SessionDriver.run(b, x, 0, 192, 64, true);
            if (b.plan().device() instanceof FallbackScoringDevice f) {
                QnnScoringDevice qnn = (QnnScoringDevice) f.primary();
                assertTrue(!f.failedOver(), noticesText());
                assertTrue(qnn.scorer().stats().launches() > 0, "the QNN device did the scoring");
                assertTrue(!f.failedOver(), noticesText());
            }
            return run;
        }
    }

    @Test
    void theBackendRunsWithTheQnnScorerAndSelectsLikeTheJavaOne() {
        QkvData x = SyntheticQkv.generate(5, 4, 2, 64, 256);
        String base = "mode=faithful,scales=static,ratio=0.2";
        SessionDriver.Run java = run(x, base + ",scorer=java");
        SessionDriver.Run qnnU16 = run(x, base + ",scorer=qnn,qnn.library=" + RefLibrary.path()
                + ",qnn.output=u16");
        SessionDriver.Run qnnU8 = run(x, base + ",scorer=qnn,qnn.library=" + RefLibrary.path());
        double u16 = overlap(java, qnnU16, x);
        double u8 = overlap(java, qnnU8, x);
        System.out.printf("kept-key overlap with the Java scorer (calibrated steps): u16 %.4f, u8 %.4f%n", u16, u8);
        assertTrue(u16 > 0.99, "u16 overlap " + u16);
        assertTrue(u8 > 0.95, "u8 overlap " + u8);
        assertEquals(java.stats().visible(), qnnU8.stats().visible());
        assertTrue(noticesText().isEmpty(), noticesText());
    }

    @Test
    void sharedKvSelectionScoresThroughScoreMax() {
        QkvData x = SyntheticQkv.generate(6, 4, 2, 64, 256);
        String base = "mode=cpu,estimator=int8,block=16,tile=16,scales=static,ratio=0.2,dense-below=0";
        SessionDriver.Run java = run(x, base + ",scorer=java");
        SessionDriver.Run qnn = run(x, base + ",scorer=qnn,qnn.library=" + RefLibrary.path() + ",qnn.output=u16");
        double o = overlap(java, qnn, x);
        System.out.printf("kept-key overlap with the Java scorer, mode=cpu share=kv (u16): %.4f%n", o);
        assertTrue(o > 0.99, "overlap " + o);
        assertTrue(noticesText().isEmpty(), noticesText());
    }

    /** Mean over (head, position) of |kept_a ∩ kept_b| / |kept_a|. */
    private static double overlap(SessionDriver.Run a, SessionDriver.Run b, QkvData x) {
        double sum = 0;
        int count = 0;
        for (int p = 0; p < x.n(); p++) {
            for (int h = 0; h < x.queryHeads(); h++) {
                int[] ka = a.kept(h, p);
                int[] kb = b.kept(h, p);
                java.util.Set<Integer> s = new java.util.HashSet<>();
                for (int v : kb) {
                    s.add(v);
                }
                int common = 0;
                for (int v : ka) {
                    common += s.contains(v) ? 1 : 0;
                }
                sum += ka.length == 0 ? 1 : (double) common / ka.length;
                count++;
            }
        }
        return sum / count;
    }
}
