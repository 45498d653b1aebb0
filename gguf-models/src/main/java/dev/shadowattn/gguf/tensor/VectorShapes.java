package dev.shadowattn.gguf.tensor;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

/**
 * The species of the vector kernels and the small loads/conversions they share. All species have {@link #L} lanes,
 * the lane count of {@link FloatVector#SPECIES_PREFERRED} (8 with AVX2, 16 with AVX-512), so one byte or short vector
 * of quants widens to exactly one float vector. Only loaded when {@code L >= 8} (see {@link KernelSelection}).
 */
final class VectorShapes {

    private VectorShapes() {
    }

    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    static final int L = F.length();
    static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, F.vectorShape());
    static final VectorSpecies<Short> S = VectorSpecies.of(short.class, VectorShape.forBitSize(L * 16));
    static final VectorSpecies<Byte> B = VectorSpecies.of(byte.class, VectorShape.forBitSize(L * 8));
    static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    /** L floats of x from index {@code i}. */
    static FloatVector x(float[] x, int i) {
        return FloatVector.fromArray(F, x, i);
    }

    /** L bytes at {@code offset}, unwidened. */
    static ByteVector bytes(MemorySegment data, long offset) {
        return ByteVector.fromMemorySegment(B, data, offset, LE);
    }

    /** L signed bytes widened to floats. */
    static FloatVector toFloats(ByteVector b) {
        return (FloatVector) b.convertShape(VectorOperators.B2F, F, 0);
    }

    /** The low nibbles of {@code b} minus {@code bias}, as floats. */
    static FloatVector lowNibbles(ByteVector b, int bias) {
        return toFloats(b.and((byte) 0x0F).sub((byte) bias));
    }

    /** The high nibbles of {@code b} minus {@code bias}, as floats. */
    static FloatVector highNibbles(ByteVector b, int bias) {
        return toFloats(b.lanewise(VectorOperators.LSHR, 4).sub((byte) bias));
    }

    /** L little-endian f32 values at byte {@code offset}. */
    static FloatVector f32(MemorySegment data, long offset) {
        return FloatVector.fromMemorySegment(F, data, offset, LE);
    }

    /** L little-endian 16-bit values at byte {@code offset}, sign-extended to ints. */
    static IntVector shorts(MemorySegment data, long offset) {
        return (IntVector) ShortVector.fromMemorySegment(S, data, offset, LE).convertShape(VectorOperators.S2I, I, 0);
    }

    /** L bfloat16 values at byte {@code offset}: the upper halves of binary32 values. */
    static FloatVector bf16(MemorySegment data, long offset) {
        return shorts(data, offset).lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
    }

    /**
     * L fp16 values at byte {@code offset}, converted exactly as {@link Float#float16ToFloat}: exponent and mantissa
     * shifted into binary32 position and rescaled by 2^112 (exact for normals and subnormals), exponent 31 mapped to
     * 255 (infinity, NaN with payload), sign put back last.
     */
    static FloatVector f16(MemorySegment data, long offset) {
        IntVector h = shorts(data, offset);
        IntVector magnitude = h.and(0x7FFF).lanewise(VectorOperators.LSHL, 13);
        IntVector scaled = magnitude.reinterpretAsFloats().mul(0x1p112f).reinterpretAsInts();
        VectorMask<Integer> special = magnitude.compare(VectorOperators.GE, 0x1F << 23);
        IntVector bits = scaled.blend(magnitude.or(0x70000000), special);
        return bits.or(h.and(0x8000).lanewise(VectorOperators.LSHL, 16)).reinterpretAsFloats();
    }
}
