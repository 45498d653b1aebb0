package dev.shadowattn.plugin.attention;

import dev.shadowattn.api.AttentionGeometry;
import dev.shadowattn.api.AttentionOptions;
import dev.shadowattn.api.AttentionSession;
import dev.shadowattn.api.ContextOverflowException;
import dev.shadowattn.plugin.ShadowAttnBackend;
import dev.shadowattn.plugin.ShadowAttnProvider;
import dev.shadowattn.plugin.profile.ModelProfile;
import dev.shadowattn.plugin.testing.Backends;
import dev.shadowattn.plugin.testing.DenseReference;
import dev.shadowattn.plugin.testing.QkvData;
import dev.shadowattn.plugin.testing.SessionDriver;
import dev.shadowattn.plugin.testing.SyntheticQkv;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The robustness cases of the issue: each works correctly or fails with a clear message. */
class RobustnessTest {

    private static final QkvData DATA = SyntheticQkv.generate(11, 6, 2, 64, 80);

    private static String message(Throwable t) {
        return t.getMessage() == null ? "" : t.getMessage();
    }

    // ---- ratios outside (0, 1] -----------------------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(strings = {"0", "-0.2", "1.5", "NaN", "Infinity", "1.0000001"})
    void ratioOutsideUnitIntervalIsRejected(String ratio) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Backends.create(DATA, "ratio=" + ratio));
        assertTrue(message(e).contains("ratio"), message(e));
    }

    @Test
    void ratioThatIsNotANumberIsRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Backends.create(DATA, "ratio=fifth"));
        assertTrue(message(e).contains("ratio=fifth"), message(e));
    }

    @Test
    void profileRatioOutsideUnitIntervalIsRejected() {
        AttentionGeometry g = Backends.geometry(DATA, 2);
        double[][] ratios = {{0.2, 0.2, 0.2, 0.2, 0.2, 0.2}, {0.2, 0.2, 1.2, 0.2, 0.2, 0.2}};
        ModelProfile p = new ModelProfile(ratios, null, null, "test-profile");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ShadowAttnProvider.create(g, Backends.options(""), p));
        assertTrue(message(e).contains("ratios[1][2]") && message(e).contains("test-profile"), message(e));
    }

    // ---- heads or dimensions that do not match the geometry ------------------------------------------------------

    @Test
    void profileWithWrongShapeIsRejected() {
        AttentionGeometry g = Backends.geometry(DATA, 2);
        double[][] threeLayers = new double[3][6];
        for (double[] r : threeLayers) {
            Arrays.fill(r, 0.3);
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ShadowAttnProvider.create(g,
                Backends.options(""), new ModelProfile(threeLayers, null, null, "p")));
        assertTrue(message(e).contains("ratios has 3 entries but the model has 2 layers"), message(e));
        double[][] fiveHeads = {{.2, .2, .2, .2, .2}, {.2, .2, .2, .2, .2}};
        e = assertThrows(IllegalArgumentException.class, () -> ShadowAttnProvider.create(g, Backends.options(""),
                new ModelProfile(fiveHeads, null, null, "p")));
        assertTrue(message(e).contains("ratios[0] has 5 entries but the model has 6 query heads"), message(e));
        float[][] q = new float[2][6];
        float[][] k = new float[2][6];  // K scales are per KV head: 2, not 6
        for (int l = 0; l < 2; l++) {
            Arrays.fill(q[l], 0.1f);
            Arrays.fill(k[l], 0.1f);
        }
        e = assertThrows(IllegalArgumentException.class, () -> ShadowAttnProvider.create(g, Backends.options(""),
                new ModelProfile(null, q, k, "p")));
        assertTrue(message(e).contains("kScale[0] has 6 entries but the model has 2 KV heads"), message(e));
    }

    @Test
    void arraysTooShortForTheGeometryAreRejected() {
        try (ShadowAttnBackend b = Backends.create(DATA, ""); AttentionSession s = b.openSession()) {
            float[] k = new float[2 * DATA.kvDim() - 1];
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> s.append(0, 0, 2, k, 0, k, 0));
            assertTrue(message(e).startsWith("k:"), message(e));
            s.append(0, 0, 2, DATA.k(), 0, DATA.v(), 0);
            float[] q = new float[2 * DATA.queryDim()];
            float[] out = new float[2 * DATA.queryDim() - 64];
            e = assertThrows(IllegalArgumentException.class, () -> s.attend(0, 0, 2, q, 0, out, 0));
            assertTrue(message(e).startsWith("out:"), message(e));
            e = assertThrows(IllegalArgumentException.class, () -> s.attend(0, 0, 2, q, 1, q, 0));
            assertTrue(message(e).startsWith("q:"), message(e));
        }
    }

    @Test
    void protocolViolationsAreRejected() {
        try (ShadowAttnBackend b = Backends.create(DATA, ""); AttentionSession s = b.openSession()) {
            float[] q = new float[4 * DATA.queryDim()];
            assertTrue(message(assertThrows(IllegalArgumentException.class, () -> s.append(1, 0, 1, DATA.k(), 0,
                    DATA.v(), 0))).contains("layer 1 is outside [0, 1)"));
            assertTrue(message(assertThrows(IllegalArgumentException.class, () -> s.append(0, 3, 1, DATA.k(), 0,
                    DATA.v(), 0))).contains("must start there, not at 3"));
            s.append(0, 0, 2, DATA.k(), 0, DATA.v(), 0);
            assertTrue(message(assertThrows(IllegalArgumentException.class, () -> s.attend(0, 1, 2, q, 0, q, 0)))
                    .contains("are not all appended"));
            assertThrows(ContextOverflowException.class, () -> s.append(0, 2, DATA.n() - 1, DATA.k(), 0,
                    DATA.v(), 0));
            assertEquals(2, s.length(), "a failed append changes nothing");
        }
    }

    @Test
    void unknownOptionIsRejectedNamingIt() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Backends.create(DATA, "ratoi=0.3"));
        assertTrue(message(e).contains("'ratoi'") && message(e).contains("ratio"), message(e));
    }

    // ---- NaN / Inf in Q or K ---------------------------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(floats = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY})
    void nonFiniteKeyIsRejectedAndLeavesCacheUnchanged(float bad) {
        try (ShadowAttnBackend b = Backends.create(DATA, "mode=faithful"); AttentionSession s = b.openSession()) {
            s.append(0, 0, 4, DATA.k(), 0, DATA.v(), 0);
            float[] k = Arrays.copyOfRange(DATA.k(), 4 * DATA.kvDim(), 8 * DATA.kvDim());
            k[2 * DATA.kvDim() + 64 + 5] = bad;  // row 2 (position 6), KV head 1, channel 5
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> s.append(0, 4, 4, k, 0, DATA.v(), 4 * DATA.kvDim()));
            assertTrue(message(e).contains("position 6, KV head 1, channel 5"), message(e));
            assertEquals(4, s.length());
            // The session still works, and gives the same result as if the bad append never happened.
            s.append(0, 4, 4, DATA.k(), 4 * DATA.kvDim(), DATA.v(), 4 * DATA.kvDim());
            float[] out = new float[8 * DATA.queryDim()];
            s.attend(0, 0, 8, DATA.q(), 0, out, 0);
            assertTrue(DenseReference.relativeError(Arrays.copyOf(out, DATA.queryDim()),
                    DenseReference.attend(DATA, 0, 1)) < 1e-5);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"mode=faithful", "mode=cpu"})
    void nonFiniteQueryIsRejectedNamingPositionAndHead(String spec) {
        try (ShadowAttnBackend b = Backends.create(DATA, spec); AttentionSession s = b.openSession()) {
            s.append(0, 0, 8, DATA.k(), 0, DATA.v(), 0);
            float[] q = Arrays.copyOf(DATA.q(), 8 * DATA.queryDim());
            q[5 * DATA.queryDim() + 4 * 64 + 63] = Float.NaN;  // position 5, head 4
            float[] out = new float[8 * DATA.queryDim()];
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> s.attend(0, 0, 8, q, 0, out, 0));
            assertTrue(message(e).contains("position 5, query head 4"), message(e));
            q[5 * DATA.queryDim() + 4 * 64 + 63] = Float.POSITIVE_INFINITY;
            assertThrows(IllegalArgumentException.class, () -> s.attend(0, 0, 8, q, 0, out, 0));
        }
    }

    // ---- all-masked rows ------------------------------------------------------------------------------------------

    @Test
    void emptyCallsAreNoOps() {
        try (ShadowAttnBackend b = Backends.create(DATA, ""); AttentionSession s = b.openSession()) {
            s.append(0, 0, 0, new float[0], 0, new float[0], 0);
            float[] out = {7f};
            s.attend(0, 0, 0, new float[0], 0, out, 0);
            assertEquals(7f, out[0]);
            assertEquals(0, s.length());
            assertEquals(0, s.stats().visibleKeys());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"mode=cpu,tile=64", "mode=cpu,tile=16,block=16", "mode=faithful,tile=32"})
    void rowsThatSeeNoneOfADiagonalBlockStayExact(String spec) {
        // In a shared tile the first rows see none of the later diagonal keys: those keys are masked for them.
        QkvData x = SyntheticQkv.generate(3, 6, 2, 64, 200);
        try (ShadowAttnBackend b = Backends.create(x, spec + ",ratio=0.2")) {
            SessionDriver.Run run = SessionDriver.run(b, x, 0, 200, 100, true);
            float[] expect = new float[run.out().length];
            for (int p = 0; p < x.n(); p++) {
                for (int h = 0; h < x.queryHeads(); h++) {
                    int[] keys = run.kept(h, p);
                    assertTrue(keys.length >= 1 && keys[keys.length - 1] <= p);
                    DenseReference.attendOne(x, h, p, keys, keys.length, expect, (p * x.queryHeads() + h) * 64);
                }
            }
            assertTrue(DenseReference.relativeError(run.out(), expect) < 2e-5);
        }
    }

    // ---- contexts shorter than k ------------------------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(strings = {"mode=faithful,ratio=0.9", "mode=faithful,sink=50,window=50", "mode=cpu,block=256",
            "mode=cpu,tile=256,sink=300", "mode=cpu,dense-below=64", "mode=faithful,block=128,tile=8",
            "mode=cpu,estimator=blocks-int8,ratio=0.6", "mode=faithful,prefill-only=true"})
    void shortContextsWork(String spec) {
        QkvData x = SyntheticQkv.generate(5, 6, 2, 64, 24);
        try (ShadowAttnBackend b = Backends.create(x, spec)) {
            for (int chunk : new int[]{1, 5, 24}) {
                SessionDriver.Run run = SessionDriver.run(b, x, 0, chunk == 1 ? 0 : 24, chunk, true);
                float[] expect = new float[run.out().length];
                for (int p = 0; p < x.n(); p++) {
                    for (int h = 0; h < x.queryHeads(); h++) {
                        int[] keys = run.kept(h, p);
                        assertTrue(keys.length >= 1 && keys.length <= p + 1, spec + " at " + p);
                        DenseReference.attendOne(x, h, p, keys, keys.length, expect, (p * x.queryHeads() + h) * 64);
                    }
                }
                assertTrue(DenseReference.relativeError(run.out(), expect) < 2e-5, spec + " chunk " + chunk);
            }
        }
    }

    @Test
    void singleKeyRowKeepsAtLeastOneKey() {
        QkvData x = SyntheticQkv.generate(8, 6, 2, 64, 3);
        try (ShadowAttnBackend b = Backends.create(x, "mode=faithful,ratio=0.01")) {
            SessionDriver.Run run = SessionDriver.run(b, x, 0, 0, 1, true);
            for (int p = 0; p < 3; p++) {
                assertEquals(1, run.kept(0, p).length, "ceil(0.01 * visible) = 1 key");
            }
            assertArrayEquals(new int[]{0}, run.kept(0, 0));
        }
    }

    @Test
    void geometryMustMatchTheKernels() {
        // A head dimension the vector kernels cannot split falls back to the scalar kernels and stays exact.
        QkvData x = SyntheticQkv.generate(9, 4, 2, 20, 40);
        try (ShadowAttnBackend b = (ShadowAttnBackend) new ShadowAttnProvider().create(Backends.geometry(x, 1),
                Backends.options("ratio=1.0"))) {
            assertEquals("scalar", b.plan().kernels().name());
            SessionDriver.Run run = SessionDriver.run(b, x, 0, 40, 16, false);
            assertTrue(DenseReference.relativeError(run.out(), DenseReference.attend(x, 0, 40)) < 1e-5);
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new ShadowAttnProvider()
                .create(Backends.geometry(x, 1), Backends.options("kernels=vector")));
        assertTrue(message(e).contains("headDim 20"), message(e));
        assertThrows(IllegalArgumentException.class, () -> new ShadowAttnProvider().create(Backends.geometry(x, 1),
                AttentionOptions.NONE.with("threads", "-1")));
    }
}
