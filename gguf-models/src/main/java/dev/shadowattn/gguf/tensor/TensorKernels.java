package dev.shadowattn.gguf.tensor;

import dev.shadowattn.gguf.GgmlType;

import java.lang.foreign.MemorySegment;

/**
 * The numeric kernels of the engine: dot products against (quantized) weight tensors, dequantization, and the
 * float helpers of the forward pass.
 *
 * <p>Weight tensors are given as a {@link MemorySegment} holding the tensor's little-endian bytes (byte 0 is the
 * first byte of element 0's block), with elements in blocks as laid out by ggml ({@code ggml-common.h}); see
 * {@link GgmlType} and {@code docs/KERNELS.md}. Element offsets and counts of quantized types must be whole blocks.
 *
 * <p>Two implementations exist, following the pattern of Lucene's vectorization provider: {@link #scalar()}, the
 * plain reference, and a Vector API implementation picked by {@link #best()} when {@code jdk.incubator.vector} is
 * usable. Every kernel of the latter is tested against the former. Implementations are stateless and thread-safe.
 *
 * <p>Errors: a type whose {@link GgmlType#computeSupported()} is false gives {@link UnsupportedOperationException}
 * naming the type; offsets or counts that are not whole blocks give {@link IllegalArgumentException}; ranges outside
 * the segment or arrays give {@link IndexOutOfBoundsException} naming the argument.
 */
public interface TensorKernels {

    /** System property choosing the implementation: {@code scalar} or {@code vector}. */
    String PROPERTY = "shadowattn.kernels";

    /**
     * The Vector API implementation when {@code jdk.incubator.vector} is usable and the preferred float species has at
     * least 8 lanes, else {@link #scalar()}. The system property {@value #PROPERTY} ({@code scalar} or
     * {@code vector}) overrides the choice; {@code vector} still falls back to scalar where vectors are unusable.
     * Never throws.
     */
    static TensorKernels best() {
        return KernelSelection.select(System.getProperty(PROPERTY));
    }

    /** The scalar reference implementation. */
    static TensorKernels scalar() {
        return ScalarKernels.INSTANCE;
    }

    /** {@code "scalar"} or {@code "vector(<bits>-bit)"}, e.g. {@code "vector(512-bit)"}. */
    String name();

    /**
     * Sum over {@code i < n} of {@code w[elementOffset + i] * x[xOffset + i]}, where {@code w} is a tensor of
     * {@code type} stored in {@code data}. {@code elementOffset} and {@code n} are multiples of
     * {@code type.blockSize()}. Weights take exactly the values {@link #dequantize} gives, so special values
     * (an infinite or NaN block scale) propagate as in a plain float dot product.
     */
    float dot(GgmlType type, MemorySegment data, long elementOffset, float[] x, int xOffset, int n);

    /**
     * Batched {@link #dot(GgmlType, MemorySegment, long, float[], int, int)} for prefill: for {@code b < batch},
     * {@code out[outOffset + b*outStride] = dot(type, data, elementOffset, x, xOffset + b*xStride, n)}.
     * Strides must not be negative. The vector implementation decodes each weight block once per tile of rows.
     */
    void dotBatch(GgmlType type, MemorySegment data, long elementOffset, int n,
                  float[] x, int xOffset, int xStride, int batch,
                  float[] out, int outOffset, int outStride);

    /** Writes the {@code n} elements starting at {@code elementOffset} as floats to {@code out[outOffset..]}. */
    void dequantize(GgmlType type, MemorySegment data, long elementOffset, float[] out, int outOffset, int n);

    /** Sum over {@code i < n} of {@code a[aOffset + i] * b[bOffset + i]}. */
    float dot(float[] a, int aOffset, float[] b, int bOffset, int n);

    /** {@code y[yOffset + i] = fma(alpha, x[xOffset + i], y[yOffset + i])} for {@code i < n}. */
    void axpy(float alpha, float[] x, int xOffset, float[] y, int yOffset, int n);
}
