package dev.shadowattn.plugin.qnn;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

import dev.shadowattn.plugin.cache.KeyLayout;
import java.lang.foreign.MemorySegment;

/**
 * One KV head's INT8 shadow keys as rows for a score graph: the cache stores them transposed in groups of
 * {@link KeyLayout#GROUP} keys ({@code [group][headDim][16]}), the graph reads {@code [key][headDim]}; this source
 * transposes while copying.
 */
final class ShadowKeyRows implements Int8Rows {

    private final MemorySegment keys8;
    private final int headDim;
    private final int length;

    ShadowKeyRows(MemorySegment keys8, int headDim, int length) {
        if (keys8.byteSize() < (long) KeyLayout.groupsFor(length) * headDim * KeyLayout.GROUP) {
            throw new IllegalArgumentException("shadow keys: " + keys8.byteSize() + " bytes cannot hold " + length
                    + " keys of dimension " + headDim);
        }
        this.keys8 = keys8;
        this.headDim = headDim;
        this.length = length;
    }

    @Override
    public int rows() {
        return length;
    }

    @Override
    public void copyTo(int from, int count, int d, MemorySegment dst, long dstOff, byte flip) {
        if (d != headDim || from < 0 || from + count > length) {
            throw new IllegalArgumentException("shadow keys: rows " + from + ".." + (from + count) + " of dimension "
                    + d + " outside " + length + " keys of dimension " + headDim);
        }
        for (int i = 0; i < count; i++) {
            int j = from + i;
            int g = j >>> KeyLayout.GROUP_SHIFT;
            int lane = j & (KeyLayout.GROUP - 1);
            long o = dstOff + (long) i * d;
            for (int c = 0; c < d; c++) {
                byte v = keys8.get(JAVA_BYTE, KeyLayout.key8Offset(g, c, headDim) + lane);
                dst.set(JAVA_BYTE, o + c, (byte) (v ^ flip));
            }
        }
    }
}
