package dev.shadowattn.host.attention;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.Locale;
import java.util.Optional;

/**
 * Hands out the cache chunks of one session, as its {@link Storage} says.
 */
final class ChunkAllocator {

    /** Where chunks live. */
    enum Storage {
        /**
         * Chunks carved from 2 MiB slabs mapped with {@code mmap}, aligned to 2 MiB and advised as transparent huge
         * pages ({@code madvise(MADV_HUGEPAGE)}, Linux), unmapped when the session's arena closes: a stream through
         * the cache crosses no 4 KiB page boundary, where hardware prefetchers stop, and needs far fewer TLB entries
         * (cold decode 5-7% faster, see docs/DENSE-ATTENTION.md). So that small sessions stay small, the first {@link #SLAB} bytes are plain
         * chunks as in {@link #OFFHEAP}; then the cache grows a slab at a time. Falls back to {@link #OFFHEAP} off
         * Linux or when native access is refused.
         */
        HUGEPAGES,
        /** Each chunk its own 64-byte aligned allocation in the session's arena. */
        OFFHEAP,
        /** Each chunk a {@code float[]} (16-byte aligned), kept only to measure the difference. */
        HEAP;

        static Storage parse(String name) {
            for (Storage s : values()) {
                if (s.name().equalsIgnoreCase(name)) {
                    return s;
                }
            }
            throw new IllegalArgumentException("is not one of hugepages, offheap, heap");
        }
    }

    /** Slab size and alignment: one x86-64 / aarch64 (4 KiB base) huge page. */
    static final long SLAB = 2L << 20;

    private final Arena arena;
    private final long chunkBytes;
    private final Storage storage;
    private MemorySegment slab;
    private long slabUsed;
    private long bytes;

    ChunkAllocator(Arena arena, long chunkBytes, Storage storage) {
        this.arena = arena;
        this.chunkBytes = chunkBytes;
        this.storage = storage == Storage.HUGEPAGES && !HugePages.available() ? Storage.OFFHEAP : storage;
    }

    /** A zeroed chunk of {@code chunkBytes}. */
    MemorySegment allocate() {
        switch (storage) {
            case HEAP -> {
                bytes += chunkBytes;
                return MemorySegment.ofArray(new float[Math.toIntExact(chunkBytes / Float.BYTES)]);
            }
            case OFFHEAP -> {
                bytes += chunkBytes;
                return arena.allocate(chunkBytes, KvLayout.ALIGN);
            }
            case HUGEPAGES -> {
                if (bytes + chunkBytes <= SLAB) {
                    bytes += chunkBytes;
                    return arena.allocate(chunkBytes, KvLayout.ALIGN);
                }
                return fromSlab();
            }
        }
        throw new AssertionError(storage);
    }

    private MemorySegment fromSlab() {
        if (slab == null || slabUsed + chunkBytes > slab.byteSize()) {
            long size = (chunkBytes + SLAB - 1) / SLAB * SLAB;
            slab = HugePages.map(size, arena);
            slabUsed = 0;
            bytes += size;
        }
        MemorySegment chunk = slab.asSlice(slabUsed, chunkBytes);
        slabUsed += (chunkBytes + KvLayout.ALIGN - 1) / KvLayout.ALIGN * KvLayout.ALIGN;
        return chunk;
    }

    /** Bytes held (slabs or chunks). */
    long bytes() {
        return bytes;
    }

    /** The storage in effect (huge pages fall back to plain off-heap chunks where unavailable). */
    Storage storage() {
        return storage;
    }

    /**
     * Anonymous memory mapped with {@code mmap} and advised with {@code madvise(MADV_HUGEPAGE)} before it is first
     * touched (memory from {@link Arena#allocate} is zeroed, hence faulted in as 4 KiB pages, before it could be
     * advised). Linux constants from {@code <asm-generic/mman-common.h>}; unmapped when the arena closes.
     */
    @SuppressWarnings("restricted") // deliberate: mmap/madvise/munmap downcalls, documented above
    static final class HugePages {
        private static final int PROT_READ_WRITE = 0x1 | 0x2;
        private static final int MAP_PRIVATE_ANONYMOUS = 0x02 | 0x20;
        private static final int MADV_HUGEPAGE = 14;

        private record Calls(MethodHandle mmap, MethodHandle madvise, MethodHandle munmap) {
        }

        static final Optional<Calls> CALLS = lookup();

        private HugePages() {
        }

        static boolean available() {
            return CALLS.isPresent();
        }

        private static Optional<Calls> lookup() {
            String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
            String arch = System.getProperty("os.arch", "");
            if (!os.contains("linux") || !(arch.equals("amd64") || arch.equals("aarch64"))) {
                return Optional.empty();
            }
            try {
                Linker linker = Linker.nativeLinker();
                SymbolLookup libc = linker.defaultLookup();
                MethodHandle mmap = linker.downcallHandle(libc.find("mmap").orElseThrow(),
                        FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG,
                                ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
                                ValueLayout.JAVA_LONG));
                MethodHandle madvise = linker.downcallHandle(libc.find("madvise").orElseThrow(),
                        FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG,
                                ValueLayout.JAVA_INT));
                MethodHandle munmap = linker.downcallHandle(libc.find("munmap").orElseThrow(),
                        FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG));
                return Optional.of(new Calls(mmap, madvise, munmap));
            } catch (RuntimeException | LinkageError refused) {
                return Optional.empty(); // e.g. native access denied: fall back to plain chunks
            }
        }

        /** {@code size} bytes (a multiple of {@link #SLAB}) aligned to {@link #SLAB}, zero, freed with the arena. */
        static MemorySegment map(long size, Arena arena) {
            Calls calls = CALLS.orElseThrow();
            long mapped = size + SLAB; // room to align the start
            try {
                MemorySegment raw = (MemorySegment) calls.mmap().invokeExact(MemorySegment.NULL, mapped,
                        PROT_READ_WRITE, MAP_PRIVATE_ANONYMOUS, -1, 0L);
                if (raw.address() == -1L) {
                    throw new OutOfMemoryError("mmap of " + mapped + " bytes for the KV cache failed");
                }
                long aligned = (raw.address() + SLAB - 1) / SLAB * SLAB;
                MemorySegment slab = MemorySegment.ofAddress(aligned).reinterpret(size, arena, s -> {
                    try {
                        int ignored = (int) calls.munmap().invokeExact(raw, mapped);
                    } catch (Throwable e) {
                        throw new IllegalStateException("munmap failed", e);
                    }
                });
                int ignored = (int) calls.madvise().invokeExact(slab, size, MADV_HUGEPAGE);
                return slab; // a failed madvise only loses the speed-up
            } catch (RuntimeException | Error e) {
                throw e;
            } catch (Throwable t) {
                throw new IllegalStateException(t);
            }
        }
    }
}
