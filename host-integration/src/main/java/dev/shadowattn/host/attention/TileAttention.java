package dev.shadowattn.host.attention;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * Flash-style attention of one tile: up to {@code tileRows} consecutive query rows times the {@code groupSize}
 * query heads of one KV head, over a range of key units of one layer. Each unit's K and V are loaded once for all
 * rows of the tile (a GEMM-like reuse), scored, soft-maxed online (running max and sum, Milakov and Gimelshein,
 * "Online normalizer calculation for softmax", 2018) and accumulated. Keys after a row's position are masked with
 * {@code -Infinity} in the units that cross the causal diagonal.
 */
final class TileAttention {

    /** Units read ahead together ({@link AttentionKernels#touch}): 4 x 64 keys, 64 KB of K and V at head dim 64. */
    private static final int TOUCH_UNITS = 4;

        /** {@code log2(e)}: scores are kept in base 2 so the softmax uses {@code 2^x}. */
    private static final double LOG2E = 1.4426950408889634;

    private final AttentionKernels kernels;
    private final KvLayout layout;
    private final int group;
    private final int queryDim;
    private final float scale;

    TileAttention(AttentionKernels kernels, KvLayout layout, int groupSize) {
        this.kernels = kernels;
        this.layout = layout;
        this.group = groupSize;
        this.queryDim = layout.kvHeads() * groupSize * layout.headDim();
        this.scale = (float) (LOG2E / Math.sqrt(layout.headDim()));
    }

    /** Units of {@link KvLayout#CHUNK} keys that a query at {@code lastPos} can see. */
    static int unitsVisible(int lastPos) {
        return lastPos / KvLayout.CHUNK + 1;
    }

    /**
     * Runs the tile over units {@code [unitFrom, unitTo)}, leaving its softmax state in {@code ws}.
     *
     * @param q        queries in SPI layout; {@code qOffset} points at the tile's first row
     * @param firstPos position of the tile's first row
     * @param rows     query rows in the tile
     */
    void run(LayerKvCache cache, int kvHead, float[] q, int qOffset, int firstPos, int rows,
             int unitFrom, int unitTo, Workspace ws) {
        int dim = layout.headDim();
        int vStride = layout.vStride();
        int tileRows = rows * group;
        loadQueries(q, qOffset, kvHead, rows, ws.q);
        ws.reset(tileRows, vStride);
        long kOffset = layout.kOffset(kvHead);
        long vOffset = layout.vOffset(kvHead);
        long kBytes = (long) KvLayout.CHUNK * dim * Float.BYTES;
        long vBytes = (long) KvLayout.CHUNK * vStride * Float.BYTES;
        for (int u = unitFrom; u < unitTo; u++) {
            MemorySegment chunk = cache.chunk(u);
            if ((u - unitFrom) % TOUCH_UNITS == 0) {
                // Read the next units' K and V ahead in one light pass (many misses in flight), then compute.
                for (int t = u, end = Math.min(unitTo, u + TOUCH_UNITS); t < end; t++) {
                    MemorySegment c = cache.chunk(t);
                    ws.sink += kernels.touch(c, kOffset, kBytes) + kernels.touch(c, vOffset, vBytes);
                }
            }
            kernels.scores(ws.q, tileRows, dim, chunk, kOffset, ws.scores);
            int unitStart = u * KvLayout.CHUNK;
            if (unitStart + KvLayout.CHUNK - 1 > firstPos) {
                mask(ws.scores, firstPos, rows, unitStart);
            }
            kernels.softmax(ws.scores, tileRows, ws.max, ws.sum, ws.alpha);
            kernels.accumulate(ws.scores, ws.alpha, tileRows, chunk, vOffset, vStride, ws.acc);
        }
    }

    /** Copies the tile's queries of {@code kvHead}'s group, scaled, into {@code [row * group + head][dim]}. */
    private void loadQueries(float[] q, int qOffset, int kvHead, int rows, float[] dst) {
        int dim = layout.headDim();
        int width = group * dim;
        for (int r = 0; r < rows; r++) {
            int src = qOffset + r * queryDim + kvHead * width;
            int to = r * width;
            for (int i = 0; i < width; i++) {
                dst[to + i] = q[src + i] * scale;
            }
        }
    }

    /** Causal mask: row at position {@code p} sees keys {@code <= p}. */
    private void mask(float[] scores, int firstPos, int rows, int unitStart) {
        for (int r = 0; r < rows; r++) {
            int visible = Math.max(0, firstPos + r - unitStart + 1);
            if (visible >= KvLayout.CHUNK) {
                continue;
            }
            for (int h = 0; h < group; h++) {
                int base = (r * group + h) * KvLayout.CHUNK;
                Arrays.fill(scores, base + visible, base + KvLayout.CHUNK, Float.NEGATIVE_INFINITY);
            }
        }
    }

    /** Writes the normalised output of a finished tile into {@code out} (SPI layout, tile's first row at offset). */
    void writeOutput(Workspace ws, int kvHead, int rows, float[] out, int outOffset) {
        int dim = layout.headDim();
        int vStride = layout.vStride();
        for (int r = 0; r < rows; r++) {
            for (int h = 0; h < group; h++) {
                int m = r * group + h;
                float inv = 1f / ws.sum[m];
                int dst = outOffset + r * queryDim + (kvHead * group + h) * dim;
                int src = m * vStride;
                for (int i = 0; i < dim; i++) {
                    out[dst + i] = ws.acc[src + i] * inv;
                }
            }
        }
    }
}
