package dev.shadowattn.plugin.qnn;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED;

import java.lang.foreign.MemorySegment;
import java.util.Locale;

/**
 * How a signed integer level is stored in a QNN fixed-point tensor: {@code stored = level - offset}, so that
 * {@code real = (stored + offset) * scale = level * scale} (QNN-ABI.md, Qnn_QuantizeParams_t). The portable INT8
 * encoding is {@link #U8} with offset -128: the CPU backend runs int8 MatMul in UFIXED_POINT_8 only.
 */
public enum QuantEncoding {
    /** UFIXED_POINT_8, offset -128: levels -128..127 stored as 0..255 (the portable choice). */
    U8(QnnDataType.UFIXED_POINT_8, -128, 0, 255),
    /** SFIXED_POINT_8, offset 0: levels stored as themselves (HTP). */
    S8(QnnDataType.SFIXED_POINT_8, 0, -128, 127),
    /** UFIXED_POINT_16, offset -32768: 256 times finer output levels (HTP MatMul output; not an input here). */
    U16(QnnDataType.UFIXED_POINT_16, -32768, 0, 65535);

    private final QnnDataType dataType;
    private final int offset;
    private final int minStored;
    private final int maxStored;

    QuantEncoding(QnnDataType dataType, int offset, int minStored, int maxStored) {
        this.dataType = dataType;
        this.offset = offset;
        this.minStored = minStored;
        this.maxStored = maxStored;
    }

    public QnnDataType dataType() {
        return dataType;
    }

    /** The QNN offset: {@code real = (stored + offset) * scale}. */
    public int offset() {
        return offset;
    }

    public int minStored() {
        return minStored;
    }

    public int maxStored() {
        return maxStored;
    }

    /** Largest representable level ({@code maxStored + offset}). */
    public int maxLevel() {
        return maxStored + offset;
    }

    public int minLevel() {
        return minStored + offset;
    }

    /** Whether this encoding carries INT8 Q and K (U8 and S8 hold exactly the int8 levels). */
    public boolean holdsInt8() {
        return dataType.bytes() == 1;
    }

    /** The level stored at element {@code index} of a tensor buffer of this encoding. */
    public int level(MemorySegment buffer, long index) {
        return switch (this) {
            case U8 -> Byte.toUnsignedInt(buffer.get(JAVA_BYTE, index)) + offset;
            case S8 -> buffer.get(JAVA_BYTE, index);
            case U16 -> Short.toUnsignedInt(buffer.get(JAVA_SHORT_UNALIGNED, index * 2)) + offset;
        };
    }

    public static QuantEncoding parse(String option, String value) {
        for (QuantEncoding e : values()) {
            if (e.name().equals(value.toUpperCase(Locale.ROOT))) {
                return e;
            }
        }
        throw new IllegalArgumentException("option " + option + "=" + value + " must be one of u8, s8, u16");
    }
}
