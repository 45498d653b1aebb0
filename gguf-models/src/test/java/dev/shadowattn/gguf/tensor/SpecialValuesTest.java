package dev.shadowattn.gguf.tensor;

import dev.shadowattn.gguf.GgmlType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Subnormal, infinite and NaN scales: exact subnormal weights, and special values handled identically by both
 * implementations (weights are d*q elementwise, so inf*0 is NaN in both, and a dot product is NaN or an infinity of
 * the same sign in both).
 */
class SpecialValuesTest {

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

    @ParameterizedTest
    @MethodSource("kernels")
    void subnormalScalesAreExact(TensorKernels k) {
        int[] q = new int[32];
        for (int i = 0; i < 32; i++) {
            q[i] = 127 - 8 * i;
        }
        int[] nib = new int[32];
        for (int i = 0; i < 32; i++) {
            nib[i] = i % 16;
        }
        MemorySegment q8 = Blocks.segment(arena, Blocks.q8_0((short) 0x0001, q));           // d = 2^-24
        MemorySegment q4 = Blocks.segment(arena, Blocks.q4_0((short) 0x83FF, nib));         // d = -1023 * 2^-24
        float[] w8 = new float[32];
        float[] w4 = new float[32];
        k.dequantize(GgmlType.Q8_0, q8, 0, w8, 0, 32);
        k.dequantize(GgmlType.Q4_0, q4, 0, w4, 0, 32);
        for (int i = 0; i < 32; i++) {
            assertEquals(Math.scalb((float) q[i], -24), w8[i], k + " q8_0 " + i);
            assertEquals(-1023f * Math.scalb((float) (nib[i] - 8), -24), w4[i], k + " q4_0 " + i);
        }
        assertEquals(0x1p-17f * 127 / 128, w8[0]);
        float[] ones = new float[32];
        Arrays.fill(ones, 1f);
        double sum = 0;
        for (int v : q) {
            sum += v;
        }
        assertEquals((float) (sum * 0x1p-24), k.dot(GgmlType.Q8_0, q8, 0, ones, 0, 32));
    }

    @ParameterizedTest
    @MethodSource("kernels")
    void infiniteScaleTimesZeroQuantIsNaN(TensorKernels k) {
        int[] q = new int[32];
        for (int i = 0; i < 32; i++) {
            q[i] = i % 3 - 1;                 // -1, 0, 1
        }
        MemorySegment data = Blocks.segment(arena, Blocks.q8_0(Float16.fromFloat(Float.POSITIVE_INFINITY), q));
        float[] w = new float[32];
        k.dequantize(GgmlType.Q8_0, data, 0, w, 0, 32);
        for (int i = 0; i < 32; i++) {
            float want = q[i] == 0 ? Float.NaN : q[i] * Float.POSITIVE_INFINITY;
            assertEquals(want, w[i], k + " element " + i);
        }
        float[] x = new float[32];
        Arrays.fill(x, 1f);
        assertTrue(Float.isNaN(k.dot(GgmlType.Q8_0, data, 0, x, 0, 32)), k.name());
    }

    @ParameterizedTest
    @MethodSource("kernels")
    void infiniteScaleWithPositiveTermsIsInfinite(TensorKernels k) {
        int[] q = new int[32];
        Arrays.fill(q, 3);
        MemorySegment data = Blocks.segment(arena, Blocks.concat(
                Blocks.q8_0(Blocks.h(0.5f), q), Blocks.q8_0(Float16.fromFloat(Float.NEGATIVE_INFINITY), q)));
        float[] x = new float[64];
        Arrays.fill(x, 2f);
        assertEquals(Float.NEGATIVE_INFINITY, k.dot(GgmlType.Q8_0, data, 0, x, 0, 64), k.name());
        float[] out = new float[5];
        k.dotBatch(GgmlType.Q8_0, data, 0, 64, x, 0, 0, 5, out, 0, 1);
        for (float o : out) {
            assertEquals(Float.NEGATIVE_INFINITY, o, k.name());
        }
    }

