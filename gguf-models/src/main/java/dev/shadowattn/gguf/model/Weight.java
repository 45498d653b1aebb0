package dev.shadowattn.gguf.model;

import dev.shadowattn.gguf.GgmlType;
import dev.shadowattn.gguf.GgufTensor;

/**
 * A weight matrix of {@code rows x cols}: GGUF stores it with {@code ne[0] = cols} (the input size), so row
 * {@code r} (one output) is the {@code cols} elements starting at element {@code r * cols}.
 */
public record Weight(GgufTensor tensor, int rows, int cols) {

    /** Wraps a tensor, checking it is a {@code rows x cols} matrix of a type the kernels compute with. */
    public static Weight matrix(GgufTensor tensor, int rows, int cols) {
        long[] shape = tensor.shape();
        long r = 1;
        for (int i = 1; i < shape.length; i++) {
            r *= shape[i];
        }
        if (shape[0] != cols || r != rows) {
            throw new IllegalArgumentException("tensor '" + tensor.name() + "' has shape " + java.util.Arrays.toString(shape)
                    + ", expected [" + cols + ", " + rows + "]");
        }
        if (!tensor.type().computeSupported()) {
            throw new IllegalArgumentException("tensor '" + tensor.name() + "' has type " + tensor.type()
                    + ", which this engine cannot compute with");
        }
        if (cols % tensor.type().blockSize() != 0) {
            throw new IllegalArgumentException("tensor '" + tensor.name() + "': row length " + cols
                    + " is not a multiple of the " + tensor.type() + " block size " + tensor.type().blockSize());
        }
        return new Weight(tensor, rows, cols);
    }

    public GgmlType type() {
        return tensor.type();
    }

    public String name() {
        return tensor.name();
    }
}
