package dev.shadowattn.gguf.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Byte layouts of the quantized blocks, as declared in ggml's {@code ggml-common.h} (all fields little-endian, no
 * padding), and the field readers both kernel implementations share.
 *
 * <pre>
 * block_q8_0 (34 B, 32 elements):  ggml_half d; int8_t qs[32];              w[i] = d * qs[i]
 * block_q4_0 (18 B, 32 elements):  ggml_half d; uint8_t qs[16];             w[i] = d * ((qs[i] &amp; 0xF) - 8),
 *                                                                          w[i+16] = d * ((qs[i] &gt;&gt; 4) - 8), i &lt; 16
 * block_q4_K (144 B, 256 elements): ggml_half d, dmin; uint8_t scales[12]; uint8_t qs[128];
 *     8 sub-blocks j of 32 with 6-bit scale sc[j] and min m[j] packed in scales[] (get_scale_min_k4);
 *     for chunk c &lt; 4 and l &lt; 32: w[64c+l]    = d*sc[2c]   * (qs[32c+l] &amp; 0xF) - dmin*m[2c],
 *                                  w[64c+32+l] = d*sc[2c+1] * (qs[32c+l] &gt;&gt; 4)  - dmin*m[2c+1]
 * block_q6_K (210 B, 256 elements): uint8_t ql[128]; uint8_t qh[64]; int8_t scales[16]; ggml_half d;
 *     for half h &lt; 2 and l &lt; 32, with L = ql + 64h, H = qh[32h+l]:
 *       q[128h+l]    = (L[l]    &amp; 0xF) | ((H      &amp; 3) &lt;&lt; 4),   q[128h+32+l] = (L[l+32] &amp; 0xF) | ((H &gt;&gt; 2 &amp; 3) &lt;&lt; 4),
 *       q[128h+64+l] = (L[l]    &gt;&gt; 4)  | ((H &gt;&gt; 4 &amp; 3) &lt;&lt; 4),   q[128h+96+l] = (L[l+32] &gt;&gt; 4)  | ((H &gt;&gt; 6) &lt;&lt; 4);
 *     w[i] = d * scales[i / 16] * (q[i] - 32)
 * </pre>
 */
final class BlockLayouts {

    private BlockLayouts() {
    }

    static final ValueLayout.OfShort LE_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfFloat LE_FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfInt LE_INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfLong LE_LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    // block_q8_0
    static final int Q8_0_BYTES = 34;
    static final int Q8_0_QS = 2;

    // block_q4_0
    static final int Q4_0_BYTES = 18;
    static final int Q4_0_QS = 2;

    // block_q4_K
    static final int Q4_K_BYTES = 144;
    static final int Q4_K_DMIN = 2;
    static final int Q4_K_SCALES = 4;
    static final int Q4_K_QS = 16;

    // block_q6_K
    static final int Q6_K_BYTES = 210;
    static final int Q6_K_QL = 0;
    static final int Q6_K_QH = 128;
    static final int Q6_K_SCALES = 192;
    static final int Q6_K_D = 208;

    /** The fp16 field at byte {@code offset}, as a float. */
    static float half(MemorySegment data, long offset) {
        return Float16.toFloat(data.get(LE_SHORT, offset));
    }

    /** The unsigned byte at {@code offset}. */
    static int u8(MemorySegment data, long offset) {
        return data.get(ValueLayout.JAVA_BYTE, offset) & 0xFF;
    }

    /** The signed byte at {@code offset}. */
    static int s8(MemorySegment data, long offset) {
        return data.get(ValueLayout.JAVA_BYTE, offset);
    }

    /**
     * The 6-bit scale of sub-block {@code j < 8} of the q4_K block at {@code block} ({@code get_scale_min_k4}):
     * for j &lt; 4 the low 6 bits of scales[j]; else the low nibble of scales[j+4] with the top 2 bits of
     * scales[j-4] above it.
     */
    static int q4kScale(MemorySegment data, long block, int j) {
        long s = block + Q4_K_SCALES;
        return j < 4
                ? u8(data, s + j) & 63
                : (u8(data, s + j + 4) & 0xF) | (u8(data, s + j - 4) >>> 6) << 4;
    }

    /**
     * The 6-bit min of sub-block {@code j < 8} ({@code get_scale_min_k4}): for j &lt; 4 the low 6 bits of
     * scales[j+4]; else the high nibble of scales[j+4] with the top 2 bits of scales[j] above it.
     */
    static int q4kMin(MemorySegment data, long block, int j) {
        long s = block + Q4_K_SCALES;
        return j < 4
                ? u8(data, s + j + 4) & 63
                : (u8(data, s + j + 4) >>> 4) | (u8(data, s + j) >>> 6) << 4;
    }

    /**
     * {@link #q4kScale(MemorySegment, long, int)} from the 12 scale bytes held in registers: {@code lo} = bytes 0-7
     * and {@code hi} = bytes 8-11, read little-endian (so byte k is bits 8k..8k+7). Used by the vector kernels,
     * which read the scales with two loads instead of sixteen.
     */
    static int q4kScale(long lo, int hi, int j) {
        return j < 4
                ? scaleByte(lo, hi, j) & 63
                : (scaleByte(lo, hi, j + 4) & 0xF) | (scaleByte(lo, hi, j - 4) >>> 6) << 4;
    }

    /** {@link #q4kMin(MemorySegment, long, int)} from the scale bytes in registers, as {@link #q4kScale(long, int, int)}. */
    static int q4kMin(long lo, int hi, int j) {
        return j < 4
                ? scaleByte(lo, hi, j + 4) & 63
                : (scaleByte(lo, hi, j + 4) >>> 4) | (scaleByte(lo, hi, j) >>> 6) << 4;
    }

    private static int scaleByte(long lo, int hi, int k) {
        return (int) (k < 8 ? lo >>> 8 * k : hi >>> 8 * (k - 8)) & 0xFF;
    }
}
