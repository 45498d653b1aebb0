package dev.shadowattn.plugin.cache;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

import static dev.shadowattn.plugin.cache.KeyLayout.GROUP;
import static dev.shadowattn.plugin.cache.KeyLayout.GROUP_SHIFT;

/**
 * The cache of one KV head in one layer: float K (transposed groups), float V, the INT8 shadow of K with its
 * scales, optional per-block K summaries, and optionally a row-major copy of float K for single-key gathers
 * ({@link KeyLayout}). It grows with use, never past the context limit.
 * The caller ({@link LayerCache}) keeps the length and checks arguments; values written here are finite.
 */
public final class HeadCache implements AutoCloseable {

    /** Positions allocated at the first append, and the granularity of growth. */
    static final int CAPACITY_STEP = 256;
    /** With {@code kmean}, the K mean is that of positions {@code [0, MEAN_ROWS)}, fixed once they exist. */
    public static final int MEAN_ROWS = 64;
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT;

    private final int headDim;
    private final int summaryBlock;
    private final float staticScale;
    private final boolean kMean;
    private final int maxCapacity;
    private final boolean rowKeys;

    private final GrowableSegment keys = new GrowableSegment();
    private final GrowableSegment values = new GrowableSegment();
    private final GrowableSegment keys8 = new GrowableSegment();
    private final GrowableSegment scales = new GrowableSegment();
    private final GrowableSegment summaries = new GrowableSegment();
    private final GrowableSegment keyRows = new GrowableSegment();

    /** Dynamic scales: the largest |k - mean| of each group so far. */
    private float[] groupMax = new float[0];
    /** K mean per channel subtracted before quantizing (kmean), or null (off, or fewer than MEAN_ROWS keys). */
    private float[] mean;
    private final float[] row;
    private int capacity;

    /**
     * @param headDim      channels per key
     * @param summaryBlock keys per summary block, or 0 for no summaries
     * @param staticScale  the INT8 scale of K for every group, or {@code NaN} for dynamic per-group scales
     * @param kMean        subtract the mean of the first rows written before quantizing
     * @param maxContext   the most positions this cache will hold
     * @param rowKeys      also keep float K row-major ({@link #keyRows}), for attention over single selected keys
     */
    public HeadCache(int headDim, int summaryBlock, float staticScale, boolean kMean, int maxContext,
                     boolean rowKeys) {
        this.headDim = headDim;
        this.rowKeys = rowKeys;
        this.summaryBlock = summaryBlock;
        this.staticScale = staticScale;
        this.kMean = kMean;
        this.maxCapacity = roundUp(maxContext, CAPACITY_STEP);
        this.row = new float[headDim];
    }

    public int headDim() {
        return headDim;
    }

    /** Float K, {@code [group][headDim][16]}. */
    public MemorySegment keys() {
        return keys.segment();
    }

    /**
     * Float K, {@code [position][headDim]} (the same values as {@link #keys}), or an empty segment when this cache
     * was made without row keys. A selected key's row is then one contiguous read instead of one float in each of
     * {@code headDim} cache lines.
     */
    public MemorySegment keyRows() {
        return keyRows.segment();
    }

    /** Whether {@link #keyRows} is kept. */
    public boolean hasKeyRows() {
        return rowKeys;
    }

    /** Float V, {@code [position][headDim]}. */
    public MemorySegment values() {
        return values.segment();
    }

    /** INT8 K, {@code [group][headDim][16]}. */
    public MemorySegment keys8() {
        return keys8.segment();
    }

    /** One float scale per group of INT8 K. */
    public MemorySegment scales() {
        return scales.segment();
    }

    /** Per-block min/max of K ({@link KeyLayout#summaryOffset}), or an empty segment without summaries. */
    public MemorySegment summaries() {
        return summaries.segment();
    }

    public int summaryBlock() {
        return summaryBlock;
    }

    /** Bytes held now (all arrays). */
    public long bytes() {
        return keys.byteSize() + values.byteSize() + keys8.byteSize() + scales.byteSize() + summaries.byteSize()
                + keyRows.byteSize() + (long) groupMax.length * Float.BYTES;
    }

