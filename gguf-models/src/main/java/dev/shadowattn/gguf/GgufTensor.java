package dev.shadowattn.gguf;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.Objects;

/**
 * One tensor of a GGUF file (GGUF spec, "gguf_tensor_info_t") with its bytes.
 *
 * @param name   the tensor name, e.g. {@code "blk.0.attn_q.weight"}
 * @param type   the ggml storage type
 * @param shape  the dimensions in ggml order, {@code ne[0]} first: {@code shape[0]} is the row length (the
 *               contiguous dimension), e.g. {@code [384, 32000]} for a 32000 x 384 embedding matrix; 1 to 4 entries
 * @param offset the offset of the data relative to the start of the file's tensor data section
 * @param data   exactly this tensor's bytes, read-only; valid until the owning {@link GgufFile} is closed
 */
public record GgufTensor(String name, GgmlType type, long[] shape, long offset, MemorySegment data) {

    /** The most dimensions a ggml tensor has ({@code GGML_MAX_DIMS}). */
    public static final int MAX_DIMS = 4;

    /**
     * @throws IllegalArgumentException if the shape has no or more than {@link #MAX_DIMS} dimensions, a negative
     *                                  dimension, a row length that is not a whole number of blocks, or if
     *                                  {@code data} is not exactly the size the type and shape need
     */
    public GgufTensor {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(data, "data");
        shape = shape.clone();
        if (shape.length < 1 || shape.length > MAX_DIMS) {
            throw new IllegalArgumentException("tensor '" + name + "': " + shape.length
                    + " dimensions, expected 1 to " + MAX_DIMS);
        }
        long count = 1;
        for (long d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("tensor '" + name + "': negative dimension in "
                        + Arrays.toString(shape));
            }
            count = Math.multiplyExact(count, d);
        }
        if (shape[0] % type.blockSize() != 0) {
            throw new IllegalArgumentException("tensor '" + name + "': row length " + shape[0]
                    + " is not a multiple of the " + type + " block size " + type.blockSize());
        }
        if (data.byteSize() != type.byteSize(count)) {
            throw new IllegalArgumentException("tensor '" + name + "': " + data.byteSize() + " data bytes, but "
                    + type + " " + Arrays.toString(shape) + " takes " + type.byteSize(count));
        }
        if (!data.isReadOnly()) {
            data = data.asReadOnly();
        }
    }

    /** A copy of the dimensions, {@code ne[0]} (the row length) first. */
    @Override
    public long[] shape() {
        return shape.clone();
    }

    /** Number of dimensions (1 to 4). */
    public int dims() {
        return shape.length;
    }

    /** Dimension {@code i} in ggml order ({@code ne[i]}); 1 for {@code i >= dims()} as in ggml. */
    public long dim(int i) {
        Objects.checkIndex(i, MAX_DIMS);
        return i < shape.length ? shape[i] : 1;
    }

    /** Product of all dimensions. */
    public long elementCount() {
        long n = 1;
        for (long d : shape) {
            n *= d; // cannot overflow: checked by the constructor
        }
        return n;
    }

    /** Number of rows: the product of {@code shape[1..]}, 1 for a vector. */
    public long rows() {
        long n = 1;
        for (int i = 1; i < shape.length; i++) {
            n *= shape[i];
        }
        return n;
    }

    /**
     * The row length {@code shape[0]} as an int.
     *
     * @throws ArithmeticException if it exceeds {@link Integer#MAX_VALUE}
     */
    public int rowLength() {
        if (shape[0] > Integer.MAX_VALUE) {
            throw new ArithmeticException("tensor '" + name + "': row length " + shape[0] + " does not fit in an int");
        }
        return (int) shape[0];
    }

    /** Size in bytes of the data. */
    public long byteSize() {
        return data.byteSize();
    }

    /** Size in bytes of one row ({@code shape[0]} elements). */
    public long rowByteSize() {
        return type.byteSize(shape[0]);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof GgufTensor t && name.equals(t.name) && type == t.type && Arrays.equals(shape, t.shape)
                && offset == t.offset && data.equals(t.data);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, type, Arrays.hashCode(shape), offset);
    }

    @Override
    public String toString() {
        return "GgufTensor[" + name + " " + type + " " + Arrays.toString(shape) + " offset=" + offset
                + " bytes=" + data.byteSize() + "]";
    }
}