    static List<Object[]> specialScales() {
        short inf = Float16.fromFloat(Float.POSITIVE_INFINITY);
        short negInf = Float16.fromFloat(Float.NEGATIVE_INFINITY);
        short nan = (short) 0x7E00;
        return List.of(
                new Object[]{GgmlType.Q8_0, 0, inf}, new Object[]{GgmlType.Q8_0, 0, nan},
                new Object[]{GgmlType.Q4_0, 0, negInf}, new Object[]{GgmlType.Q4_0, 0, nan},
                new Object[]{GgmlType.Q4_K, 0, inf}, new Object[]{GgmlType.Q4_K, 2, inf},
                new Object[]{GgmlType.Q4_K, 2, nan},
                new Object[]{GgmlType.Q6_K, 208, negInf}, new Object[]{GgmlType.Q6_K, 208, nan});
    }

    /** One block of each random tensor gets a special scale; both implementations must agree on every result. */
    @ParameterizedTest
    @MethodSource("specialScales")
    void specialScalesAgree(GgmlType type, int scaleField, short scale) {
        Random rnd = new Random(7 + type.id() + scaleField + scale);
        int blocks = 1024 / type.blockSize();
        int n = blocks * type.blockSize();
        for (int trial = 0; trial < 8; trial++) {
            ByteBuffer b = ByteBuffer.wrap(Blocks.random(type, blocks, rnd)).order(ByteOrder.LITTLE_ENDIAN);
            int special = rnd.nextInt(blocks);
            b.putShort(special * type.typeSize() + scaleField, scale);
            MemorySegment data = Blocks.segment(arena, b.array());
            float[] want = new float[n];
            float[] got = new float[n];
            TensorKernels.scalar().dequantize(type, data, 0, want, 0, n);
            TensorKernels.best().dequantize(type, data, 0, got, 0, n);
            for (int i = 0; i < n; i++) {
                assertSame(want[i], got[i], type + " element " + i);
            }
            float[] x = Blocks.randomFloats(n, rnd);
            if (trial % 2 == 1) {
                for (int i = 0; i < n; i++) {
                    x[i] = Math.abs(x[i]) + 0.5f;
                }
            }
            float d = TensorKernels.scalar().dot(type, data, 0, x, 0, n);
            assertTrue(!Float.isFinite(d), type + " dot with a special scale is finite: " + d);
            assertSame(d, TensorKernels.best().dot(type, data, 0, x, 0, n), type + " dot");
            float[] out = new float[6];
            TensorKernels.best().dotBatch(type, data, 0, n, x, 0, 0, 6, out, 0, 1);
            for (float o : out) {
                assertSame(d, o, type + " dotBatch");
            }
        }
    }

    /** Equal, or both NaN. */
    private static void assertSame(float want, float got, String what) {
        if (Float.isNaN(want)) {
            assertTrue(Float.isNaN(got), what + ": expected NaN, got " + got);
        } else {
            assertEquals(want, got, what);
        }
    }

    @Test
    void float16Conversions() {
        assertEquals(1f, Float16.toFloat((short) 0x3C00));
        assertEquals(-2f, Float16.toFloat((short) 0xC000));
        assertEquals(65504f, Float16.toFloat((short) 0x7BFF));
        assertEquals(0x1p-24f, Float16.toFloat((short) 0x0001));
        assertEquals(0x1p-14f - 0x1p-24f, Float16.toFloat((short) 0x03FF));
        assertEquals(Float.POSITIVE_INFINITY, Float16.toFloat((short) 0x7C00));
        assertEquals(Float.NEGATIVE_INFINITY, Float16.toFloat((short) 0xFC00));
        assertTrue(Float.isNaN(Float16.toFloat((short) 0x7E00)));
        assertEquals(Float.floatToRawIntBits(-0f), Float.floatToRawIntBits(Float16.toFloat((short) 0x8000)));
        for (int bits = 0; bits < 65536; bits++) {
            float f = Float16.toFloat((short) bits);
            if (!Float.isNaN(f)) {
                assertEquals((short) bits, Float16.fromFloat(f), "fp16 round trip 0x" + Integer.toHexString(bits));
            }
        }
        assertEquals((short) 0x7C00, Float16.fromFloat(1e6f));
        assertEquals((short) 0x3C00, Float16.fromFloat(1f + 0x1p-12f));   // ties to even
        assertEquals(1f, Float16.bf16ToFloat((short) 0x3F80));
        assertEquals(-3.140625f, Float16.bf16ToFloat((short) 0xC049));
        assertEquals(0x1p-133f, Float16.bf16ToFloat((short) 0x0001));
        assertEquals(Float.NEGATIVE_INFINITY, Float16.bf16ToFloat((short) 0xFF80));
    }
}
