package dev.shadowattn.bench.pipeline;

import dev.shadowattn.plugin.pipeline.Planner;
import dev.shadowattn.plugin.pipeline.SchedulePlan;
import dev.shadowattn.plugin.pipeline.StageCosts;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * Time to plan one layer's heads with the greedy planner (the paper: under 1 ms), for 32 heads as single units
 * ({@code buckets=32}) or fused into the 9 scale buckets of the 3x3 grid ({@code buckets=9}).
 *
 * <p>Run: {@code java -jar benchmarks/target/benchmarks.jar PlannerBenchmark -f 1 -wi 3 -i 5}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class PlannerBenchmark {

    @Param({"32"})
    public int heads;

    @Param({"32", "9"})
    public int buckets;

    @Param({"1", "4"})
    public int cpuThreads;

    private StageCosts costs;
    private int[] bucket;

    @Setup
    public void setup() {
        Random rnd = new Random(1);
        long[] s = new long[heads];
        long[] c = new long[heads];
        bucket = new int[heads];
        for (int h = 0; h < heads; h++) {
            s[h] = 50_000 + rnd.nextInt(50_000);
            c[h] = 20_000 + rnd.nextInt(300_000);
            bucket[h] = h % buckets;
        }
        costs = new StageCosts(s, c, buckets == heads ? 1.0 : 0.5);
    }

    @Benchmark
    public SchedulePlan greedy() {
        return Planner.greedy(costs, bucket, cpuThreads);
    }

    @Benchmark
    public SchedulePlan fifo() {
        return Planner.fifo(costs, bucket, cpuThreads);
    }
}
