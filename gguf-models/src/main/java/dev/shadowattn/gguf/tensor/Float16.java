package dev.shadowattn.gguf.tensor;

/**
 * Exact scalar conversions of the 16-bit float formats found in GGUF tensors: IEEE 754 binary16 ("fp16", the
 * {@code ggml_half} scales of quantized blocks and F16 tensors) and bfloat16 (BF16 tensors, the upper half of a
 * binary32).
 *
 * <p>Both the scalar and the vector kernels use these for block scales, so the two agree bit for bit.
 */
public final class Float16 {

    private Float16() {
    }

    /** The float value of fp16 bits {@code bits} (exact: subnormals, infinities, NaN payloads preserved). */
    public static float toFloat(short bits) {
        return Float.float16ToFloat(bits);
    }

    /** The fp16 bits nearest to {@code value} (round to nearest even; overflow gives infinity). */
    public static short fromFloat(float value) {
        return Float.floatToFloat16(value);
    }

    /** The float value of bfloat16 bits {@code bits}: they are the upper 16 bits of a binary32, so this is exact. */
    public static float bf16ToFloat(short bits) {
        return Float.intBitsToFloat((bits & 0xFFFF) << 16);
    }
}
