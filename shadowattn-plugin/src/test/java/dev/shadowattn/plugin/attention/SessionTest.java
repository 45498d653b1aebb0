package dev.shadowattn.plugin.attention;

import dev.shadowattn.api.AttentionBackend;
import dev.shadowattn.api.AttentionGeometry;
import dev.shadowattn.api.AttentionProvider;
import dev.shadowattn.api.AttentionSession;
import dev.shadowattn.api.AttentionStats;
import dev.shadowattn.plugin.ShadowAttnBackend;
import dev.shadowattn.plugin.ShadowAttnProvider;
import dev.shadowattn.plugin.testing.Backends;
import dev.shadowattn.plugin.testing.DenseReference;
import dev.shadowattn.plugin.testing.QkvData;
import dev.shadowattn.plugin.testing.SessionDriver;
import dev.shadowattn.plugin.testing.SyntheticQkv;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Session life cycle: discovery, cache growth and release, truncation, counters, selection reports. */
class SessionTest {

    private static final QkvData DATA = SyntheticQkv.generate(21, 6, 2, 64, 600);

    @Test
    void providerIsFoundByServiceLoader() {
        List<AttentionProvider> found = new ArrayList<>();
        ServiceLoader.load(AttentionProvider.class).forEach(found::add);
        AttentionProvider p = found.stream().filter(x -> x.name().equals("shadowattn")).findFirst().orElseThrow();
        assertTrue(p.priority() > 10 && p.isAvailable());
        try (AttentionBackend b = p.create(new AttentionGeometry(2, 6, 2, 64, 4096), Backends.options("ratio=0.3"))) {
            assertEquals("shadowattn", b.name());
            assertTrue(b.describe().contains("ratio=0.300"), b.describe());
        }
    }

    @Test
    void cacheGrowsWithUseAndIsReleased() {
        AttentionGeometry g = new AttentionGeometry(2, 6, 2, 64, 32768);
        try (AttentionBackend b = new ShadowAttnProvider().create(g, Backends.options("mode=cpu"));
             AttentionSession s = b.openSession()) {
            assertEquals(0, s.cacheBytes(), "nothing allocated before the first append");
            for (int l = 0; l < 2; l++) {
                s.append(l, 0, 10, DATA.k(), 0, DATA.v(), 0);
            }
            long small = s.cacheBytes();
            // Per position and KV head: float K and V (2 * 64 * 4), INT8 K (64), scale (4/16), summaries (2*64*4/64).
            long perPosition = 2L * 2 * (2 * 64 * 4 + 64) + 2L * 2 * 8;
            assertTrue(small >= 256 * perPosition && small < 2 * 256 * perPosition + 4096,
                    "one step of 256 positions per layer, got " + small);
            for (int l = 0; l < 2; l++) {
                s.append(l, 10, 590, DATA.k(), 10 * DATA.kvDim(), DATA.v(), 10 * DATA.kvDim());
            }
            long bigger = s.cacheBytes();
            assertTrue(bigger > small && bigger < 32768L * perPosition / 8, "grew with use: " + bigger);
            s.close();
            assertEquals(0, s.cacheBytes(), "close releases the cache");
            s.close();
            assertThrows(IllegalStateException.class, () -> s.append(0, 600, 1, DATA.k(), 0, DATA.v(), 0));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"mode=faithful", "mode=cpu", "mode=cpu,estimator=int8,block=16,tile=16",
            "mode=faithful,kmean=true", "mode=cpu,estimator=blocks-int8,block=32"})
    void truncateThenReappendIsLikeAFreshSession(String spec) {
        try (ShadowAttnBackend b = Backends.create(DATA, spec)) {
            float[] fresh = SessionDriver.run(b, DATA, 0, 300, 64, false).out();
            float[] out = new float[DATA.n() * DATA.queryDim()];
            try (AttentionSession s = b.openSession()) {
                // A first conversation, rolled back to 250 positions (inside a group and a block)...
                s.append(0, 0, 300, DATA.k(), 0, DATA.v(), 0);
                float[] junk = DATA.k().clone();
                for (int i = 0; i < junk.length; i++) {
                    junk[i] = junk[i] * 3 + 1;
                }
                s.append(0, 300, 50, junk, 300 * DATA.kvDim(), junk, 300 * DATA.kvDim());
                s.truncate(250);
                assertEquals(250, s.length());
                // ...then the same positions as the fresh run, from 250 on.
                s.append(0, 250, 50, DATA.k(), 250 * DATA.kvDim(), DATA.v(), 250 * DATA.kvDim());
                for (int pos = 0; pos < 300; pos += 64) {
                    int n = Math.min(64, 300 - pos);
                    s.attend(0, pos, n, DATA.q(), pos * DATA.queryDim(), out, pos * DATA.queryDim());
                }
                for (int pos = 300; pos < DATA.n(); pos++) {
                    s.append(0, pos, 1, DATA.k(), pos * DATA.kvDim(), DATA.v(), pos * DATA.kvDim());
                    s.attend(0, pos, 1, DATA.q(), pos * DATA.queryDim(), out, pos * DATA.queryDim());
                }
            }
            // Key 250's group was requantized from float K: the shadow is as if never overwritten. (Outputs are
            // compared with a tolerance: interpreted and compiled vector code round exp and sums differently.)
            assertTrue(DenseReference.relativeError(out, fresh) < 1e-5, spec);
        }
    }

