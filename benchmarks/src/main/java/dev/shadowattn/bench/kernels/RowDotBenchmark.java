package dev.shadowattn.bench.kernels;

import dev.shadowattn.gguf.GgmlType;
import dev.shadowattn.gguf.tensor.Float16;
import dev.shadowattn.gguf.tensor.TensorKernels;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * Matrix-vector products over the rows of a {@code rows x n} weight matrix in off-heap memory (as a mapped GGUF
 * tensor), scalar vs vector kernels; subclasses declare the parameters. Scores are nanoseconds per row dot
 * product: {@link #dot} does one x per row, {@link #dotBatch} does {@link #BATCH} x vectors per row (prefill) and
 * counts each as one operation. Bytes per row: Q8_0 34n/32, Q4_0 18n/32, Q4_K 144n/256, Q6_K 210n/256,
 * F16/BF16 2n, F32 4n.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public abstract class RowDotBenchmark {

    /** Rows per benchmark invocation (wrapping around the matrix when it has fewer or more). */
    static final int ROWS = 1024;
    /** x vectors per dotBatch call (prefill tokens). */
    static final int BATCH = 16;

    private GgmlType ggmlType;
    private int length;
    private int matrixRows;
    private TensorKernels k;
    private Arena arena;
    private MemorySegment weights;
    private float[] x;
    private float[] xs;
    private float[] out;
    private int row;

    /** Tensor type name, e.g. "Q8_0". */
    protected abstract String type();

    /** Row length. */
    protected abstract int n();

    /** "scalar" or "vector". */
    protected abstract String kernels();

    /** Rows of the matrix. */
    protected abstract int rows();

    @Setup(Level.Trial)
    public void setUp() {
        ggmlType = GgmlType.valueOf(type());
        length = n();
        matrixRows = rows();
        k = kernels().equals("scalar") ? TensorKernels.scalar() : TensorKernels.best();
        if (!k.name().startsWith(kernels())) {
            throw new IllegalStateException("wanted " + kernels() + " kernels, got " + k.name());
        }
        Random rnd = new Random(42);
        byte[] bytes = randomTensor(ggmlType, Math.toIntExact((long) matrixRows * length / ggmlType.blockSize()), rnd);
        arena = Arena.ofShared();
        MemorySegment s = arena.allocate(bytes.length, 64);
        MemorySegment.copy(MemorySegment.ofArray(bytes), 0, s, 0, bytes.length);
        weights = s.asReadOnly();
        xs = new float[BATCH * length];
        for (int i = 0; i < xs.length; i++) {
            xs[i] = (float) rnd.nextGaussian();
        }
        x = new float[length];
        System.arraycopy(xs, 0, x, 0, length);
        out = new float[BATCH];
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        arena.close();
    }

    /** Random bytes with finite fp16 scales and finite float elements. */
    static byte[] randomTensor(GgmlType type, int blocks, Random rnd) {
        ByteBuffer b = ByteBuffer.allocate(Math.multiplyExact(blocks, type.typeSize())).order(ByteOrder.LITTLE_ENDIAN);
        rnd.nextBytes(b.array());
        for (int i = 0; i < blocks; i++) {
            int o = i * type.typeSize();
            short scale = Float16.fromFloat(0.01f + rnd.nextFloat() * 0.01f);
            switch (type) {
                case F32 -> b.putFloat(o, (float) rnd.nextGaussian());
                case F16 -> b.putShort(o, Float16.fromFloat((float) rnd.nextGaussian()));
                case BF16 -> b.putShort(o, (short) (Float.floatToRawIntBits((float) rnd.nextGaussian()) >>> 16));
                case Q8_0, Q4_0 -> b.putShort(o, scale);
                case Q4_K -> b.putShort(o, scale).putShort(o + 2, scale);
                case Q6_K -> b.putShort(o + 208, scale);
                default -> throw new IllegalArgumentException(type.toString());
            }
        }
        return b.array();
    }

    /** ROWS row dot products with one x: the score is ns per row. */
    @Benchmark
    @OperationsPerInvocation(ROWS)
    public float dot() {
        float sum = 0;
        for (int r = 0; r < ROWS; r++) {
            sum += k.dot(ggmlType, weights, (long) nextRow() * length, x, 0, length);
        }
        return sum;
    }

    /** ROWS rows, each against BATCH x vectors: the score is ns per row and x vector. */
    @Benchmark
    @OperationsPerInvocation(ROWS * BATCH)
    public float dotBatch() {
        float sum = 0;
        for (int r = 0; r < ROWS; r++) {
            k.dotBatch(ggmlType, weights, (long) nextRow() * length, length, xs, 0, length, BATCH, out, 0, 1);
            sum += out[0];
        }
        return sum;
    }

    private int nextRow() {
        int r = row;
        row = r + 1 == matrixRows ? 0 : r + 1;
        return r;
    }
}
