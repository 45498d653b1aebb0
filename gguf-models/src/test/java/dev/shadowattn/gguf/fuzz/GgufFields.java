package dev.shadowattn.gguf.fuzz;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * Where the integer fields of a valid GGUF file are (GGUF spec, ggml docs/gguf.md, "File Structure"): version,
 * counts, string and array lengths, value and element type ids, tensor n_dims, dimensions, ggml types and offsets.
 * The fuzzer overwrites them with boundary values, which random byte flips rarely produce.
 *
 * <p>An independent minimal walker, deliberately not the reader under test. It stops quietly at the first thing it
 * does not understand, returning the fields found so far (a mutated file is still useful to it).
 */
public final class GgufFields {

    /** An integer field: its offset in the file and its width in bytes (4 or 8). */
    public record Field(int offset, int width) {
    }

    private final ByteBuffer in;
    private final List<Field> fields = new ArrayList<>();

    private GgufFields(byte[] file) {
        this.in = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** The integer fields of {@code file}, in file order. */
    public static List<Field> of(byte[] file) {
        GgufFields walker = new GgufFields(file);
        try {
            walker.walk();
        } catch (RuntimeException stop) {
            // Malformed or unknown beyond this point: keep what was found.
        }
        return List.copyOf(walker.fields);
    }

    private void walk() {
        in.position(4);                       // magic
        u32();                                // version
        long tensors = u64();
        long kvs = u64();
        for (long i = 0; i < kvs; i++) {
            string();
            value((int) u32());
        }
        for (long i = 0; i < tensors; i++) {
            string();
            long dims = u32();
            for (long d = 0; d < dims; d++) {
                u64();
            }
            u32();                            // ggml type
            u64();                            // offset
        }
    }

    private void value(int type) {
        switch (type) {
            case 0, 1, 7 -> skip(1);          // UINT8, INT8, BOOL
            case 2, 3 -> skip(2);             // UINT16, INT16
            case 4, 5 -> u32();               // UINT32, INT32: values such as block counts are worth mutating
            case 6 -> skip(4);                // FLOAT32
            case 8 -> string();
            case 9 -> {
                int elementType = (int) u32();
                long count = u64();
                if (elementType == 8 || elementType == 9 || count < 64) {
                    for (long i = 0; i < count; i++) {
                        value(elementType);
                    }
                } else {
                    skip(Math.multiplyExact(count, width(elementType)));
                }
            }
            case 10, 11 -> u64();             // UINT64, INT64
            case 12 -> skip(8);               // FLOAT64
            default -> throw new IllegalStateException("unknown type " + type);
        }
    }

    private static int width(int type) {
        return switch (type) {
            case 0, 1, 7 -> 1;
            case 2, 3 -> 2;
            case 4, 5, 6 -> 4;
            case 10, 11, 12 -> 8;
            default -> throw new IllegalStateException("no fixed width: " + type);
        };
    }

    private void string() {
        long length = u64();
        skip(length);
    }

    private void skip(long n) {
        in.position(Math.addExact(in.position(), Math.toIntExact(n)));
    }

    private long u32() {
        fields.add(new Field(in.position(), 4));
        return Integer.toUnsignedLong(in.getInt());
    }

    private long u64() {
        fields.add(new Field(in.position(), 8));
        return in.getLong();
    }
}
