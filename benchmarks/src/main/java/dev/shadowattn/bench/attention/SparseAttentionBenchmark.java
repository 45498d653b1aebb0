package dev.shadowattn.bench.attention;

import dev.shadowattn.api.AttentionBackend;
import dev.shadowattn.api.AttentionGeometry;
import dev.shadowattn.api.AttentionOptions;
import dev.shadowattn.api.AttentionProvider;
import dev.shadowattn.api.AttentionSession;
import dev.shadowattn.api.AttentionStats;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.ServiceLoader;
import java.util.concurrent.TimeUnit;

/**
 * Dense against shadowAttn, side by side in one run: one {@code attend} call of {@code rows} query rows (1 = decode,
 * 128 = a prefill chunk) at the end of a {@code context}-position cache, every backend given the same threads.
 *
 * <p>{@code backend}: {@code dense} (the engine's dense backend, blocked K, found through the SPI),
 * {@code shadow-dense} (shadowattn at ratio 1: its own dense path), {@code cpu} (shadowattn's CPU default),
 * {@code faithful} (the paper's algorithm), or {@code shadowattn:k=v;k=v} for any option set. At the end of a
 * trial shadowattn prints the estimate / select / attend shares of its time in the last (measured) iteration
 * ({@code shares:} lines).
 *
 * <p>Besides the wall-clock score, the CPU time of the calls is recorded ({@link CpuCounters}).
 *
 * <p>Run: {@code java -jar benchmarks/target/benchmarks.jar SparseAttentionBenchmark -p context=4096,16384 ...};
 * the suite and its report: docs/BENCHMARKS.md.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
        "-XX:+UseParallelGC"})
public class SparseAttentionBenchmark {

    @Param({"dense", "cpu", "faithful"})
    public String backend;

    @Param({"1", "128"})
    public int rows;

    @Param({"1024", "4096", "16384", "32768"})
    public int context;

    /** KV heads x query heads x head dim. */
    @Param({"1x3x64", "1x3x128"})
    public String geometry;

    @Param({"1"})
    public int threads;

    /** {@code cold}: cycle through layers holding more K/V than the L3 (decode of a real model); {@code hot}. */
    @Param({"cold"})
    public String cache;

    /**
     * MiB of float K/V the {@code cold} layers hold together: 512, so that even a backend reading a sixth of the keys
     * reads more per cycle than the L3 holds (with 64, twice the L3, a sparse backend's selected blocks stayed cached
     * from one call to the next and its decode looked twice as fast as it is).
     */
    @Param({"512"})
    public int coldMiB;

    private AttentionBackend attention;
    private AttentionSession session;
    private AttentionGeometry g;
    private float[] q;
    private float[] out;
    private int layer;
    private long calls;

    @Setup(Level.Trial)
    public void setUp() {
        String[] shape = geometry.split("x");
        int kvHeads = Integer.parseInt(shape[0]);
        int queryHeads = Integer.parseInt(shape[1]);
        int headDim = Integer.parseInt(shape[2]);
        long kvBytes = 2L * context * kvHeads * headDim * Float.BYTES;
        int layers = cache.equals("hot") ? 1 : (int) Math.max(1, (((long) coldMiB << 20) + kvBytes - 1) / kvBytes);
        g = new AttentionGeometry(layers, queryHeads, kvHeads, headDim, context);
        attention = create(backend, g, threads);
        session = attention.openSession();
        float[] k = gaussian(1, context * g.kvDim());
        float[] v = gaussian(2, context * g.kvDim());
        for (int l = 0; l < layers; l++) {
            session.append(l, 0, context, k, 0, v, 0);
        }
        q = gaussian(3, rows * g.queryDim());
        out = new float[rows * g.queryDim()];
    }

    /** A backend by benchmark name, through the SPI. */
    static AttentionBackend create(String name, AttentionGeometry g, int threads) {
        String provider = name.equals("dense") ? "dense" : "shadowattn";
        List<String> opts = new ArrayList<>();
        switch (name) {
            case "dense", "cpu" -> { }
            case "shadow-dense" -> opts.add("ratio=1");
            case "faithful" -> opts.add("mode=faithful");
            default -> {
                if (!name.startsWith("shadowattn:")) {
                    throw new IllegalArgumentException("unknown backend " + name);
                }
                opts.addAll(List.of(name.substring("shadowattn:".length()).split(";")));
            }
        }
        if (!provider.equals("dense")) {
            opts.add("profile=none");
        }
        AttentionOptions options = AttentionOptions.parse(opts).with(AttentionOptions.THREADS, Integer.toString(threads));
        for (AttentionProvider p : ServiceLoader.load(AttentionProvider.class)) {
            if (p.name().equals(provider)) {
                return p.create(g, options);
            }
        }
        throw new IllegalStateException("attention provider '" + provider + "' is not on the class path");
    }

    /** Stats and calls at the start of the current iteration, and over the last finished one. */
    private AttentionStats iterationStart = AttentionStats.NONE;
    private long iterationCalls;
    private AttentionStats lastIteration = AttentionStats.NONE;
    private long lastIterationCalls;

    @Setup(Level.Iteration)
    public void iterationStart() {
        iterationStart = session.stats();
        iterationCalls = calls;
    }

    @TearDown(Level.Iteration)
    public void iterationEnd() {
        AttentionStats now = session.stats();
        lastIteration = new AttentionStats(now.visibleKeys() - iterationStart.visibleKeys(),
                now.keptKeys() - iterationStart.keptKeys(), now.estimateNanos() - iterationStart.estimateNanos(),
                now.selectNanos() - iterationStart.selectNanos(), now.attendNanos() - iterationStart.attendNanos());
        lastIterationCalls = calls - iterationCalls;
    }

    /** Prints the shares of the trial's last iteration (a measured one, past the JIT's warm-up). */
    @TearDown(Level.Trial)
    public void tearDown() {
        AttentionStats s = lastIteration;
        long calls = lastIterationCalls;
        long total = s.estimateNanos() + s.selectNanos() + s.attendNanos();
        if (total > 0 && calls > 0) {
            System.out.printf(Locale.ROOT, "%nshares: %s rows=%d context=%d %s: estimate %.0f%% select %.0f%% attend "
                            + "%.0f%%; per call estimate %.1f us, select %.1f us, attend %.1f us; kept %.3f%n",
                    backend, rows, context, geometry, 100.0 * s.estimateNanos() / total,
                    100.0 * s.selectNanos() / total, 100.0 * s.attendNanos() / total,
                    s.estimateNanos() / 1e3 / calls, s.selectNanos() / 1e3 / calls, s.attendNanos() / 1e3 / calls,
                    s.keptFraction());
        }
        session.close();
        attention.close();
    }

    /**
     * CPU time of the {@code attend} calls, as JMH secondary metrics {@code attend:cpuNanos} and {@code attend:calls}
     * (events per iteration; their ratio is the CPU time per call). On a loaded machine the wall-clock score mostly
     * measures the scheduler's share; CPU time counts the work. With {@code threads} > 1 every thread of the JVM is
     * counted (a backend's helpers work on other threads).
     */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.EVENTS)
    public static class CpuCounters {
        public long cpuNanos;
        public long calls;
    }

    private static final ThreadMXBean THREAD_CPU = ManagementFactory.getThreadMXBean();

    private long cpuNow() {
        if (threads == 1) {
            return THREAD_CPU.getCurrentThreadCpuTime();
        }
        long sum = 0;
        for (long t : ((com.sun.management.ThreadMXBean) THREAD_CPU).getThreadCpuTime(THREAD_CPU.getAllThreadIds())) {
            sum += Math.max(0, t);
        }
        return sum;
    }

    @Benchmark
    public float[] attend(CpuCounters cpu) {
        long t0 = cpuNow();
        int l = layer;
        layer = l + 1 == g.layers() ? 0 : l + 1;
        session.attend(l, context - rows, rows, q, 0, out, 0);
        calls++;
        cpu.cpuNanos += cpuNow() - t0;
        cpu.calls++;
        return out;
    }

    static float[] gaussian(long seed, int n) {
        Random rnd = new Random(seed);
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) rnd.nextGaussian();
        }
        return a;
    }
}
