package dev.shadowattn.gguf.tensor;

import dev.shadowattn.gguf.GgmlType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Unsupported types, bad offsets and ranges are rejected with clear exceptions; offsets address the right bytes. */
class KernelArgumentsTest {

    private static Arena arena;

    @BeforeAll
    static void open() {
        arena = Arena.ofShared();
    }

    @AfterAll
    static void close() {
        arena.close();
    }

    static List<TensorKernels> kernels() {
        return List.of(TensorKernels.scalar(), TensorKernels.best());
    }

    static Stream<Object[]> unsupported() {
        return Arrays.stream(GgmlType.values()).filter(t -> !t.computeSupported())
                .flatMap(t -> kernels().stream().map(k -> new Object[]{k, t}));
    }

    @ParameterizedTest
    @MethodSource("unsupported")
    void unsupportedTypesAreRejectedByName(TensorKernels k, GgmlType type) {
        MemorySegment data = MemorySegment.ofArray(new byte[4 * type.typeSize()]);
        int n = type.blockSize();
        float[] x = new float[n];
        String name = type.name();
        assertTrue(assertThrows(UnsupportedOperationException.class,
                () -> k.dot(type, data, 0, x, 0, n)).getMessage().contains(name));
        assertTrue(assertThrows(UnsupportedOperationException.class,
                () -> k.dotBatch(type, data, 0, n, x, 0, 0, 2, new float[2], 0, 1)).getMessage().contains(name));
        assertTrue(assertThrows(UnsupportedOperationException.class,
                () -> k.dequantize(type, data, 0, x, 0, n)).getMessage().contains(name));
    }

    @ParameterizedTest
    @MethodSource("kernels")
    void badArgumentsAreRejected(TensorKernels k) {
        MemorySegment data = MemorySegment.ofArray(new byte[2 * 34]);          // two q8_0 blocks
        float[] x = new float[64];
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> k.dot(GgmlType.Q8_0, data, 16, x, 0, 32)).getMessage().contains("elementOffset 16"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> k.dot(GgmlType.Q8_0, data, 0, x, 0, 48)).getMessage().contains("48"));
        assertThrows(IllegalArgumentException.class, () -> k.dot(GgmlType.Q8_0, data, -32, x, 0, 32));
        assertTrue(assertThrows(IndexOutOfBoundsException.class,
                () -> k.dot(GgmlType.Q8_0, data, 32, x, 0, 64)).getMessage().contains("68 bytes"));
        assertTrue(assertThrows(IndexOutOfBoundsException.class,
                () -> k.dot(GgmlType.Q8_0, data, 0, x, 1, 64)).getMessage().contains(" x "));
        assertTrue(assertThrows(IndexOutOfBoundsException.class,
                () -> k.dequantize(GgmlType.Q8_0, data, 0, new float[63], 0, 64)).getMessage().contains("out"));
        assertThrows(IndexOutOfBoundsException.class, () -> k.dot(GgmlType.F32, data, 16, x, 0, 2));
        assertThrows(IndexOutOfBoundsException.class,
                () -> k.dot(GgmlType.Q8_0, data, 1L << 62, x, 0, 32));
        assertThrows(IllegalArgumentException.class,
                () -> k.dotBatch(GgmlType.Q8_0, data, 0, 32, x, 0, -1, 2, new float[2], 0, 1));
        assertThrows(IllegalArgumentException.class,
                () -> k.dotBatch(GgmlType.Q8_0, data, 0, 32, x, 0, 32, -1, new float[2], 0, 1));
        assertTrue(assertThrows(IndexOutOfBoundsException.class,
                () -> k.dotBatch(GgmlType.Q8_0, data, 0, 32, x, 0, 32, 3, new float[3], 0, 1))
                .getMessage().contains("x"));
        assertTrue(assertThrows(IndexOutOfBoundsException.class,
                () -> k.dotBatch(GgmlType.Q8_0, data, 0, 32, x, 0, 32, 2, new float[2], 0, 2))
                .getMessage().contains("out"));
        assertThrows(IndexOutOfBoundsException.class, () -> k.dot(x, 1, x, 0, 64));
        assertThrows(IndexOutOfBoundsException.class, () -> k.axpy(1f, x, 0, new float[10], 0, 11));
        assertThrows(NullPointerException.class, () -> k.dot(null, data, 0, x, 0, 32));
    }

    @ParameterizedTest
    @MethodSource("kernels")
    void emptyRangesDoNothing(TensorKernels k) {
        MemorySegment data = MemorySegment.ofArray(new byte[34]);
        assertEquals(0f, k.dot(GgmlType.Q8_0, data, 32, new float[0], 0, 0));
        float[] out = {5f};
        k.dotBatch(GgmlType.Q8_0, data, 0, 32, new float[32], 0, 32, 0, out, 0, 1);
        assertEquals(5f, out[0]);
        k.dotBatch(GgmlType.Q8_0, data, 0, 0, new float[0], 0, 0, 1, out, 0, 1);
        assertEquals(0f, out[0]);
    }

    /** A non-zero elementOffset reads exactly the bytes of a slice starting at that block. */
    @ParameterizedTest
    @MethodSource("kernels")
    void elementOffsetsAddressTheRightBlocks(TensorKernels k) {
        Random rnd = new Random(5);
        for (GgmlType type : KernelAgreement.TYPES) {
            int blocksPerRow = 1024 / type.blockSize() / 2;
            int n = blocksPerRow * type.blockSize();
            MemorySegment data = Blocks.segment(arena, Blocks.random(type, 5 * blocksPerRow, rnd));
            float[] all = new float[5 * n];
            k.dequantize(type, data, 0, all, 0, 5 * n);
            float[] x = Blocks.randomFloats(n, rnd);
            for (int row = 0; row < 5; row++) {
                long elementOffset = (long) row * n;
                MemorySegment slice = data.asSlice(type.byteSize(elementOffset), type.byteSize(n));
                float[] w = new float[n];
                k.dequantize(type, data, elementOffset, w, 0, n);
                assertArrayEquals(Arrays.copyOfRange(all, row * n, (row + 1) * n), w, 0f, k + " " + type);
                assertEquals(k.dot(type, slice, 0, x, 0, n), k.dot(type, data, elementOffset, x, 0, n),
                        k + " " + type + " row " + row);
            }
        }
    }

    @Test
    void selection() {
        assertEquals("scalar", KernelSelection.select("scalar").name());
        assertEquals("scalar", KernelSelection.select(" Scalar ").name());
        String bits = Integer.toString(jdk.incubator.vector.FloatVector.SPECIES_PREFERRED.vectorBitSize());
        assertEquals("vector(" + bits + "-bit)", KernelSelection.select(null).name());
        assertEquals("vector(" + bits + "-bit)", KernelSelection.select("vector").name());
        assertEquals("vector(" + bits + "-bit)", KernelSelection.select("something-else").name());
        assertEquals(TensorKernels.scalar(), KernelSelection.select("scalar"));
        assertEquals(KernelSelection.select(null), TensorKernels.best());
    }
}
