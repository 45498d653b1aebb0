package dev.shadowattn.plugin.attention;

import dev.shadowattn.plugin.ShadowAttnBackend;
import dev.shadowattn.plugin.pipeline.HeadPipeline;
import dev.shadowattn.plugin.pipeline.StageCosts;
import dev.shadowattn.plugin.testing.Backends;
import dev.shadowattn.plugin.testing.QkvData;
import dev.shadowattn.plugin.testing.SessionDriver;
import dev.shadowattn.plugin.testing.SyntheticQkv;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The head pipeline gives the sequential backend's output bit for bit, whatever the plan and thread count. Bit
 * equality is checked with the scalar kernels: the Vector API kernels are not bit-reproducible from run to run even
 * sequentially (a lane reduction's order differs between the JIT tiers), so they are compared to a tolerance.
 */
class PipelineTest {

    private static final QkvData DATA = SyntheticQkv.generate(3, 8, 4, 64, 260);
    private static final int PREFILL = 200;
    private static final int CHUNK = 64;

    private static SessionDriver.Run run(String spec) {
        try (ShadowAttnBackend b = Backends.create(DATA, spec)) {
            return SessionDriver.run(b, DATA, 0, PREFILL, CHUNK, false);
        }
    }

    private static void assertSame(SessionDriver.Run expect, SessionDriver.Run got, String what) {
        assertArrayEquals(expect.out(), got.out(), what + ": output differs from the sequential backend");
        assertEquals(expect.stats().kept(), got.stats().kept(), what + ": kept keys");
        assertEquals(expect.stats().visible(), got.stats().visible(), what + ": visible keys");
    }

    @ParameterizedTest
    @ValueSource(strings = {"mode=faithful,ratio=0.2", "mode=faithful,ratio=0.1,prefill-only=true",
            "mode=cpu,ratio=0.2", "mode=cpu,estimator=blocks-int8", "mode=faithful,share=kv,tile=8",
            "mode=faithful,ratio=1.0", "mode=faithful,ratio=0.2,scorer=java"})
    void everyModeAndThreadCountMatchesSequential(String spec) {
        spec += ",kernels=scalar";
        SessionDriver.Run off = run(spec + ",threads=1");
        for (String pipe : new String[]{"pipeline=fifo,cpu-threads=1", "pipeline=greedy,cpu-threads=1",
                "pipeline=fifo,cpu-threads=3", "pipeline=greedy,cpu-threads=2"}) {
            assertSame(off, run(spec + "," + pipe), spec + "," + pipe);
        }
    }

    @Test
    void vectorKernelsAgreeToRounding() {
        String spec = "mode=faithful,ratio=0.2";
        SessionDriver.Run off = run(spec);
        SessionDriver.Run pipe = run(spec + ",pipeline=greedy,cpu-threads=2");
        double err = dev.shadowattn.plugin.testing.DenseReference.relativeError(pipe.out(), off.out());
        assertTrue(err < 1e-5, "relative difference " + err);
    }

    @Test
    void profiledGreedyPlansMatchSequential() {
        String spec = "mode=faithful,ratio=0.15,kernels=scalar";
        SessionDriver.Run off = run(spec);
        try (ShadowAttnBackend b = Backends.create(DATA, spec + ",pipeline=greedy,cpu-threads=2")) {
            HeadPipeline p = b.plan().pipeline();
            // Costs that make greedy reverse the natural order, stored before any call so every call uses them.
            int pos = 0;
            int rows = 8;  // the Java scorer's preferred rows: tasks of one KV head and 8 rows
            while (pos < DATA.n()) {
                int n = pos < PREFILL ? Math.min(CHUNK, PREFILL - pos) : 1;
                int units = DATA.kvHeads() * ((n + rows - 1) / rows);
                long[] cpu = new long[units];
                int[] bucket = new int[units];
                for (int u = 0; u < units; u++) {
                    cpu[u] = 1000L * (units - u);
                    bucket[u] = u;
                }
                p.record(HeadPipeline.CostKey.of(0, pos, n), new StageCosts(new long[units], cpu, 1.0), bucket);
                pos += n;
            }
            var key = HeadPipeline.CostKey.of(0, 0, CHUNK);
            int[] order = p.profiled(key).plan().order();
            assertEquals(order.length - 1, order[0], "the injected costs reverse the order");
            assertSame(off, SessionDriver.run(b, DATA, 0, PREFILL, CHUNK, false), "reversed plan");
        }
        try (ShadowAttnBackend b = Backends.create(DATA, spec + ",pipeline=greedy,cpu-threads=2")) {
            // First run profiles (FIFO), the second runs the greedy plans made from the measured costs.
            assertSame(off, SessionDriver.run(b, DATA, 0, PREFILL, CHUNK, false), "profiling run");
            assertTrue(b.plan().pipeline().profiled(HeadPipeline.CostKey.of(0, 0, CHUNK)) != null);
            assertSame(off, SessionDriver.run(b, DATA, 0, PREFILL, CHUNK, false), "greedy run");
        }
    }

    @Test
    void listenerRunsSequentiallyAndSeesTheSameSelection() {
        String spec = "mode=faithful,ratio=0.2,kernels=scalar";
        try (ShadowAttnBackend off = Backends.create(DATA, spec);
             ShadowAttnBackend pipe = Backends.create(DATA, spec + ",pipeline=greedy")) {
            SessionDriver.Run a = SessionDriver.run(off, DATA, 0, PREFILL, CHUNK, true);
            SessionDriver.Run b = SessionDriver.run(pipe, DATA, 0, PREFILL, CHUNK, true);
            assertSame(a, b, "with a listener");
            assertArrayEquals(a.kept(3, 150), b.kept(3, 150));
        }
    }

    @Test
    void badOptionsAreNamed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Backends.create(DATA, "pipeline=sometimes"));
        assertTrue(e.getMessage().contains("pipeline=sometimes"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> Backends.create(DATA, "pipeline=fifo,cpu-threads=-2"));
        assertTrue(e.getMessage().contains("cpu-threads=-2"), e.getMessage());
    }
}
