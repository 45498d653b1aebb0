package dev.shadowattn.host.properties;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.shadowattn.api.AttentionBackend;
import dev.shadowattn.api.AttentionGeometry;
import dev.shadowattn.api.AttentionSession;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Several sessions of one backend used from several threads at once (the SPI allows it: a backend is thread-safe,
 * a session is used by one thread at a time) give bit-for-bit the results each gives alone; opening, using and
 * closing sessions while another session runs leaves that one unaffected; a closed session refuses work with an
 * exception instead of touching released memory. For every backend, through the SPI.
 *
 * <p>The single-threaded results are taken after a warm-up: the Vector API kernels give results that differ in the
 * last bit between their first (interpreted) calls and later (C2-compiled) ones, whatever the threads (see
 * docs/ROBUSTNESS.md); that is not what this test is about, hence also the scalar-kernel variants, which must match
 * bit for bit.
 */
class ConcurrentSessionsTest {

    private static final AttentionGeometry GEOMETRY = new AttentionGeometry(2, 6, 2, 64, 512);
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final int WARM_UP_RUNS = 3;

    /**
     * Each backend with its scalar kernels, whose results must be bit-for-bit those of a session alone, and with its
     * default kernels, whose results may differ in the last bits (the JIT may compile the Vector API reductions
     * differently between runs) and must agree within {@link Tolerance}.
     */
    static Stream<Arguments> backends() {
        return Stream.of(
                Arguments.of("dense, scalar kernels", true,
                        (Function<AttentionGeometry, AttentionBackend>) g -> Backends.dense(g, 2, "scalar")),
                Arguments.of("dense", false,
                        (Function<AttentionGeometry, AttentionBackend>) g -> Backends.dense(g, 2)),
                Arguments.of("shadowattn ratio 0.3, scalar kernels", true,
                        (Function<AttentionGeometry, AttentionBackend>) g -> Backends.shadowattn(g, 0.3, 2, "scalar")),
                Arguments.of("shadowattn ratio 1.0", false,
                        (Function<AttentionGeometry, AttentionBackend>) g -> Backends.shadowattn(g, 1.0, 2)));
    }

    private static void requireSame(float[][] actual, float[][] alone, boolean exact, Workload w, String what) {
        if (exact) {
            Outputs.requireIdentical(actual, alone, what);
        } else {
            Outputs.requireClose(actual, alone, Tolerance.of(w), what);
        }
    }

    private static List<Workload> workloads(int count) {
        List<Workload> list = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            list.add(new Workload(GEOMETRY, 200 + 40 * i, 2f, 1000 + i, List.of(1 + 13 * i, 64, 1, 1)));
        }
        return list;
    }

    /** The result of a run alone, after {@value #WARM_UP_RUNS} runs that let the JIT compile the kernels. */
    private static float[][] warmedUp(AttentionBackend backend, Workload w) {
        for (int i = 0; i < WARM_UP_RUNS; i++) {
            Runs.run(backend, w);
        }
        return Runs.run(backend, w);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void sessionsOnSeveralThreadsGiveTheirResultsAlone(String name, boolean exact,
                                                       Function<AttentionGeometry, AttentionBackend> make)
            throws Exception {
        List<Workload> work = workloads(6);
        try (AttentionBackend backend = make.apply(GEOMETRY)) {
            List<float[][]> alone = work.stream().map(w -> warmedUp(backend, w)).toList();
            ExecutorService pool = Executors.newFixedThreadPool(4);
            try {
                for (int round = 0; round < 2; round++) {
                    CountDownLatch start = new CountDownLatch(1);
                    List<Future<float[][]>> results = new ArrayList<>();
                    for (Workload w : work) {
                        results.add(pool.submit(() -> {
                            start.await();
                            return Runs.run(backend, w);
                        }));
                    }
                    start.countDown();
                    for (int i = 0; i < work.size(); i++) {
                        float[][] together = results.get(i).get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
                        requireSame(together, alone.get(i), exact, work.get(i), name + ": session " + i + " round "
                                + round);
                    }
                }
            } finally {
                pool.shutdownNow();
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void openingAndClosingSessionsWhileAnotherRunsLeavesItUnaffected(
            String name, boolean exact, Function<AttentionGeometry, AttentionBackend> make) throws Exception {
        Workload main = new Workload(GEOMETRY, 480, 2f, 7, List.of(3, 1, 1, 40));
        Workload side = new Workload(GEOMETRY, 100, 5f, 8, List.of(17));
        try (AttentionBackend backend = make.apply(GEOMETRY)) {
            float[][] alone = warmedUp(backend, main);
            AtomicBoolean done = new AtomicBoolean();
            Thread churn = Thread.ofPlatform().name("churn").start(() -> {
                while (!done.get()) {
                    AttentionSession s = backend.openSession();
                    Runs.run(s, side, 0, side.chunkSizes(0));
                    s.truncate(10);
                    s.close();
                    s.close();   // idempotent
                }
            });
            try {
                float[][] meanwhile = assertTimeoutPreemptively(TIMEOUT, () -> Runs.run(backend, main));
                requireSame(meanwhile, alone, exact, main, name + ": main session while others open and close");
            } finally {
                done.set(true);
                churn.join(TIMEOUT.toMillis());
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void aClosedSessionRefusesWork(String name, boolean exact, Function<AttentionGeometry, AttentionBackend> make) {
        Workload w = new Workload(GEOMETRY, 70, 1f, 9, List.of(70));
        try (AttentionBackend backend = make.apply(GEOMETRY)) {
            AttentionSession s = backend.openSession();
            Runs.run(s, w, 0, List.of(70));
            s.close();
            float[] k = w.k(0);
            float[] q = w.q(0);
            float[] out = new float[GEOMETRY.queryDim()];
            assertThrows(RuntimeException.class, () -> s.append(0, 70, 1, k, 0, k, 0), name + ": append after close");
            assertThrows(RuntimeException.class, () -> s.attend(0, 0, 1, q, 0, out, 0), name + ": attend after close");
            s.close();
            // A fresh session after the closed one works and is unaffected by it.
            assertEquals(0, backend.openSession().length());
        }
    }
}
