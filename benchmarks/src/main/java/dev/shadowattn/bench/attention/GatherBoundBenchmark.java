package dev.shadowattn.bench.attention;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
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

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * The floor under any exact attention over per-head selected keys: the time to merely read the K and V rows of the
 * selected keys (vector loads into a sum, no arithmetic worth the name), against reading all of K and V as a stream.
 * Decode-shaped and cold: each call reads the next of as many copies ("layers") as make the bytes read per cycle
 * 128 MiB, four times the L3, so no call finds its rows cached by an earlier one.
 *
 * <p>{@code read}: {@code stream} reads every row in order; {@code rows:F} reads an ascending random fraction F of
 * them, gathered. F = 0.20 is one head's 20% (the most overlap three heads of a GQA group can have); 0.49 is the
 * union of three independent 20% selections (the benchmark data of {@link SparseAttentionBenchmark}); 0.35 is the
 * union measured on the house model's captured Q/K. docs/SHADOWATTN-BACKEND.md ("Faithful mode, CPU side") compares
 * these floors with dense attention's time.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class GatherBoundBenchmark {

    private static final VectorSpecies<Float> FS = FloatVector.SPECIES_PREFERRED;
    private static final int L = FS.length();
    private static final ByteOrder ORDER = ByteOrder.nativeOrder();

    @Param({"stream", "rows:0.20", "rows:0.35", "rows:0.49"})
    public String read;

    @Param({"4096", "16384"})
    public int context;

    @Param({"64", "128"})
    public int headDim;

    private Arena arena;
    private MemorySegment[] keys;
    private MemorySegment[] values;
    private int[] rows;
    private int count;
    private int layer;

    @Setup(Level.Trial)
    public void setUp() {
        long bytes = (long) context * headDim * Float.BYTES;
        double fraction = read.startsWith("rows:") ? Double.parseDouble(read.substring("rows:".length())) : 1.0;
        // Enough copies that the rows actually read, not just the rows held, exceed the L3 four times over:
        // otherwise a small fraction would stay cached from one call to the next.
        int layers = (int) Math.max(1, Math.ceil((128L << 20) / (fraction * 2 * bytes)));
        arena = Arena.ofShared();
        keys = new MemorySegment[layers];
        values = new MemorySegment[layers];
        Random rnd = new Random(1);
        for (int l = 0; l < layers; l++) {
            keys[l] = arena.allocate(bytes, 64);
            values[l] = arena.allocate(bytes, 64);
            for (long i = 0; i < bytes / Float.BYTES; i++) {
                keys[l].setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) rnd.nextGaussian());
                values[l].setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) rnd.nextGaussian());
            }
        }
        rows = new int[context];
        if (read.equals("stream")) {
            for (int j = 0; j < context; j++) {
                rows[j] = j;
            }
            count = context;
        } else if (read.startsWith("rows:")) {
            for (int j = 0; j < context; j++) {
                if (rnd.nextDouble() < fraction) {
                    rows[count++] = j;
                }
            }
        } else {
            throw new IllegalArgumentException("read=" + read + " is not stream or rows:FRACTION");
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        arena.close();
    }

    /** Reads the K and V rows of the chosen keys of the next layer; returns their sum so nothing is dropped. */
    @Benchmark
    public float readRows() {
        int l = layer;
        layer = l + 1 == keys.length ? 0 : l + 1;
        MemorySegment k = keys[l];
        MemorySegment v = values[l];
        long rowBytes = (long) headDim * Float.BYTES;
        FloatVector a0 = FloatVector.zero(FS);
        FloatVector a1 = FloatVector.zero(FS);
        for (int t = 0; t < count; t++) {
            long base = rows[t] * rowBytes;
            for (long o = 0; o < rowBytes; o += (long) L * Float.BYTES) {
                a0 = a0.add(FloatVector.fromMemorySegment(FS, k, base + o, ORDER));
                a1 = a1.add(FloatVector.fromMemorySegment(FS, v, base + o, ORDER));
            }
        }
        return a0.add(a1).reduceLanes(jdk.incubator.vector.VectorOperators.ADD);
    }
}
