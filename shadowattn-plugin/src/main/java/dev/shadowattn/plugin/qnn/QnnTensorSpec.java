package dev.shadowattn.plugin.qnn;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * A graph tensor as this binding declares it: dense, fixed-point with one scale and offset, rank 1..4.
 *
 * @param name     unique within its graph
 * @param type     application-written input, application-read output, ...
 * @param encoding data type and offset
 * @param scale    {@code real = (stored + offset) * scale}
 * @param dims     dimensions, outermost first
 */
public record QnnTensorSpec(String name, QnnTensorType type, QuantEncoding encoding, float scale, int[] dims) {

    public QnnTensorSpec {
        if (dims.length < 1 || dims.length > 4) {
            throw new IllegalArgumentException("tensor " + name + ": rank " + dims.length + " outside 1..4");
        }
        for (int d : dims) {
            if (d <= 0) {
                throw new IllegalArgumentException("tensor " + name + ": dimensions " + Arrays.toString(dims)
                        + " must be positive");
            }
        }
        dims = dims.clone();
    }

    /** The same tensor under another name. */
    public QnnTensorSpec withName(String newName) {
        return new QnnTensorSpec(newName, type, encoding, scale, dims);
    }

    /** Elements in the tensor. */
    public long elements() {
        long n = 1;
        for (int d : dims) {
            n *= d;
        }
        return n;
    }

    /** Bytes of a client buffer holding the tensor. */
    public long bytes() {
        return elements() * encoding.dataType().bytes();
    }

    /**
     * Fills a {@code Qnn_Tensor_t} (version 1) at {@code tensor}: id, name, type, DENSE, data type, SCALE_OFFSET
     * quantization, rank, dimensions, RAW memory with an empty client buffer. Name and dimensions are allocated
     * in {@code arena}, which must outlive every use of the struct.
     */
    public void write(MemorySegment tensor, int id, Arena arena) {
        tensor.fill((byte) 0);
        tensor.set(JAVA_INT, QnnLayouts.TENSOR_VERSION, QnnLayouts.VERSION_1);
        tensor.set(JAVA_INT, QnnLayouts.T_ID, id);
        tensor.set(ADDRESS, QnnLayouts.T_NAME, arena.allocateFrom(name));
        tensor.set(JAVA_INT, QnnLayouts.T_TYPE, type.code());
        tensor.set(JAVA_INT, QnnLayouts.T_DATA_FORMAT, QnnLayouts.DATA_FORMAT_DENSE);
        tensor.set(JAVA_INT, QnnLayouts.T_DATA_TYPE, encoding.dataType().code());
        tensor.set(JAVA_INT, QnnLayouts.T_ENCODING_DEFINITION, QnnLayouts.DEFINITION_DEFINED);
        tensor.set(JAVA_INT, QnnLayouts.T_QUANTIZATION_ENCODING, QnnLayouts.ENCODING_SCALE_OFFSET);
        tensor.set(JAVA_FLOAT, QnnLayouts.T_SCALE, scale);
        tensor.set(JAVA_INT, QnnLayouts.T_OFFSET, encoding.offset());
        tensor.set(JAVA_INT, QnnLayouts.T_RANK, dims.length);
        tensor.set(ADDRESS, QnnLayouts.T_DIMENSIONS, arena.allocateFrom(JAVA_INT, dims));
        tensor.set(JAVA_INT, QnnLayouts.T_MEM_TYPE, QnnLayouts.MEM_TYPE_RAW);
    }

    /** Points the RAW client buffer of a filled {@code Qnn_Tensor_t} at {@code buffer}. */
    public void bind(MemorySegment tensor, MemorySegment buffer) {
        if (buffer.byteSize() != bytes() || bytes() > 0xFFFF_FFFFL) {
            throw new IllegalArgumentException("tensor " + name + ": buffer of " + buffer.byteSize() + " bytes, needs "
                    + bytes());
        }
        tensor.set(ADDRESS, QnnLayouts.T_BUF_DATA, buffer);
        tensor.set(JAVA_INT, QnnLayouts.T_BUF_SIZE, (int) bytes());
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof QnnTensorSpec t && name.equals(t.name) && type == t.type && encoding == t.encoding
                && Float.compare(scale, t.scale) == 0 && Arrays.equals(dims, t.dims);
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + Arrays.hashCode(dims);
    }

    @Override
    public String toString() {
        return name + Arrays.toString(dims) + " " + encoding + " scale " + scale;
    }
}
