package dev.shadowattn.gguf.tensor;

import dev.shadowattn.gguf.GgmlType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The vector implementation agrees with the scalar reference on random tensors of every type. */
class VectorAgreementTest {

    static TensorKernels vector() {
        TensorKernels k = TensorKernels.best();
        assertTrue(k.name().startsWith("vector("), "tests run with jdk.incubator.vector; got " + k.name());
        return k;
    }

    static GgmlType[] types() {
        return KernelAgreement.TYPES;
    }

    @ParameterizedTest
    @MethodSource("types")
    void randomTensors(GgmlType type) {
        new KernelAgreement(vector(), 1234 + type.id()).type(type);
    }

    @Test
    void floatHelpers() {
        new KernelAgreement(vector(), 99).floats();
    }

    /** The vector fp16 and bf16 conversions equal the scalar ones for all 65536 bit patterns (NaN stays NaN). */
    @Test
    void everySixteenBitPattern() {
        ByteBuffer b = Blocks.le(2 * 65536);
        for (int i = 0; i < 65536; i++) {
            b.putShort((short) i);
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment data = Blocks.segment(arena, b.array());
            for (GgmlType type : new GgmlType[]{GgmlType.F16, GgmlType.BF16}) {
                float[] want = new float[65536];
                float[] got = new float[65536];
                TensorKernels.scalar().dequantize(type, data, 0, want, 0, 65536);
                vector().dequantize(type, data, 0, got, 0, 65536);
                for (int i = 0; i < 65536; i++) {
                    if (Float.isNaN(want[i])) {      // NaN payloads may differ in the quiet bit only
                        assertTrue(Float.isNaN(got[i]), type + " bits 0x" + Integer.toHexString(i));
                        continue;
                    }
                    assertEquals(Float.floatToRawIntBits(want[i]), Float.floatToRawIntBits(got[i]),
                            type + " bits 0x" + Integer.toHexString(i));
                }
            }
        }
    }
}
