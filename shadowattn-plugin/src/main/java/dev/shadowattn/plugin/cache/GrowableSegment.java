package dev.shadowattn.plugin.cache;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * One off-heap array that grows: each generation is a 64-byte-aligned segment in its own shared arena, copied into
 * the next generation and closed when it is replaced, or when this object is closed. Shared arenas, because the
 * backend's worker threads read the cache.
 */
final class GrowableSegment implements AutoCloseable {

    /** Cache-line alignment of every generation (CPU-ATTENTION-NOTES.md, "Storage"). */
    static final long ALIGNMENT = 64;

    private Arena arena;
    private MemorySegment segment = MemorySegment.NULL;

    /** The current generation (valid until the next {@link #ensure} or {@link #close}). */
    MemorySegment segment() {
        return segment;
    }

    long byteSize() {
        return segment.byteSize();
    }

    /**
     * Grows to at least {@code bytes}, keeping the first {@code keepBytes}; new bytes are zero.
     *
     * @throws IllegalStateException if the memory cannot be allocated, naming the size
     */
    void ensure(long bytes, long keepBytes) {
        if (bytes <= segment.byteSize()) {
            return;
        }
        Arena next = Arena.ofShared();
        MemorySegment grown;
        try {
            grown = next.allocate(bytes, ALIGNMENT);
        } catch (OutOfMemoryError | IllegalArgumentException e) {
            next.close();
            throw new IllegalStateException("shadowattn: cannot allocate " + bytes + " bytes of KV cache: " + e, e);
        }
        if (keepBytes > 0) {
            MemorySegment.copy(segment, 0, grown, 0, Math.min(keepBytes, segment.byteSize()));
        }
        Arena previous = arena;
        arena = next;
        segment = grown;
        if (previous != null) {
            previous.close();
        }
    }

    @Override
    public void close() {
        if (arena != null) {
            arena.close();
            arena = null;
        }
        segment = MemorySegment.NULL;
    }
}
