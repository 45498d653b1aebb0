package dev.shadowattn.plugin.qnn;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * A QNN backend library loaded by path ({@code libQnnHtp.so}, {@code libQnnCpu.so}, or our reference library) and
 * the providers it lists. The library stays loaded until {@link #close}, which closes the arena owning it; every
 * segment and function pointer read from it is scoped to that arena, so use after close fails with an exception
 * instead of touching unmapped code.
 */
public final class QnnLibrary implements AutoCloseable {

    /** The core API major version this binding is written for (QNN-ABI.md: "core major == 2"). */
    public static final int CORE_API_MAJOR = 2;
    /** Bound on the provider count, against a corrupt list. */
    private static final int MAX_PROVIDERS = 64;

    private final Path path;
    private final Arena arena;
    private final List<QnnProvider> providers;

    private QnnLibrary(Path path, Arena arena, List<QnnProvider> providers) {
        this.path = path;
        this.arena = arena;
        this.providers = providers;
    }

    /**
     * Loads a backend library and reads its providers.
     *
     * @throws QnnLibraryException naming the path if the file is missing, cannot be loaded, is not a QNN backend,
     *                             or its provider list cannot be read
     */
    public static QnnLibrary load(Path path) {
        Path p = path.toAbsolutePath();
        if (!Files.exists(p)) {
            throw new QnnLibraryException(p, "file does not exist (set the QNN library path, e.g. "
                    + "--backend-opt qnn.library=/path/to/libQnnHtp.so)", null);
        }
        if (!Files.isRegularFile(p) || !Files.isReadable(p)) {
            throw new QnnLibraryException(p, "is not a readable regular file", null);
        }
        Arena arena = Arena.ofShared();
        try {
            SymbolLookup lookup;
            try {
                lookup = SymbolLookup.libraryLookup(p, arena);
            } catch (IllegalArgumentException e) {
                throw new QnnLibraryException(p, "cannot be loaded as a shared library: " + e.getMessage(), e);
            }
            MemorySegment entry = lookup.find("QnnInterface_getProviders").orElseThrow(() ->
                    new QnnLibraryException(p, "does not export QnnInterface_getProviders: not a QNN backend library",
                            null));
            return new QnnLibrary(p, arena, readProviders(p, entry, arena));
        } catch (RuntimeException | Error e) {
            arena.close();
            throw e;
        }
    }

    /** QNN-ABI.md: {@code uint64 QnnInterface_getProviders(const QnnInterface_t*** list, uint32* count)}. */
    private static List<QnnProvider> readProviders(Path p, MemorySegment entry, Arena arena) {
        MethodHandle getProviders = Linker.nativeLinker().downcallHandle(entry,
                FunctionDescriptor.of(JAVA_LONG, ADDRESS, ADDRESS));
        try (Arena call = Arena.ofConfined()) {
            MemorySegment listOut = call.allocate(ADDRESS);
            MemorySegment countOut = call.allocate(JAVA_INT);
            long err;
            try {
                err = (long) getProviders.invokeExact(listOut, countOut);
            } catch (Throwable t) {
                throw QnnApi.propagate(t);
            }
            if (err != 0) {
                throw new QnnLibraryException(p, "QnnInterface_getProviders failed with error " + (err & 0xFFFF), null);
            }
            int count = countOut.get(JAVA_INT, 0);
            MemorySegment listPtr = listOut.get(ADDRESS, 0);
            if (count <= 0 || count > MAX_PROVIDERS || listPtr.equals(MemorySegment.NULL)) {
                throw new QnnLibraryException(p, "QnnInterface_getProviders returned " + Integer.toUnsignedString(count)
                        + " providers", null);
            }
            MemorySegment list = listPtr.reinterpret(count * ADDRESS.byteSize(), arena, null);
            long tableBytes = QnnLayouts.INTERFACE_TABLE_OFFSET + (QnnFunction.maxSlot() + 1) * ADDRESS.byteSize();
            List<QnnProvider> out = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                MemorySegment ptr = list.getAtIndex(ADDRESS, i);
                if (ptr.equals(MemorySegment.NULL)) {
                    throw new QnnLibraryException(p, "provider " + i + " is a NULL pointer", null);
                }
                MemorySegment t = ptr.reinterpret(tableBytes, arena, null);
                out.add(new QnnProvider(i, t.get(JAVA_INT, QnnLayouts.I_BACKEND_ID),
                        readCString(t.get(ADDRESS, QnnLayouts.I_PROVIDER_NAME), 256),
                        version(t, QnnLayouts.I_CORE_MAJOR, QnnLayouts.I_CORE_MINOR, QnnLayouts.I_CORE_PATCH),
                        version(t, QnnLayouts.I_BACKEND_MAJOR, QnnLayouts.I_BACKEND_MINOR, QnnLayouts.I_BACKEND_PATCH),
                        t));
            }
            return List.copyOf(out);
        }
    }

    private static QnnVersion version(MemorySegment t, long major, long minor, long patch) {
        return new QnnVersion(t.get(JAVA_INT, major), t.get(JAVA_INT, minor), t.get(JAVA_INT, patch));
    }

    public Path path() {
        return path;
    }

    public List<QnnProvider> providers() {
        return providers;
    }

    /** The arena owning the loaded library (and every segment read from it). */
    Arena arena() {
        return arena;
    }

    /** Whether the library is still loaded. */
    public boolean isOpen() {
        return arena.scope().isAlive();
    }

    /**
     * Picks the provider to use: core API major {@link #CORE_API_MAJOR} and minor at least {@code minCoreMinor}
     * (QNN-ABI.md), of the given backend id unless it is negative; among several, the highest core minor.
     *
     * @throws QnnLibraryException listing every provider when none fits
     */
    public QnnProvider select(int minCoreMinor, int backendId) {
        QnnProvider best = null;
        for (QnnProvider pr : providers) {
            boolean fits = pr.coreApi().major() == CORE_API_MAJOR
                    && Integer.compareUnsigned(pr.coreApi().minor(), minCoreMinor) >= 0
                    && (backendId < 0 || pr.backendId() == backendId);
            if (fits && (best == null || Integer.compareUnsigned(pr.coreApi().minor(), best.coreApi().minor()) > 0)) {
                best = pr;
            }
        }
        if (best == null) {
            throw new QnnLibraryException(path, "no provider with core API " + CORE_API_MAJOR + "." + minCoreMinor
                    + " or later" + (backendId < 0 ? "" : " for backend id " + backendId) + "; the library offers "
                    + providers.stream().map(QnnProvider::describe).collect(Collectors.joining(", ")), null);
        }
        return best;
    }

    /** Unloads the library. Idempotent. */
    @Override
    public void close() {
        if (arena.scope().isAlive()) {
            arena.close();
        }
    }

    /** Reads a NUL-terminated UTF-8 string of at most {@code max} bytes; {@code "(null)"} for a NULL pointer. */
    static String readCString(MemorySegment pointer, int max) {
        if (pointer.equals(MemorySegment.NULL)) {
            return "(null)";
        }
        MemorySegment s = pointer.reinterpret(max);
        int n = 0;
        while (n < max && s.get(JAVA_BYTE, n) != 0) {
            n++;
        }
        return new String(s.asSlice(0, n).toArray(JAVA_BYTE), StandardCharsets.UTF_8);
    }
}
