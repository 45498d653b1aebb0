package dev.shadowattn.gguf.tensor;

import dev.shadowattn.gguf.GgmlType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.List;

import static dev.shadowattn.gguf.tensor.Blocks.h;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Blocks built by hand from chosen fields, checked against values worked out from the ggml formulas (a few by hand
 * as literals, all by the formula written in the test), for both implementations.
 */
class HandBuiltBlocksTest {

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

    /** Dequantizes all of {@code bytes}, checks against {@code expected}, and checks dot and dotBatch with x. */
    private static void check(TensorKernels k, GgmlType type, byte[] bytes, float[] expected) {
        MemorySegment data = Blocks.segment(arena, bytes);
        int n = expected.length;
        float[] w = new float[n];
        k.dequantize(type, data, 0, w, 0, n);
        assertArrayEquals(expected, w, 0f, k.name() + " " + type);

        float[] x = new float[n];
        double want = 0;
        for (int i = 0; i < n; i++) {
            x[i] = (i % 7) - 3 + 0.25f * (i % 3);
            want += (double) expected[i] * x[i];
        }
        double scale = 0;
        for (int i = 0; i < n; i++) {
            scale += Math.abs((double) expected[i] * x[i]);
        }
        assertEquals(want, k.dot(type, data, 0, x, 0, n), 1e-6 * scale, k.name() + " dot " + type);
        float[] out = new float[3];
        k.dotBatch(type, data, 0, n, x, 0, 0, 3, out, 0, 1);
        for (float o : out) {
            assertEquals(want, o, 1e-6 * scale, k.name() + " dotBatch " + type);
        }
    }

    @ParameterizedTest
    @MethodSource("kernels")
    void q8_0(TensorKernels k) {
        int[] q1 = new int[32], q2 = new int[32];
        float[] expected = new float[64];
        for (int i = 0; i < 32; i++) {
            q1[i] = 8 * i - 128;       // -128 .. 120
            q2[i] = 127 - 3 * i;
            expected[i] = 0.5f * q1[i];
            expected[32 + i] = -0.25f * q2[i];
        }
        check(k, GgmlType.Q8_0, Blocks.concat(Blocks.q8_0(h(0.5f), q1), Blocks.q8_0(h(-0.25f), q2)), expected);
        float[] w = new float[64];
        k.dequantize(GgmlType.Q8_0, Blocks.segment(arena, Blocks.concat(Blocks.q8_0(h(0.5f), q1),
                Blocks.q8_0(h(-0.25f), q2))), 0, w, 0, 64);
        assertEquals(-64f, w[0]);
        assertEquals(60f, w[31]);
        assertEquals(-31.75f, w[32]);
        assertEquals(-8.5f, w[63]);
    }

    @ParameterizedTest
    @MethodSource("kernels")
    void q4_0(TensorKernels k) {
        int[] q = new int[32];
        float[] expected = new float[32];
        for (int i = 0; i < 16; i++) {
            q[i] = i;
            q[i + 16] = 15 - i;
        }
        for (int i = 0; i < 32; i++) {
            expected[i] = 2f * (q[i] - 8);
        }
        check(k, GgmlType.Q4_0, Blocks.q4_0(h(2f), q), expected);
        assertEquals(-16f, expected[0]);
        assertEquals(14f, expected[15]);
        assertEquals(14f, expected[16]);
        assertEquals(-16f, expected[31]);
    }

    @ParameterizedTest
    @MethodSource("kernels")
    void q4_K(TensorKernels k) {
        int[] sc = {1, 17, 33, 63, 5, 21, 47, 62};
        int[] m = {0, 63, 2, 40, 19, 35, 51, 7};
        int[] q = new int[256];
        float[] expected = new float[256];
        for (int i = 0; i < 256; i++) {
            q[i] = (5 * i + i / 7) % 16;
            int j = i / 32;                          // sub-block: 64c+l -> 2c, 64c+32+l -> 2c+1
            expected[i] = 1f * sc[j] * q[i] - 0.5f * m[j];
        }
        byte[] block = Blocks.q4_K(h(1f), h(0.5f), sc, m, q);
        check(k, GgmlType.Q4_K, block, expected);
        float[] w = new float[256];
        k.dequantize(GgmlType.Q4_K, Blocks.segment(arena, block), 0, w, 0, 256);
        assertEquals(0f, w[0]);          // q=0, sc=1, m=0
        assertEquals(36.5f, w[32]);      // q=4, sc=17, m=63: 68 - 31.5
        assertEquals(50.5f, w[130]);     // q=12, sc=5, m=19: 60 - 9.5
        assertEquals(926.5f, w[255]);    // q=15, sc=62, m=7: 930 - 3.5
    }

    @ParameterizedTest
    @MethodSource("kernels")
    void q6_K(TensorKernels k) {
        int[] scales = {1, -1, 2, -2, 3, -3, 4, -4, 5, -5, 6, -6, 7, -7, 127, -128};
        int[] q = new int[256];
        float[] expected = new float[256];
        for (int i = 0; i < 256; i++) {
            q[i] = (7 * i + 3) % 64;
            expected[i] = 0.25f * scales[i / 16] * (q[i] - 32);
        }
        byte[] block = Blocks.q6_K(h(0.25f), scales, q);
        check(k, GgmlType.Q6_K, block, expected);
        float[] w = new float[256];
        k.dequantize(GgmlType.Q6_K, Blocks.segment(arena, block), 0, w, 0, 256);
        assertEquals(-7.25f, w[0]);      // q=3, scale 1
        assertEquals(31f, w[100]);       // q=63, scale 4
        assertEquals(-603.25f, w[230]);  // q=13, scale 127
        assertEquals(-896f, w[255]);     // q=60, scale -128
    }

    @ParameterizedTest
    @MethodSource("kernels")
    void f16(TensorKernels k) {
        short[] bits = {0x3C00, (short) 0xC000, 0x7BFF, 0x0001, (short) 0x8000, 0x3555, 0x03FF, (short) 0xFBFF};
        float[] expected = {1f, -2f, 65504f, 0x1p-24f, -0f, 0.333251953125f, 1023 * 0x1p-24f, -65504f};
        ByteBuffer b = Blocks.le(2 * bits.length);
        for (short s : bits) {
            b.putShort(s);
        }
        check(k, GgmlType.F16, b.array(), expected);
    }

    @ParameterizedTest
    @MethodSource("kernels")
    void bf16(TensorKernels k) {
        short[] bits = {0x3F80, (short) 0xC049, 0x0001, 0x4B00, 0x4228};
        float[] expected = {1f, -3.140625f, 0x1p-133f, 8388608f, 42f};
        ByteBuffer b = Blocks.le(2 * bits.length);
        for (short s : bits) {
            b.putShort(s);
        }
        check(k, GgmlType.BF16, b.array(), expected);
    }

    @ParameterizedTest
    @MethodSource("kernels")
    void f32(TensorKernels k) {
        float[] expected = new float[37];
        ByteBuffer b = Blocks.le(4 * expected.length);
        for (int i = 0; i < expected.length; i++) {
            expected[i] = (i - 18) * 0.375f;
            b.putFloat(expected[i]);
        }
        check(k, GgmlType.F32, b.array(), expected);
    }
}
