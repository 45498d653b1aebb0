package dev.shadowattn.plugin.qnn;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

import java.lang.foreign.MemorySegment;

/**
 * Rows of INT8 levels (a head's queries or keys) as a score graph reads them, wherever they live: row-major bytes,
 * the shadow-K cache's transposed key groups, or float-held levels. A source copies rows into a graph's client
 * buffer in the graph's input encoding.
 */
public interface Int8Rows {

    /** Rows available. */
    int rows();

    /**
     * Copies rows {@code [from, from + count)}, {@code d} levels each, to {@code dst} at {@code dstOff}, row-major
     * ({@code d} bytes per row), storing {@code level ^ flip} (flip 0x80 turns a signed level into u8 with offset
     * -128; 0 keeps s8).
     */
    void copyTo(int from, int count, int d, MemorySegment dst, long dstOff, byte flip);

    /** Row-major signed bytes: row {@code i} at byte {@code i * stride}. */
    static Int8Rows rowMajor(MemorySegment data, long stride, int rows) {
        if (rows < 0 || stride <= 0 || (rows > 0 && data.byteSize() < (rows - 1) * stride)) {
            throw new IllegalArgumentException("INT8 rows: " + rows + " rows of stride " + stride + " do not fit in "
                    + data.byteSize() + " bytes");
        }
        return new Int8Rows() {
            @Override
            public int rows() {
                return rows;
            }

            @Override
            public void copyTo(int from, int count, int d, MemorySegment dst, long dstOff, byte flip) {
                if (d > stride || (from + count - 1) * stride + d > data.byteSize()) {
                    throw new IllegalArgumentException("INT8 rows: rows " + from + ".." + (from + count) + " of " + d
                            + " bytes exceed the data (stride " + stride + ", " + data.byteSize() + " bytes)");
                }
                for (int i = 0; i < count; i++) {
                    long o = dstOff + (long) i * d;
                    MemorySegment.copy(data, (from + i) * stride, dst, o, d);
                    if (flip != 0) {
                        for (int c = 0; c < d; c++) {
                            dst.set(JAVA_BYTE, o + c, (byte) (dst.get(JAVA_BYTE, o + c) ^ flip));
                        }
                    }
                }
            }
        };
    }
}
