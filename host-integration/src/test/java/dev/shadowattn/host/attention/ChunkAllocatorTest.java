package dev.shadowattn.host.attention;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class ChunkAllocatorTest {

    @ParameterizedTest
    @EnumSource(ChunkAllocator.Storage.class)
    void chunksAreZeroedAlignedDisjointAndCounted(ChunkAllocator.Storage storage) {
        long chunkBytes = 100_032; // not a divisor of 2 MiB: slabs leave a tail unused
        Arena arena = Arena.ofShared();
        ChunkAllocator allocator = new ChunkAllocator(arena, chunkBytes, storage);
        List<MemorySegment> chunks = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            MemorySegment c = allocator.allocate();
            assertEquals(chunkBytes, c.byteSize());
            for (long o = 0; o < chunkBytes; o += 4096) {
                assertEquals(0f, c.get(ValueLayout.JAVA_FLOAT, o), "zeroed");
            }
            c.fill((byte) (i + 1));
            if (storage != ChunkAllocator.Storage.HEAP) {
                assertEquals(0, c.address() % KvLayout.ALIGN, "64-byte aligned");
            }
            chunks.add(c);
        }
        for (int i = 0; i < chunks.size(); i++) {
            MemorySegment c = chunks.get(i);
            assertEquals((byte) (i + 1), c.get(ValueLayout.JAVA_BYTE, 0), "chunk " + i + " not overwritten");
            assertEquals((byte) (i + 1), c.get(ValueLayout.JAVA_BYTE, chunkBytes - 1), "chunk " + i + " tail");
        }
        if (allocator.storage() == ChunkAllocator.Storage.HUGEPAGES) {
            long perSlab = ChunkAllocator.SLAB / chunkBytes;
            long slabs = (50 + perSlab - 1) / perSlab;
            assertEquals(slabs * ChunkAllocator.SLAB, allocator.bytes());
            assertEquals(0, chunks.get(0).address() % ChunkAllocator.SLAB, "slabs start on a huge page");
        } else {
            assertEquals(50 * chunkBytes, allocator.bytes());
        }
        arena.close();
        if (storage != ChunkAllocator.Storage.HEAP) {
            assertThrows(IllegalStateException.class, () -> chunks.get(0).get(ValueLayout.JAVA_BYTE, 0),
                    "memory is released with the arena");
        }
    }

    @ParameterizedTest
    @EnumSource(ChunkAllocator.Storage.class)
    void chunksLargerThanASlabGetSlabsOfTheirOwn(ChunkAllocator.Storage storage) {
        long chunkBytes = ChunkAllocator.SLAB + 64;
        try (Arena arena = Arena.ofShared()) {
            ChunkAllocator allocator = new ChunkAllocator(arena, chunkBytes, storage);
            MemorySegment a = allocator.allocate();
            MemorySegment b = allocator.allocate();
            a.fill((byte) 1);
            b.fill((byte) 2);
            assertEquals(1, a.get(ValueLayout.JAVA_BYTE, chunkBytes - 1));
            long expected = allocator.storage() == ChunkAllocator.Storage.HUGEPAGES ? 4 * ChunkAllocator.SLAB
                    : 2 * chunkBytes;
            assertEquals(expected, allocator.bytes());
            assertTrue(allocator.bytes() >= 2 * chunkBytes);
        }
    }
}
