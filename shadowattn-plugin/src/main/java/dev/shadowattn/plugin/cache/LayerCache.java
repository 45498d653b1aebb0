package dev.shadowattn.plugin.cache;

import dev.shadowattn.plugin.scoring.ShadowKeys;

import java.lang.foreign.MemorySegment;

/** One layer's cache: a {@link HeadCache} per KV head and the layer's length. */
public final class LayerCache implements ShadowKeys, AutoCloseable {

    private final int layer;
    private final int headDim;
    private final HeadCache[] heads;
    private int length;

    /**
     * @param staticScales INT8 K scale per KV head, or {@code null} for dynamic scales
     * @param rowKeys      also keep float K row-major (single-key selection)
     */
    public LayerCache(int layer, int kvHeads, int headDim, int summaryBlock, float[] staticScales, boolean kMean,
                      int maxContext, boolean rowKeys) {
        this.layer = layer;
        this.headDim = headDim;
        this.heads = new HeadCache[kvHeads];
        for (int h = 0; h < kvHeads; h++) {
            heads[h] = new HeadCache(headDim, summaryBlock, staticScales == null ? Float.NaN : staticScales[h], kMean,
                    maxContext, rowKeys);
        }
    }

    @Override
    public int length() {
        return length;
    }

    @Override
    public int headDim() {
        return headDim;
    }

    @Override
    public MemorySegment keys8(int kvHead) {
        return heads[kvHead].keys8();
    }

    @Override
    public MemorySegment scales(int kvHead) {
        return heads[kvHead].scales();
    }

    public HeadCache head(int kvHead) {
        return heads[kvHead];
    }

    @Override
    public int kvHeads() {
        return heads.length;
    }

    /**
     * Appends {@code n} positions from rows laid out {@code [n][kvHeads][headDim]}. Checks that K is finite before
     * changing anything, so a failed append leaves the cache as it was.
     */
    public void append(int pos, int n, float[] k, int kOff, float[] v, int vOff) {
        int kvDim = heads.length * headDim;
        for (int i = kOff, end = kOff + n * kvDim; i < end; i++) {
            if (!Float.isFinite(k[i])) {
                int r = (i - kOff) / kvDim;
                throw new IllegalArgumentException("shadowattn: K has a non-finite value (" + k[i] + ") at layer "
                        + layer + ", position " + (pos + r) + ", KV head " + ((i - kOff) % kvDim) / headDim
                        + ", channel " + (i - kOff) % headDim);
            }
        }
        for (int h = 0; h < heads.length; h++) {
            HeadCache hc = heads[h];
            hc.ensureCapacity(pos + n, length);
            for (int r = 0; r < n; r++) {
                int o = r * kvDim + h * headDim;
                hc.write(pos + r, k, kOff + o, v, vOff + o);
            }
            hc.fixMean(pos + n);
        }
        length = pos + n;
    }

    public void truncate(int newLength) {
        if (newLength >= length) {
            return;
        }
        for (HeadCache hc : heads) {
            hc.truncate(newLength, length);
        }
        length = newLength;
    }

    public long bytes() {
        long b = 0;
        for (HeadCache hc : heads) {
            b += hc.bytes();
        }
        return b;
    }

    @Override
    public void close() {
        for (HeadCache hc : heads) {
            hc.close();
        }
        length = 0;
    }
}
