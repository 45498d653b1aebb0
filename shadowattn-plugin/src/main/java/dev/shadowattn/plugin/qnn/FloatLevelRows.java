package dev.shadowattn.plugin.qnn;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

import java.lang.foreign.MemorySegment;

/**
 * Quantized queries held as floats (integers in [-127, 127], as the shadowAttn session prepares them) as rows for a
 * score graph: row {@code i} is {@code q[offset + i * d .. + d)}.
 */
final class FloatLevelRows implements Int8Rows {

    private final float[] q;
    private final int offset;
    private final int headDim;
    private final int rows;

    FloatLevelRows(float[] q, int offset, int headDim, int rows) {
        if (offset < 0 || offset + (long) rows * headDim > q.length) {
            throw new IllegalArgumentException("quantized queries: " + rows + " rows of " + headDim + " from offset "
                    + offset + " exceed " + q.length + " floats");
        }
        this.q = q;
        this.offset = offset;
        this.headDim = headDim;
        this.rows = rows;
    }

    @Override
    public int rows() {
        return rows;
    }

    @Override
    public void copyTo(int from, int count, int d, MemorySegment dst, long dstOff, byte flip) {
        if (d != headDim || from < 0 || from + count > rows) {
            throw new IllegalArgumentException("quantized queries: rows " + from + ".." + (from + count)
                    + " of dimension " + d + " outside " + rows + " rows of dimension " + headDim);
        }
        int src = offset + from * d;
        long n = (long) count * d;
        for (long i = 0; i < n; i++) {
            dst.set(JAVA_BYTE, dstOff + i, (byte) ((int) q[src + (int) i] ^ flip));
        }
    }
}
