package dev.shadowattn.gguf.fuzz;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Mutations of binary inputs, as libFuzzer's: bit flips, interesting bytes, inserts, deletes, duplicated ranges,
 * truncation, splices of two inputs, and integer boundary values written over known integer fields (or at random
 * offsets). {@link #mutate} stacks one to four of them.
 */
public final class ByteMutator {

    /** Values at which length, count and offset checks break: 0, 1, signs, powers of two, type maxima. */
    static final long[] BOUNDARIES = {
            0, 1, 2, 3, 4, 7, 8, 12, 13, 15, 16, 17, 24, 31, 32, 33, 63, 64, 127, 128, 255, 256, 1023, 1024, 4095, 4096,
            0x7fff, 0x8000, 0xffff, 0x10000, 0x7fffffffL, 0x80000000L, 0xffffffffL, 0x100000000L,
            Integer.MAX_VALUE - 8, Long.MAX_VALUE, Long.MIN_VALUE, -1, -2, Long.MAX_VALUE / 2,
            1L << 40, (1L << 62) + 1, Long.MAX_VALUE - 7
    };
    private static final int[] INTERESTING_BYTES = {0x00, 0x01, 0x7f, 0x80, 0xff, 0x20, 0x0a, 0xc0, 0xe2, 0xf0};
    private static final int MAX_SIZE = 1 << 20;

    private ByteMutator() {
    }

    /**
     * A mutant of {@code base}: one to four stacked mutations. {@code fields} are the integer fields of
     * {@code base} (from {@link GgufFields}); {@code other} is a second input to splice with.
     */
    public static byte[] mutate(byte[] base, List<GgufFields.Field> fields, byte[] other, Random r) {
        byte[] b = base;
        // A boundary value at a known field first: the offsets are only valid before other mutations move bytes.
        if (!fields.isEmpty() && r.nextInt(3) > 0) {
            b = boundaryAtField(b, fields.get(r.nextInt(fields.size())), r);
            if (r.nextInt(3) == 0) {
                return b;
            }
        }
        int count = 1 + r.nextInt(4);
        for (int i = 0; i < count; i++) {
            b = once(b, other, r);
        }
        return b.length > MAX_SIZE ? Arrays.copyOf(b, MAX_SIZE) : b;
    }

    private static byte[] once(byte[] b, byte[] other, Random r) {
        if (b.length == 0) {
            return insert(b, r);
        }
        return switch (r.nextInt(10)) {
            case 0 -> flipBit(b, r);
            case 1 -> setByte(b, r);
            case 2 -> insert(b, r);
            case 3 -> delete(b, r);
            case 4 -> duplicate(b, r);
            case 5 -> truncate(b, r);
            case 6 -> splice(b, other, r);
            case 7, 8 -> boundaryAtRandomOffset(b, r);
            default -> arithmetic(b, r);
        };
    }

    private static byte[] flipBit(byte[] b, Random r) {
        byte[] m = b.clone();
        int i = r.nextInt(m.length);
        m[i] ^= (byte) (1 << r.nextInt(8));
        return m;
    }

    private static byte[] setByte(byte[] b, Random r) {
        byte[] m = b.clone();
        m[r.nextInt(m.length)] = (byte) (r.nextBoolean() ? INTERESTING_BYTES[r.nextInt(INTERESTING_BYTES.length)]
                : r.nextInt(256));
        return m;
    }

    private static byte[] insert(byte[] b, Random r) {
        int at = r.nextInt(b.length + 1);
        int n = 1 + r.nextInt(r.nextBoolean() ? 8 : 64);
        byte[] m = new byte[b.length + n];
        System.arraycopy(b, 0, m, 0, at);
        byte fill = (byte) r.nextInt(256);
        boolean random = r.nextBoolean();
        for (int i = 0; i < n; i++) {
            m[at + i] = random ? (byte) r.nextInt(256) : fill;
        }
        System.arraycopy(b, at, m, at + n, b.length - at);
        return m;
    }

    private static byte[] delete(byte[] b, Random r) {
        int at = r.nextInt(b.length);
        int n = 1 + r.nextInt(Math.min(b.length - at, r.nextBoolean() ? 8 : 256));
        byte[] m = new byte[b.length - n];
        System.arraycopy(b, 0, m, 0, at);
        System.arraycopy(b, at + n, m, at, b.length - at - n);
        return m;
    }

    private static byte[] duplicate(byte[] b, Random r) {
        int from = r.nextInt(b.length);
        int n = 1 + r.nextInt(Math.min(b.length - from, 128));
        int at = r.nextInt(b.length + 1);
        byte[] m = new byte[b.length + n];
        System.arraycopy(b, 0, m, 0, at);
        System.arraycopy(b, from, m, at, n);
        System.arraycopy(b, at, m, at + n, b.length - at);
        return m;
    }

    private static byte[] truncate(byte[] b, Random r) {
        return Arrays.copyOf(b, r.nextInt(b.length));
    }

    /** A prefix of {@code b} followed by a suffix of {@code other}. */
    private static byte[] splice(byte[] b, byte[] other, Random r) {
        if (other.length == 0) {
            return truncate(b, r);
        }
        int cut = r.nextInt(b.length + 1);
        int from = r.nextBoolean() ? Math.min(cut, other.length) : r.nextInt(other.length);
        byte[] m = Arrays.copyOf(b, cut + other.length - from);
        System.arraycopy(other, from, m, cut, other.length - from);
        return m;
    }

    private static byte[] boundaryAtField(byte[] b, GgufFields.Field f, Random r) {
        if (f.offset() + f.width() > b.length) {
            return b;
        }
        byte[] m = b.clone();
        ByteBuffer buf = ByteBuffer.wrap(m).order(ByteOrder.LITTLE_ENDIAN);
        long old = f.width() == 4 ? Integer.toUnsignedLong(buf.getInt(f.offset())) : buf.getLong(f.offset());
        long value = switch (r.nextInt(4)) {
            case 0 -> old + (r.nextBoolean() ? 1 : -1) * (1 + r.nextInt(4));
            case 1 -> r.nextBoolean() ? old * 2 : old / 2;
            case 2 -> b.length - f.offset() + r.nextInt(17) - 8;    // "exactly what is left", give or take
            default -> BOUNDARIES[r.nextInt(BOUNDARIES.length)];
        };
        put(buf, f.offset(), f.width(), value);
        return m;
    }

    private static byte[] boundaryAtRandomOffset(byte[] b, Random r) {
        int width = r.nextBoolean() ? 4 : 8;
        if (b.length < width) {
            return setByte(b, r);
        }
        byte[] m = b.clone();
        int at = r.nextInt(b.length - width + 1);
        put(ByteBuffer.wrap(m).order(ByteOrder.LITTLE_ENDIAN), at, width, BOUNDARIES[r.nextInt(BOUNDARIES.length)]);
        return m;
    }

    private static byte[] arithmetic(byte[] b, Random r) {
        byte[] m = b.clone();
        int i = r.nextInt(m.length);
        m[i] += (byte) (r.nextInt(35) - 17);
        return m;
    }

    private static void put(ByteBuffer buf, int offset, int width, long value) {
        if (width == 4) {
            buf.putInt(offset, (int) value);
        } else {
            buf.putLong(offset, value);
        }
    }
}
