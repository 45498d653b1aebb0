package dev.shadowattn.plugin.cache;

/**
 * Byte layouts of one KV head's cache (all little-endian native order, 64-byte aligned bases).
 * <ul>
 *   <li>float K, transposed in groups of {@link #GROUP} keys: {@code [group][headDim][16]} floats, so that one
 *       512-bit vector holds one channel of 16 consecutive keys (CPU-ATTENTION-NOTES.md: blocked K is 1.3-2x faster
 *       than row-major);</li>
 *   <li>float V, row-major: {@code [position][headDim]};</li>
 *   <li>INT8 shadow K, same transposed grouping: {@code [group][headDim][16]} bytes, with one float scale per group
 *       ({@code real = int8 * scale}); static scales store the same value in every group;</li>
 *   <li>block summaries for a block size B, per-channel min and max of K, transposed in groups of {@link #GROUP}
 *       blocks: {@code [block group][headDim][min, max][16]} floats, so that one 512-bit vector holds one channel's
 *       min (or max) of 16 consecutive blocks and bounds are computed 16 blocks per lane-parallel pass; the rows
 *       are read in memory order (one stream, which the hardware prefetcher follows).</li>
 * </ul>
 */
public final class KeyLayout {

    /** Keys per transposed group: one 512-bit float vector. */
    public static final int GROUP = 16;
    public static final int GROUP_SHIFT = 4;

    private KeyLayout() {
    }

    /** Byte offset of channel {@code c} of group {@code g} in the float K segment. */
    public static long keyOffset(int g, int c, int headDim) {
        return (((long) g * headDim + c) << GROUP_SHIFT) * Float.BYTES;
    }

    /** Byte offset of channel {@code c} of group {@code g} in the INT8 K segment. */
    public static long key8Offset(int g, int c, int headDim) {
        return ((long) g * headDim + c) << GROUP_SHIFT;
    }

    /** Byte offset of position {@code p}'s row in the V segment. */
    public static long valueOffset(int p, int headDim) {
        return (long) p * headDim * Float.BYTES;
    }

    /** Byte offset of block {@code b}'s min ({@code max} false) or max of channel {@code c} in the summaries. */
    public static long summaryOffset(int b, int c, boolean max, int headDim) {
        return (((((long) (b >>> GROUP_SHIFT) * headDim + c) * 2 + (max ? 1 : 0)) << GROUP_SHIFT)
                + (b & (GROUP - 1))) * Float.BYTES;
    }

    /** Byte offset of the group of 16 blocks holding block {@code b}: channel 0's min row, then its max row, etc. */
    public static long summaryGroupOffset(int b, int headDim) {
        return summaryOffset(b & -GROUP, 0, false, headDim);
    }

    /** Bytes of the summaries of {@code blocks} blocks (whole groups of 16). */
    public static long summaryBytes(int blocks, int headDim) {
        return summaryGroupOffset(blocks + GROUP - 1, headDim);
    }

    public static int groupsFor(int keys) {
        return (keys + GROUP - 1) >>> GROUP_SHIFT;
    }
}
