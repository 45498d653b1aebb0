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
            long plain = perSlab; // the first SLAB bytes are plain chunks
            long slabs = (50 - plain + perSlab - 1) / perSlab;
            assertEquals(plain * chunkBytes + slabs * ChunkAllocator.SLAB, allocator.bytes());
            assertEquals(0, chunks.get((int) plain).address() % ChunkAllocator.SLAB, "slabs start on a huge page");
            assertEquals(chunks.get((int) plain).address() + (chunkBytes + 63) / 64 * 64,
                    chunks.get((int) plain + 1).address(), "chunks packed in a slab, 64-byte aligned");
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
            // With huge pages, each chunk (too big to start as a plain one) gets two slabs of its own.
            long expected = allocator.storage() == ChunkAllocator.Storage.HUGEPAGES
                    ? 4 * ChunkAllocator.SLAB : 2 * chunkBytes;
            assertEquals(expected, allocator.bytes());
            assertTrue(allocator.bytes() >= 2 * chunkBytes);
        }
    }

    @org.junit.jupiter.api.Test
    void hugePageSlabsAreAdvisedForHugePages() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(ChunkAllocator.HugePages.available(), "Linux with native access");
        java.nio.file.Path mode = java.nio.file.Path.of("/sys/kernel/mm/transparent_hugepage/enabled");
        org.junit.jupiter.api.Assumptions.assumeTrue(java.nio.file.Files.exists(mode)
                && !java.nio.file.Files.readString(mode).contains("[never]"), "transparent huge pages enabled");
        try (Arena arena = Arena.ofShared()) {
            MemorySegment slab = ChunkAllocator.HugePages.map(ChunkAllocator.SLAB, arena);
            slab.fill((byte) 7); // fault it in
            long start = slab.address();
            boolean inSlab = false;
            String eligible = null;
            for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/self/smaps"))) {
                if (line.matches("^[0-9a-f]+-[0-9a-f]+ .*")) { // a mapping's header: "lo-hi perms ..."
                    String[] range = line.substring(0, line.indexOf(' ')).split("-");
                    inSlab = Long.parseUnsignedLong(range[0], 16) <= start
                            && start < Long.parseUnsignedLong(range[1], 16);
                } else if (inSlab && line.startsWith("THPeligible:")) {
                    eligible = line.replaceAll("[^0-9]", "");
                }
            }
            // Whether the kernel found a free huge page is its business; that the mapping may use one is ours.
            assertEquals("1", eligible, "the slab's mapping is eligible for transparent huge pages");
        }
    }
}
