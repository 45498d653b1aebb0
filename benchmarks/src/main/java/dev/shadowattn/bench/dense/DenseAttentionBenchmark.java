package dev.shadowattn.bench.dense;

import java.util.concurrent.TimeUnit;

import dev.shadowattn.api.AttentionBackend;
import dev.shadowattn.api.AttentionGeometry;
import dev.shadowattn.api.AttentionOptions;
import dev.shadowattn.api.AttentionSession;
import dev.shadowattn.host.attention.DenseAttentionProvider;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.runner.IterationType;

/**
 * The {@code dense} backend: one {@code attend} call of {@code rows} query rows (1 = decode, 128 = a prefill chunk)
 * at the end of a {@code context}-position cache. Compare with {@link NaiveDenseAttentionBenchmark}.
 *
 * <p>Figures: prefill GFLOP/s = {@code 4 * headDim * queryHeads * visibleKeys / time}; decode GB/s =
 * {@code 2 * context * kvHeads * headDim * 4 bytes / time} (K and V read once).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class DenseAttentionBenchmark {

    @Param({"1", "128"})
    public int rows;

    @Param({"1024", "4096", "16384", "32768"})
    public int context;

    /** KV heads x query heads x head dim. */
    @Param({"1x3x64", "1x3x128", "2x6x64"})
    public String geometry;

    @Param({"1", "2"})
    public int threads;

    /** {@code cold}: cycle through layers holding more K/V than the L3; {@code hot}: one layer. */
    @Param({"cold"})
    public String cache;

    /** {@code hugepages} (the backend's default), {@code offheap} or {@code heap} ({@code float[]} chunks). */
    @Param({"hugepages"})
    public String storage;

    private AttentionBackend backend;
    private AttentionSession session;
    private AttentionGeometry g;
    private float[] q;
    private float[] out;
    private int layer;
    private final CpuClock cpu = new CpuClock();

    @Setup(Level.Trial)
    public void setUp() {
        BenchGeometry shape = BenchGeometry.parse(geometry);
        g = shape.attention(shape.layers(context, cache), context);
        backend = new DenseAttentionProvider().create(g, AttentionOptions.NONE
                .with(DenseAttentionProvider.THREADS, Integer.toString(threads))
                .with(DenseAttentionProvider.STORAGE, storage));
        session = backend.openSession();
        float[] k = BenchGeometry.gaussian(1, context * g.kvDim());
        float[] v = BenchGeometry.gaussian(2, context * g.kvDim());
        for (int l = 0; l < g.layers(); l++) {
            session.append(l, 0, context, k, 0, v, 0);
        }
        q = BenchGeometry.gaussian(3, rows * g.queryDim());
        out = new float[rows * g.queryDim()];
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (threads == 1) {
            cpu.report("dense " + geometry + " context=" + context + " rows=" + rows + " storage=" + storage);
        }
        session.close();
        backend.close();
    }

    @Setup(Level.Iteration)
    public void startIteration(IterationParams iteration) {
        cpu.startIteration(iteration.getType() == IterationType.MEASUREMENT);
    }

    @TearDown(Level.Iteration)
    public void endIteration() {
        cpu.endIteration();
    }

    @Benchmark
    public float[] attend() {
        cpu.op();
        int l = layer;
        layer = l + 1 == g.layers() ? 0 : l + 1;
        session.attend(l, context - rows, rows, q, 0, out, 0);
        return out;
    }
}
