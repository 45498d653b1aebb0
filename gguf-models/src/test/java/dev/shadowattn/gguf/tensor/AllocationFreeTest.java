package dev.shadowattn.gguf.tensor;

import dev.shadowattn.gguf.GgmlType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.management.ManagementFactory;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Once compiled by C2, the vector kernels allocate nothing: a vector that C2 fails to keep in registers (for
 * instance a helper left un-inlined) is boxed on the heap, which this test sees as allocation. Each kernel is run
 * until a window of calls allocates nothing, or fails after a generous time limit.
 */
class AllocationFreeTest {

    private static final long LIMIT_NANOS = 30_000_000_000L;
    private static final int WINDOW = 2000;

    private static Arena arena;

    @BeforeAll
    static void open() {
        arena = Arena.ofShared();
    }

    @AfterAll
    static void close() {
        arena.close();
    }

    static GgmlType[] types() {
        return KernelAgreement.TYPES;
    }

    private static long allocated() {
        return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean()).getCurrentThreadAllocatedBytes();
    }

    @ParameterizedTest
    @MethodSource("types")
    void kernelsDoNotAllocateOnceCompiled(GgmlType type) {
        TensorKernels k = VectorAgreementTest.vector();
        Random rnd = new Random(3);
        int n = type.blockSize() == 256 ? 512 : 384 + (type.blockSize() == 1 ? 5 : 0);
        MemorySegment data = Blocks.segment(arena, Blocks.random(type, 2 * n / type.blockSize(), rnd));
        float[] x = Blocks.randomFloats(5 * n, rnd);
        float[] out = new float[n];
        float[] sink = new float[1];
        long start = System.nanoTime();
        while (true) {
            long before = allocated();
            for (int i = 0; i < WINDOW; i++) {
                sink[0] += k.dot(type, data, n, x, 0, n);
                k.dotBatch(type, data, 0, n, x, 0, n, 5, out, 0, 1);
                k.dequantize(type, data, n, out, 0, n);
                sink[0] += k.dot(x, 1, x, n, n);
                k.axpy(0.5f, x, 0, out, 0, n);
            }
            long after = allocated();
            long bytes = after - before - (allocated() - after);     // minus what allocated() itself allocates
            if (bytes <= 0) {
                return;
            }
            if (System.nanoTime() - start > LIMIT_NANOS) {
                fail(k + " " + type + ": still allocating " + bytes + " bytes per " + WINDOW + " rounds of calls after "
                        + LIMIT_NANOS / 1_000_000_000 + " s (boxed vectors?)");
            }
        }
    }
}