    /** Makes room for {@code positions} positions, keeping the first {@code used}. */
    void ensureCapacity(int positions, int used) {
        if (positions <= capacity) {
            return;
        }
        int cap = Math.min(maxCapacity, Math.max(roundUp(positions, CAPACITY_STEP), capacity * 2));
        int usedGroups = KeyLayout.groupsFor(used);
        int groups = cap >>> GROUP_SHIFT;
        keys.ensure(KeyLayout.keyOffset(groups, 0, headDim), KeyLayout.keyOffset(usedGroups, 0, headDim));
        values.ensure(KeyLayout.valueOffset(cap, headDim), KeyLayout.valueOffset(used, headDim));
        if (rowKeys) {
            keyRows.ensure(KeyLayout.valueOffset(cap, headDim), KeyLayout.valueOffset(used, headDim));
        }
        keys8.ensure(KeyLayout.key8Offset(groups, 0, headDim), KeyLayout.key8Offset(usedGroups, 0, headDim));
        scales.ensure((long) groups * Float.BYTES, (long) usedGroups * Float.BYTES);
        if (summaryBlock > 0) {
            int blocks = cap / summaryBlock + 1;
            int usedBlocks = (used + summaryBlock - 1) / summaryBlock;
            summaries.ensure(KeyLayout.summaryBytes(blocks, headDim), KeyLayout.summaryBytes(usedBlocks, headDim));
        }
        groupMax = Arrays.copyOf(groupMax, groups);
        capacity = cap;
    }

    /** The K mean subtracted before quantizing, or null; valid until the next append or truncate. */
    public float[] mean() {
        return mean;
    }

    /**
     * With {@code kmean}, once {@code length >= MEAN_ROWS}: fixes the mean of positions {@code [0, MEAN_ROWS)}
     * and requantizes the keys held. The mean depends only on those positions, however they were appended.
     */
    void fixMean(int length) {
        if (!kMean || mean != null || length < MEAN_ROWS) {
            return;
        }
        double[] sum = new double[headDim];
        float[] tmp = new float[headDim];
        for (int p = 0; p < MEAN_ROWS; p++) {
            readKey(p, tmp);
            for (int c = 0; c < headDim; c++) {
                sum[c] += tmp[c];
            }
        }
        mean = new float[headDim];
        for (int c = 0; c < headDim; c++) {
            mean[c] = (float) (sum[c] / MEAN_ROWS);
        }
        requantizeAll(length);
    }

    /** Requantizes keys {@code [0, length)} group by group, with fresh dynamic scales. */
    private void requantizeAll(int length) {
        float[] tmp = new float[headDim];
        for (int g = 0, groups = KeyLayout.groupsFor(length); g < groups; g++) {
            int lanes = Math.min(GROUP, length - (g << GROUP_SHIFT));
            float scale = staticScale;
            if (Float.isNaN(staticScale)) {
                float max = 0f;
                for (int l = 0; l < lanes; l++) {
                    readKey((g << GROUP_SHIFT) + l, tmp);
                    for (int c = 0; c < headDim; c++) {
                        max = Math.max(max, Math.abs(mean == null ? tmp[c] : tmp[c] - mean[c]));
                    }
                }
                groupMax[g] = max;
                scale = scaleFor(max);
            }
            scales.segment().setAtIndex(FLOAT, g, scale);
            requantizeGroup(g, lanes, scale);
        }
    }

    /** Writes position {@code pos} (equal to the current length) from finite K and V rows. */
    void write(int pos, float[] k, int kOff, float[] v, int vOff) {
        MemorySegment kSeg = keys.segment();
        int g = pos >>> GROUP_SHIFT;
        int lane = pos & (GROUP - 1);
        for (int c = 0; c < headDim; c++) {
            kSeg.set(FLOAT, KeyLayout.keyOffset(g, c, headDim) + (long) lane * Float.BYTES, k[kOff + c]);
        }
        MemorySegment.copy(v, vOff, values.segment(), FLOAT, KeyLayout.valueOffset(pos, headDim), headDim);
        if (rowKeys) {
            MemorySegment.copy(k, kOff, keyRows.segment(), FLOAT, KeyLayout.valueOffset(pos, headDim), headDim);
        }
        quantizeInto(g, lane, k, kOff);
        if (summaryBlock > 0) {
            updateSummary(pos, k, kOff);
        }
    }

    private void quantizeInto(int g, int lane, float[] k, int kOff) {
        float rowMax = 0f;
        for (int c = 0; c < headDim; c++) {
            row[c] = mean == null ? k[kOff + c] : k[kOff + c] - mean[c];
            rowMax = Math.max(rowMax, Math.abs(row[c]));
        }
        float scale;
        if (!Float.isNaN(staticScale)) {
            scale = staticScale;
        } else if (lane == 0 || rowMax > groupMax[g]) {
            groupMax[g] = lane == 0 ? rowMax : Math.max(rowMax, groupMax[g]);
            scale = scaleFor(groupMax[g]);
            requantizeGroup(g, lane, scale);
        } else {
            scale = scales.segment().getAtIndex(FLOAT, g);
        }
        scales.segment().setAtIndex(FLOAT, g, scale);
        storeQuantized(g, lane, row, 1f / scale);
    }

