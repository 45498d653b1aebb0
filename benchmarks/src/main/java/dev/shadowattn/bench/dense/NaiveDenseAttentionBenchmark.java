package dev.shadowattn.bench.dense;

import java.util.concurrent.TimeUnit;

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
 * {@link NaiveRowMajorAttention} (row-major K/V, one head at a time, one thread) on the same shapes as
 * {@link DenseAttentionBenchmark}, to show what the blocked layout, GQA sharing and tiling gain.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class NaiveDenseAttentionBenchmark {

    @Param({"1", "128"})
    public int rows;

    @Param({"1024", "4096", "16384", "32768"})
    public int context;

    @Param({"1x3x64", "1x3x128", "2x6x64"})
    public String geometry;

    @Param({"cold"})
    public String cache;

    private NaiveRowMajorAttention attention;
    private float[][] k;
    private float[][] v;
    private float[] q;
    private float[] out;
    private int layer;
    private final CpuClock cpu = new CpuClock();

    @Setup(Level.Trial)
    public void setUp() {
        BenchGeometry shape = BenchGeometry.parse(geometry);
        int layers = shape.layers(context, cache);
        attention = new NaiveRowMajorAttention(shape.queryHeads(), shape.kvHeads(), shape.headDim(), context);
        k = new float[layers][];
        v = new float[layers][];
        for (int l = 0; l < layers; l++) {
            // Separate arrays per layer (the same values) so cold runs really stream from memory.
            k[l] = BenchGeometry.gaussian(1, context * shape.kvHeads() * shape.headDim());
            v[l] = BenchGeometry.gaussian(2, context * shape.kvHeads() * shape.headDim());
        }
        q = BenchGeometry.gaussian(3, rows * shape.queryHeads() * shape.headDim());
        out = new float[q.length];
    }

    @TearDown(Level.Trial)
    public void report() {
        cpu.report("naive " + geometry + " context=" + context + " rows=" + rows);
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
        layer = l + 1 == k.length ? 0 : l + 1;
        attention.attend(k[l], v[l], context - rows, rows, q, out);
        return out;
    }
}