    @Test
    void truncateBeyondLengthKeepsEverythingAndNegativeFails() {
        try (ShadowAttnBackend b = Backends.create(DATA, ""); AttentionSession s = b.openSession()) {
            s.append(0, 0, 20, DATA.k(), 0, DATA.v(), 0);
            s.truncate(100);
            assertEquals(20, s.length());
            s.truncate(0);
            assertEquals(0, s.length());
            assertThrows(IllegalArgumentException.class, () -> s.truncate(-1));
        }
    }

    @Test
    void statsCountVisibleAndKeptKeysAndTimes() {
        try (ShadowAttnBackend b = Backends.create(DATA, "mode=faithful,ratio=0.25")) {
            SessionDriver.Run run = SessionDriver.run(b, DATA, 0, 256, 64, false);
            long visible = (long) DATA.n() * (DATA.n() + 1) / 2 * DATA.queryHeads();
            assertEquals(visible, run.stats().visible());
            double kept = (double) run.stats().kept() / visible;
            assertTrue(kept > 0.25 && kept < 0.26, "kept fraction " + kept);
            assertTrue(run.stats().estimateNanos() > 0 && run.stats().selectNanos() > 0
                    && run.stats().attendNanos() > 0);
        }
        try (ShadowAttnBackend b = Backends.create(DATA, "ratio=1"); AttentionSession s = b.openSession()) {
            s.append(0, 0, 10, DATA.k(), 0, DATA.v(), 0);
            s.attend(0, 0, 10, DATA.q(), 0, new float[10 * DATA.queryDim()], 0);
            AttentionStats st = s.stats();
            assertEquals(55L * 6, st.visibleKeys());
            assertEquals(1.0, st.keptFraction());
            s.resetStats();
            assertEquals(AttentionStats.NONE, s.stats());
        }
    }

    @Test
    void listenerReportsEveryLayerHeadAndPosition() {
        AttentionGeometry g = new AttentionGeometry(3, 6, 2, 64, 128);
        try (AttentionBackend b = new ShadowAttnProvider().create(g, Backends.options("mode=faithful"));
             AttentionSession s = b.openSession()) {
            List<String> seen = new ArrayList<>();
            s.setSelectionListener((layer, head, pos, keys, count) -> {
                assertTrue(count >= 1 && count <= pos + 1 && keys[count - 1] <= pos);
                seen.add(layer + "/" + head + "/" + pos);
            });
            float[] out = new float[40 * DATA.queryDim()];
            for (int l = 0; l < 3; l++) {
                s.append(l, 0, 40, DATA.k(), 0, DATA.v(), 0);
                s.attend(l, 0, 40, DATA.q(), 0, out, 0);
            }
            assertEquals(3 * 6 * 40, seen.size());
            assertEquals(seen.size(), seen.stream().distinct().count());
            s.setSelectionListener(null);
            s.append(0, 40, 1, DATA.k(), 0, DATA.v(), 0);
            s.attend(0, 40, 1, DATA.q(), 0, out, 0);
            assertEquals(3 * 6 * 40, seen.size(), "no reports after the listener is removed");
        }
    }

    @Test
    void prefillAndDecodeShareOneCodePath() {
        // With the exact estimator (no per-chunk Q scale), rows get the same selection whether they come in a
        // chunk or one at a time, and the same outputs.
        try (ShadowAttnBackend b = Backends.create(DATA, "mode=faithful,estimator=exact")) {
            SessionDriver.Run chunked = SessionDriver.run(b, DATA, 0, DATA.n(), 128, true);
            SessionDriver.Run decoded = SessionDriver.run(b, DATA, 0, 0, 1, true);
            assertSameSelection(chunked, decoded, "prefill vs decode");
            assertTrue(DenseReference.relativeError(decoded.out(), chunked.out()) < 1e-5);
        }
    }

    private static void assertSameSelection(SessionDriver.Run a, SessionDriver.Run b, String what) {
        for (int p = 0; p < DATA.n(); p++) {
            for (int h = 0; h < DATA.queryHeads(); h++) {
                assertArrayEquals(a.kept(h, p), b.kept(h, p), what + " at head " + h + ", position " + p);
            }
        }
    }

    @Test
    void threadsDoNotChangeTheResult() {
        for (String spec : new String[]{"mode=cpu", "mode=faithful"}) {
            float[] one;
            float[] two;
            try (ShadowAttnBackend b = Backends.create(DATA, spec + ",threads=1")) {
                one = SessionDriver.run(b, DATA, 0, 512, 128, false).out();
            }
            try (ShadowAttnBackend b = Backends.create(DATA, spec + ",threads=3")) {
                two = SessionDriver.run(b, DATA, 0, 512, 128, false).out();
            }
            assertTrue(DenseReference.relativeError(two, one) < 1e-5, spec);
        }
    }
}
