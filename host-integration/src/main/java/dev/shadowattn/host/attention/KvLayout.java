package dev.shadowattn.host.attention;

import java.lang.foreign.ValueLayout;

/**
 * Where K and V of one position live inside a cache chunk.
 *
 * <p>A chunk holds {@link #CHUNK} consecutive positions of one layer for every KV head. Per KV head it holds
 * <ul>
 *   <li>K as {@code CHUNK / BLOCK} blocks of {@link #BLOCK} keys, each block transposed to
 *       {@code [headDim][BLOCK]}: one 16-float (64-byte) line holds dimension {@code d} of 16 keys, so a query row
 *       scores 16 keys with one vector FMA per dimension and no horizontal reduction;</li>
 *   <li>V row-major, {@code [CHUNK][vStride]}, each row padded with zeros to a multiple of 16 floats so every row
 *       starts on a 64-byte boundary and the weighted sum needs no tail loop.</li>
 * </ul>
 * Chunks are allocated 64-byte aligned, so every K line and V row is cache-line aligned.
 *
 * @param kvHeads KV heads per layer
 * @param headDim floats per head
 */
record KvLayout(int kvHeads, int headDim) {

    /** Positions per chunk; also the key unit the kernels score and accumulate at once. */
    static final int CHUNK = 64;
    /** Keys per transposed K block. */
    static final int BLOCK = 16;
    /** Alignment of chunks, in bytes. */
    static final long ALIGN = 64;

    private static final long F = ValueLayout.JAVA_FLOAT.byteSize();

    KvLayout {
        if (kvHeads <= 0 || headDim <= 0) {
            throw new IllegalArgumentException("kv layout: kvHeads and headDim must be positive");
        }
    }

    /** Floats per V row: {@code headDim} rounded up to a multiple of 16. */
    int vStride() {
        return (headDim + BLOCK - 1) / BLOCK * BLOCK;
    }

    /** Floats one KV head occupies in a chunk. */
    long headFloats() {
        return (long) CHUNK * headDim + (long) CHUNK * vStride();
    }

    long chunkBytes() {
        return kvHeads * headFloats() * F;
    }

    /** Byte offset of the first K block of {@code kvHead} in a chunk. */
    long kOffset(int kvHead) {
        return kvHead * headFloats() * F;
    }

    /** Byte offset of the first V row of {@code kvHead} in a chunk. */
    long vOffset(int kvHead) {
        return (kvHead * headFloats() + (long) CHUNK * headDim) * F;
    }

    /** Float index (not bytes) in a chunk of K dimension {@code d} of the key at {@code slot} ({@code 0..CHUNK}). */
    long kIndex(int kvHead, int slot, int d) {
        return kvHead * headFloats() + (long) (slot / BLOCK) * BLOCK * headDim + (long) d * BLOCK + slot % BLOCK;
    }

    /** Float index in a chunk of the V row of the key at {@code slot}. */
    long vIndex(int kvHead, int slot) {
        return kvHead * headFloats() + (long) CHUNK * headDim + (long) slot * vStride();
    }
}
