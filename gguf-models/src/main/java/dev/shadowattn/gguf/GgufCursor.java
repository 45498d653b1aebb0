package dev.shadowattn.gguf;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * Bounded little-endian reads over the mapped bytes of a GGUF file. Every read first checks that the bytes are
 * there, so a truncated file or an absurd length gives a {@link GgufFormatException} naming the field being read,
 * never an {@link IndexOutOfBoundsException} or a large allocation.
 */
final class GgufCursor {

    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfDouble F64 =
            ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final Path file;
    private final MemorySegment bytes;
    private long position;

    GgufCursor(Path file, MemorySegment bytes) {
        this.file = file;
        this.bytes = bytes;
    }

    Path file() {
        return file;
    }

    long position() {
        return position;
    }

    long size() {
        return bytes.byteSize();
    }

    long remaining() {
        return bytes.byteSize() - position;
    }

    /** Fails unless {@code n} more bytes can be read for {@code field}. */
    void need(long n, String field) {
        if (n < 0 || n > remaining()) {
            throw error(field, "truncated: " + (n < 0 ? Long.toUnsignedString(n) : n) + " bytes needed at offset "
                    + position + ", but the file ends at " + bytes.byteSize());
        }
    }

    byte i8(String field) {
        need(1, field);
        return bytes.get(ValueLayout.JAVA_BYTE, position++);
    }

    short i16(String field) {
        need(2, field);
        short v = bytes.get(I16, position);
        position += 2;
        return v;
    }

    int i32(String field) {
        need(4, field);
        int v = bytes.get(I32, position);
        position += 4;
        return v;
    }

    /** A uint32, widened. */
    long u32(String field) {
        return Integer.toUnsignedLong(i32(field));
    }

    /** An int64 or the raw bits of a uint64. */
    long i64(String field) {
        need(8, field);
        long v = bytes.get(I64, position);
        position += 8;
        return v;
    }

    float f32(String field) {
        need(4, field);
        float v = bytes.get(F32, position);
        position += 4;
        return v;
    }

    double f64(String field) {
        need(8, field);
        double v = bytes.get(F64, position);
        position += 8;
        return v;
    }

    /** A GGUF string: uint64 byte length, then that many UTF-8 bytes (malformed sequences become U+FFFD). */
    String string(String field) {
        long length = i64(field + " length");
        if (length < 0 || length > remaining()) {
            throw error(field, "string length " + Long.toUnsignedString(length) + " at offset " + (position - 8)
                    + " exceeds the " + remaining() + " bytes left in the file");
        }
        if (length > Integer.MAX_VALUE - 8) {
            throw error(field, "string length " + length + " exceeds the largest Java array");
        }
        if (length == 0) {
            return "";
        }
        byte[] utf8 = bytes.asSlice(position, length).toArray(ValueLayout.JAVA_BYTE);
        position += length;
        return new String(utf8, StandardCharsets.UTF_8);
    }

    /** Copies {@code n} little-endian elements of {@code layout} into {@code dst}, which holds exactly {@code n}. */
    void copyTo(ValueLayout layout, Object dst, int n, String field) {
        long byteCount = layout.byteSize() * n;
        need(byteCount, field);
        ValueLayout le = layout.withOrder(ByteOrder.LITTLE_ENDIAN).withByteAlignment(1);
        MemorySegment.copy(bytes, le, position, dst, 0, n);
        position += byteCount;
    }

    GgufFormatException error(String field, String detail) {
        return new GgufFormatException(file, field, detail);
    }
}
