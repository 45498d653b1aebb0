package dev.shadowattn.plugin.testing;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The captured-tensor format of {@code src/test/resources/qkv/house-L{layer}.qkv} (little-endian):
 * int32 magic {@code 0x31564B51} ("QKV1"), int32 queryHeads, int32 kvHeads, int32 headDim, int32 n, then float32
 * {@code q[n][queryHeads][headDim]}, {@code k[n][kvHeads][headDim]} (post-RoPE), {@code v[n][kvHeads][headDim]}.
 */
public final class QkvFile {

    public static final int MAGIC = 0x31564B51;
    private static final int HEADER = 5 * Integer.BYTES;
    /** Larger dimensions than this are not a plausible capture (and would overflow arrays). */
    private static final int LIMIT = 1 << 16;

    private QkvFile() {
    }

    public static QkvData read(Path path) throws IOException {
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < HEADER) {
                throw new IOException(path + ": " + size + " bytes is shorter than the 20-byte QKV1 header");
            }
            ByteBuffer head = ByteBuffer.allocate(HEADER).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, head, path);
            head.flip();
            int magic = head.getInt();
            if (magic != MAGIC) {
                throw new IOException(path + ": magic 0x" + Integer.toHexString(magic) + " is not QKV1 (0x31564b51)");
            }
            int qh = field(head.getInt(), "queryHeads", path);
            int kvh = field(head.getInt(), "kvHeads", path);
            int d = field(head.getInt(), "headDim", path);
            int n = field(head.getInt(), "n", path);
            if (qh % kvh != 0) {
                throw new IOException(path + ": queryHeads " + qh + " is not a multiple of kvHeads " + kvh);
            }
            long floats = (long) n * d * (qh + 2L * kvh);
            if (floats > Integer.MAX_VALUE / 2 || size != HEADER + floats * Float.BYTES) {
                throw new IOException(path + ": size " + size + " does not match the header (" + qh + " query heads, "
                        + kvh + " KV heads, headDim " + d + ", n " + n + " -> " + (HEADER + floats * 4) + " bytes)");
            }
            ByteBuffer body = ByteBuffer.allocate((int) (floats * Float.BYTES)).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, body, path);
            body.flip();
            float[] q = new float[n * qh * d];
            float[] k = new float[n * kvh * d];
            float[] v = new float[n * kvh * d];
            body.asFloatBuffer().get(q).get(k).get(v);
            return new QkvData(path.getFileName().toString(), qh, kvh, d, n, q, k, v);
        }
    }

    public static void write(Path path, QkvData data) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(HEADER + (data.q().length + data.k().length + data.v().length) * 4)
                .order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(MAGIC).putInt(data.queryHeads()).putInt(data.kvHeads()).putInt(data.headDim()).putInt(data.n());
        b.asFloatBuffer().put(data.q()).put(data.k()).put(data.v());
        b.position(b.capacity()).flip();
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            while (b.hasRemaining()) {
                ch.write(b);
            }
        }
    }

    private static int field(int value, String name, Path path) throws IOException {
        if (value <= 0 || value > LIMIT) {
            throw new IOException(path + ": header field " + name + " = " + value + " is outside [1, " + LIMIT + "]");
        }
        return value;
    }

    private static void readFully(FileChannel ch, ByteBuffer b, Path path) throws IOException {
        while (b.hasRemaining()) {
            if (ch.read(b) < 0) {
                throw new IOException(path + ": truncated");
            }
        }
    }
}
