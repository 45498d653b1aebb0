package dev.shadowattn.gguf.tensor;

import dev.shadowattn.gguf.GgmlType;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Random;

/**
 * Test helper: encodes blocks of each type from chosen fields (the inverse of the ggml-common.h layouts, written
 * from the quantizers' packing rules) and makes random tensors with sane scales.
 */
final class Blocks {

    private Blocks() {
    }

    static ByteBuffer le(int size) {
        return ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
    }

    static short h(float value) {
        return Float.floatToFloat16(value);
    }

    /** block_q8_0: fp16 d, 32 int8. */
    static byte[] q8_0(short d, int[] q) {
        ByteBuffer b = le(34).putShort(d);
        for (int i = 0; i < 32; i++) {
            b.put((byte) q[i]);
        }
        return b.array();
    }

    /** block_q4_0 from 32 quants in 0..15: byte i holds element i (low nibble) and element i+16 (high nibble). */
    static byte[] q4_0(short d, int[] q) {
        ByteBuffer b = le(18).putShort(d);
        for (int i = 0; i < 16; i++) {
            b.put((byte) (q[i] | q[i + 16] << 4));
        }
        return b.array();
    }

    /**
     * block_q4_K from 8 six-bit scales and mins and 256 quants in 0..15. Scales packing: bytes 0-3 hold sc[0..3] in
     * their low 6 bits and the top 2 bits of sc[4..7] above; bytes 4-7 likewise m[0..3] and the top bits of m[4..7];
     * bytes 8-11 hold the low nibbles of sc[4..7] (low) and m[4..7] (high).
     */
    static byte[] q4_K(short d, short dmin, int[] sc, int[] m, int[] q) {
        ByteBuffer b = le(144).putShort(d).putShort(dmin);
        byte[] s = new byte[12];
        for (int j = 0; j < 4; j++) {
            s[j] = (byte) (sc[j] | (sc[j + 4] >> 4) << 6);
            s[j + 4] = (byte) (m[j] | (m[j + 4] >> 4) << 6);
            s[j + 8] = (byte) ((sc[j + 4] & 0xF) | (m[j + 4] & 0xF) << 4);
        }
        b.put(s);
        for (int c = 0; c < 4; c++) {
            for (int l = 0; l < 32; l++) {
                b.put((byte) (q[64 * c + l] | q[64 * c + 32 + l] << 4));
            }
        }
        return b.array();
    }

    /**
     * block_q6_K from 16 int8 scales and 256 quants in 0..63 (stored value = q; weight = d*scale*(q-32)). In each
     * half of 128: ql[l] holds the low 4 bits of q[l] and q[l+64], ql[l+32] those of q[l+32] and q[l+96], and
     * qh[l] the high 2 bits of q[l], q[l+32], q[l+64], q[l+96] at bit 0, 2, 4, 6.
     */
    static byte[] q6_K(short d, int[] scales, int[] q) {
        byte[] ql = new byte[128];
        byte[] qh = new byte[64];
        for (int half = 0; half < 2; half++) {
            for (int l = 0; l < 32; l++) {
                int e = 128 * half + l;
                ql[64 * half + l] = (byte) ((q[e] & 0xF) | (q[e + 64] & 0xF) << 4);
                ql[64 * half + 32 + l] = (byte) ((q[e + 32] & 0xF) | (q[e + 96] & 0xF) << 4);
                qh[32 * half + l] = (byte) (q[e] >> 4 | (q[e + 32] >> 4) << 2 | (q[e + 64] >> 4) << 4
                        | (q[e + 96] >> 4) << 6);
            }
        }
        ByteBuffer b = le(210).put(ql).put(qh);
        for (int i = 0; i < 16; i++) {
            b.put((byte) scales[i]);
        }
        return b.putShort(d).array();
    }

    static byte[] concat(byte[]... parts) {
        int size = 0;
        for (byte[] p : parts) {
            size += p.length;
        }
        ByteBuffer b = ByteBuffer.allocate(size);
        for (byte[] p : parts) {
            b.put(p);
        }
        return b.array();
    }

    /** A native (off-heap) read-only segment holding {@code bytes}, like a mapped tensor. */
    static MemorySegment segment(Arena arena, byte[] bytes) {
        MemorySegment s = arena.allocate(Math.max(1, bytes.length), 64);
        MemorySegment.copy(MemorySegment.ofArray(bytes), 0, s, 0, bytes.length);
        return s.asSlice(0, bytes.length).asReadOnly();
    }

    /** A random fp16 scale of magnitude about 2^-8 .. 2^-3 (typical of real tensors), either sign. */
    static short randomScale(Random rnd) {
        float v = (float) Math.scalb(1 + rnd.nextFloat(), -3 - rnd.nextInt(6));
        return h(rnd.nextBoolean() ? v : -v);
    }

    /** Random bytes for {@code blocks} blocks of {@code type}, with finite scales and finite float elements. */
    static byte[] random(GgmlType type, int blocks, Random rnd) {
        ByteBuffer b = le(blocks * type.typeSize());
        rnd.nextBytes(b.array());
        for (int i = 0; i < blocks; i++) {
            int o = i * type.typeSize();
            switch (type) {
                case F32 -> b.putFloat(o, (float) rnd.nextGaussian());
                case F16 -> b.putShort(o, h((float) rnd.nextGaussian()));
                case BF16 -> b.putShort(o, (short) (Float.floatToRawIntBits((float) rnd.nextGaussian()) >>> 16));
                case Q8_0, Q4_0 -> b.putShort(o, randomScale(rnd));
                case Q4_K -> b.putShort(o, randomScale(rnd)).putShort(o + 2, randomScale(rnd));
                case Q6_K -> b.putShort(o + 208, randomScale(rnd));
                default -> throw new IllegalArgumentException(type.toString());
            }
        }
        return b.array();
    }

    static float[] randomFloats(int n, Random rnd) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) rnd.nextGaussian();
        }
        return x;
    }
}
