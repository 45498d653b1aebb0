package dev.shadowattn.gguf.tensor;

import dev.shadowattn.gguf.GgmlType;

import java.lang.foreign.MemorySegment;
import java.util.Objects;

/** Argument checks shared by both kernel implementations, done once per call, before any hot loop. */
final class KernelArgs {

    private KernelArgs() {
    }

    /**
     * Checks that elements {@code [elementOffset, elementOffset + n)} of a {@code type} tensor are whole blocks lying
     * inside {@code data}; returns the byte offset of the first one.
     */
    static long weights(GgmlType type, MemorySegment data, long elementOffset, long n) {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(data, "data");
        if (!type.computeSupported()) {
            throw new UnsupportedOperationException("tensor type " + type + " is not supported by the tensor kernels");
        }
        int blockSize = type.blockSize();
        if (elementOffset < 0 || elementOffset % blockSize != 0) {
            throw new IllegalArgumentException("elementOffset " + elementOffset + " is not a non-negative multiple of the "
                    + type + " block size " + blockSize);
        }
        if (n < 0 || n % blockSize != 0) {
            throw new IllegalArgumentException("element count " + n + " is not a non-negative multiple of the "
                    + type + " block size " + blockSize);
        }
        long start = type.byteSize(elementOffset);
        long length = type.byteSize(n);
        if (start < 0 || length < 0 || start > data.byteSize() - length) {
            throw new IndexOutOfBoundsException("elements [" + elementOffset + ", " + elementOffset + " + " + n
                    + ") of a " + type + " tensor lie outside its data of " + data.byteSize() + " bytes");
        }
        return start;
    }

    /** Checks that {@code array[offset, offset + n)} exists; {@code name} names the argument in the message. */
    static void range(String name, float[] array, int offset, int n) {
        Objects.requireNonNull(array, name);
        if (n < 0) {
            throw new IllegalArgumentException("element count " + n + " is negative");
        }
        if (offset < 0 || offset > array.length - n) {
            throw new IndexOutOfBoundsException("range [" + offset + ", " + offset + " + " + n + ") of " + name
                    + " is outside its length " + array.length);
        }
    }

    /**
     * Checks that the {@code count} rows {@code array[offset + r*stride, offset + r*stride + width)} exist.
     */
    static void rows(String name, float[] array, int offset, int stride, int count, int width) {
        Objects.requireNonNull(array, name);
        if (count < 0) {
            throw new IllegalArgumentException("batch " + count + " is negative");
        }
        if (stride < 0) {
            throw new IllegalArgumentException("stride of " + name + " is negative: " + stride);
        }
        if (count == 0) {
            return;
        }
        long last = offset + (long) (count - 1) * stride;
        if (offset < 0 || last + width > array.length) {
            throw new IndexOutOfBoundsException(count + " rows of " + width + " floats at offset " + offset
                    + " with stride " + stride + " do not fit in " + name + " of length " + array.length);
        }
    }
}