    /** Scale mapping a range of {@code maxAbs} onto [-127, 127]. */
    static float scaleFor(float maxAbs) {
        return maxAbs > 0f ? maxAbs / 127f : 1f;
    }

    /** Requantizes lanes {@code [0, lanes)} of group {@code g} from float K with {@code scale}. */
    private void requantizeGroup(int g, int lanes, float scale) {
        float[] tmp = new float[headDim];
        for (int l = 0; l < lanes; l++) {
            readKey((g << GROUP_SHIFT) + l, tmp);
            if (mean != null) {
                for (int c = 0; c < headDim; c++) {
                    tmp[c] -= mean[c];
                }
            }
            storeQuantized(g, l, tmp, 1f / scale);
        }
    }

    private void storeQuantized(int g, int lane, float[] x, float inv) {
        MemorySegment q = keys8.segment();
        for (int c = 0; c < headDim; c++) {
            q.set(ValueLayout.JAVA_BYTE, KeyLayout.key8Offset(g, c, headDim) + lane, quantize(x[c], inv));
        }
    }

    /** Round to nearest (ties to even), saturating at +-127. */
    public static byte quantize(float x, float inv) {
        float r = (float) Math.rint(x * inv);
        return (byte) Math.max(-127f, Math.min(127f, r));
    }

    private void updateSummary(int pos, float[] k, int kOff) {
        MemorySegment s = summaries.segment();
        int b = pos / summaryBlock;
        boolean first = pos % summaryBlock == 0;
        for (int c = 0; c < headDim; c++) {
            float x = k[kOff + c];
            long minOff = KeyLayout.summaryOffset(b, c, false, headDim);
            long maxOff = KeyLayout.summaryOffset(b, c, true, headDim);
            if (first) {
                s.set(FLOAT, minOff, x);
                s.set(FLOAT, maxOff, x);
            } else {
                s.set(FLOAT, minOff, Math.min(x, s.get(FLOAT, minOff)));
                s.set(FLOAT, maxOff, Math.max(x, s.get(FLOAT, maxOff)));
            }
        }
    }

    /** Reads the float K row of position {@code p} into {@code out[0, headDim)}. */
    public void readKey(int p, float[] out) {
        MemorySegment kSeg = keys.segment();
        int g = p >>> GROUP_SHIFT;
        long lane = (long) (p & (GROUP - 1)) * Float.BYTES;
        for (int c = 0; c < headDim; c++) {
            out[c] = kSeg.get(FLOAT, KeyLayout.keyOffset(g, c, headDim) + lane);
        }
    }

    /**
     * Drops positions at or after {@code length} (given the old length): the partial group's scale and the partial
     * block's summary are rebuilt from the remaining keys, so the cache is as if those positions were never written.
     */
    void truncate(int length, int oldLength) {
        if (length >= oldLength) {
            return;
        }
        int g = length >>> GROUP_SHIFT;
        int lanes = length & (GROUP - 1);
        if (lanes > 0 || g < KeyLayout.groupsFor(oldLength)) {
            MemorySegment q = keys8.segment();
            long base = KeyLayout.key8Offset(g, 0, headDim);
            if (g < KeyLayout.groupsFor(oldLength)) {
                q.asSlice(base, (long) headDim * GROUP).fill((byte) 0);
            }
            if (lanes > 0 && Float.isNaN(staticScale)) {
                float max = 0f;
                float[] tmp = new float[headDim];
                for (int l = 0; l < lanes; l++) {
                    readKey((g << GROUP_SHIFT) + l, tmp);
                    for (int c = 0; c < headDim; c++) {
                        max = Math.max(max, Math.abs(mean == null ? tmp[c] : tmp[c] - mean[c]));
                    }
                }
                groupMax[g] = max;
                float scale = scaleFor(max);
                scales.segment().setAtIndex(FLOAT, g, scale);
                requantizeGroup(g, lanes, scale);
            } else if (lanes > 0) {
                requantizeGroup(g, lanes, staticScale);
            }
        }
        if (summaryBlock > 0 && length % summaryBlock != 0) {
            int start = length - length % summaryBlock;
            float[] tmp = new float[headDim];
            for (int p = start; p < length; p++) {
                readKey(p, tmp);
                updateSummary(p, tmp, 0);
            }
        }
        if (mean != null && length < MEAN_ROWS) {
            mean = null;
            requantizeAll(length);
        }
    }

    @Override
    public void close() {
        keys.close();
        values.close();
        keys8.close();
        scales.close();
        summaries.close();
        keyRows.close();
        capacity = 0;
        groupMax = new float[0];
        mean = null;
    }

    static int roundUp(int x, int step) {
        return (int) Math.min(Integer.MAX_VALUE - step, ((long) x + step - 1) / step * step);
    }
}
