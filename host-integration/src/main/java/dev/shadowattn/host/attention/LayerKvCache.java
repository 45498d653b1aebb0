package dev.shadowattn.host.attention;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

/**
 * The K/V cache of one layer of one session: a list of {@link KvLayout#CHUNK}-position chunks allocated on demand
 * by the session's {@link ChunkAllocator} (never the whole maximum context up front). Truncation keeps the chunks
 * for reuse; they are freed when the session's arena closes.
 */
final class LayerKvCache {

    private final KvLayout layout;
    private final ChunkAllocator allocator;
    private MemorySegment[] chunks = new MemorySegment[4];
    private int allocated;
    private int length;

    LayerKvCache(KvLayout layout, ChunkAllocator allocator) {
        this.layout = layout;
        this.allocator = allocator;
    }

    int length() {
        return length;
    }

    MemorySegment chunk(int index) {
        return chunks[index];
    }

    /**
     * Appends {@code n} positions from SPI-layout arrays ({@code [n][kvHeads][headDim]}); arguments are validated
     * by the session.
     */
    void append(int n, float[] k, int kOffset, float[] v, int vOffset) {
        int kvHeads = layout.kvHeads();
        int dim = layout.headDim();
        ensureChunks((length + n + KvLayout.CHUNK - 1) / KvLayout.CHUNK);
        for (int i = 0; i < n; i++) {
            int pos = length + i;
            MemorySegment chunk = chunks[pos / KvLayout.CHUNK];
            int slot = pos % KvLayout.CHUNK;
            for (int h = 0; h < kvHeads; h++) {
                int src = (i * kvHeads + h) * dim;
                // K: transpose into the block, one float every BLOCK floats.
                long kBase = layout.kIndex(h, slot, 0);
                for (int d = 0; d < dim; d++) {
                    chunk.setAtIndex(ValueLayout.JAVA_FLOAT, kBase + (long) d * KvLayout.BLOCK, k[kOffset + src + d]);
                }
                MemorySegment.copy(v, vOffset + src, chunk, ValueLayout.JAVA_FLOAT,
                        layout.vIndex(h, slot) * ValueLayout.JAVA_FLOAT.byteSize(), dim);
            }
        }
        length += n;
    }

    /** Drops positions at or after {@code newLength}; a larger value changes nothing. */
    void truncate(int newLength) {
        length = Math.min(length, newLength);
    }

    private void ensureChunks(int needed) {
        if (needed <= allocated) {
            return;
        }
        if (needed > chunks.length) {
            chunks = Arrays.copyOf(chunks, Math.max(needed, chunks.length * 2));
        }
        while (allocated < needed) {
            // New memory is zeroed: V padding and never-written slots read as 0.
            chunks[allocated++] = allocator.allocate();
        }
    }
}
