package dev.shadowattn.host.compare;

import dev.shadowattn.api.AttentionBackend;
import dev.shadowattn.api.AttentionGeometry;
import dev.shadowattn.api.AttentionOptions;
import dev.shadowattn.api.AttentionSession;
import dev.shadowattn.host.attention.DenseAttentionProvider;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TimedBackendTest {

    private static float[] random(int n, long seed) {
        Random r = new Random(seed);
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) r.nextGaussian();
        }
        return a;
    }

    @Test
    void forwardsEveryCallAndTimesAppendAndAttend() {
        AttentionGeometry g = new AttentionGeometry(2, 4, 2, 32, 256);
        AttentionOptions o = AttentionOptions.NONE.with(AttentionOptions.THREADS, "1");
        int n = 200;
        float[] k = random(n * g.kvDim(), 1), v = random(n * g.kvDim(), 2), q = random(n * g.queryDim(), 3);
        float[] expected = new float[n * g.queryDim()], actual = new float[n * g.queryDim()];
        try (AttentionBackend plain = new DenseAttentionProvider().create(g, o);
             AttentionSession ref = plain.openSession();
             TimedBackend timed = new TimedBackend(new DenseAttentionProvider().create(g, o));
             TimedSession s = timed.openSession()) {
            assertEquals("dense", timed.name());
            assertSame(g, timed.geometry());
            assertEquals(timed.inner().describe(), timed.describe());
            for (int l = 0; l < g.layers(); l++) {
                ref.append(l, 0, n, k, 0, v, 0);
                ref.attend(l, 0, n, q, 0, expected, 0);
                s.append(l, 0, n, k, 0, v, 0);
                s.attend(l, 0, n, q, 0, actual, 0);
                assertArrayEquals(expected, actual, "the decorator changes nothing in the output");
            }
            assertEquals(n, s.length());
            assertEquals(ref.cacheBytes(), s.cacheBytes());
            assertEquals(ref.stats().visibleKeys(), s.stats().visibleKeys());
            assertEquals(ref.stats().keptKeys(), s.stats().keptKeys());
            assertTrue(s.appendNanos() > 0 && s.attendNanos() > 0, "both calls are timed");
            assertEquals(s.appendNanos() + s.attendNanos(), s.nanos());
            s.resetTimes();
            assertEquals(0, s.nanos());
            s.resetStats();
            assertEquals(0, s.stats().visibleKeys());
            s.truncate(10);
            assertEquals(10, s.length());
        }
    }

    @Test
    void failedCallsAreStillTimedAndRethrown() {
        AttentionGeometry g = new AttentionGeometry(1, 2, 1, 16, 8);
        try (TimedBackend timed = new TimedBackend(new DenseAttentionProvider().create(g, AttentionOptions.NONE));
             TimedSession s = timed.openSession()) {
            float[] kv = new float[16 * g.kvDim()];
            try {
                s.append(0, 0, 16, kv, 0, kv, 0);
                throw new AssertionError("appending beyond the maximum context must fail");
            } catch (IllegalStateException expected) {
                assertTrue(s.appendNanos() > 0);
            }
        }
    }
}
