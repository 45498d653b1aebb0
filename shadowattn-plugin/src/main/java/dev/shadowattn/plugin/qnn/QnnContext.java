package dev.shadowattn.plugin.qnn;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * A QNN context: the owner of graphs. Graphs (and their tensors) die with it; QNN has no graph-free function.
 * Closing frees the context ({@code contextFree}); it must happen before the runtime frees the backend, which
 * {@link QnnRuntime#close} guarantees for contexts still open.
 */
public final class QnnContext implements AutoCloseable {

    /** Context binaries larger than this are refused (a sanity bound against a corrupt size). */
    static final long MAX_BINARY_BYTES = 1L << 31;

    private final QnnRuntime runtime;
    private final MemorySegment handle;
    private final boolean restored;
    private boolean closed;

    QnnContext(QnnRuntime runtime, MemorySegment handle, boolean restored) {
        this.runtime = runtime;
        this.handle = handle;
        this.restored = restored;
    }

    QnnRuntime runtime() {
        return runtime;
    }

    synchronized MemorySegment handle() {
        if (closed) {
            throw new IllegalStateException("QNN context is closed");
        }
        return handle;
    }

    /** Whether this context was created from a binary (its graphs are retrieved, not built). */
    public boolean restored() {
        return restored;
    }

    /** {@code graphCreate(ctx, name, NULL, &graph)}. */
    MemorySegment createGraph(String name) {
        try (Arena call = Arena.ofConfined()) {
            MemorySegment out = call.allocate(ADDRESS);
            runtime.api().graphCreate(handle(), call.allocateFrom(name), MemorySegment.NULL, out);
            return out.get(ADDRESS, 0);
        }
    }

    /** {@code graphRetrieve(ctx, name, &graph)}: a finalized graph of a restored context. */
    MemorySegment retrieveGraph(String name) {
        try (Arena call = Arena.ofConfined()) {
            MemorySegment out = call.allocate(ADDRESS);
            runtime.api().graphRetrieve(handle(), call.allocateFrom(name), out);
            return out.get(ADDRESS, 0);
        }
    }

    /**
     * Serializes the context and its finalized graphs: {@code contextGetBinarySize} then {@code contextGetBinary}.
     * The returned segment belongs to {@code arena} and is trimmed to the bytes written.
     */
    public MemorySegment saveBinary(Arena arena) {
        try (Arena call = Arena.ofConfined()) {
            MemorySegment size = call.allocate(JAVA_LONG);
            runtime.api().contextGetBinarySize(handle(), size);
            long n = size.get(JAVA_LONG, 0);
            if (n <= 0 || n > MAX_BINARY_BYTES) {
                throw new IllegalStateException("QNN contextGetBinarySize returned " + Long.toUnsignedString(n)
                        + " bytes for " + runtime.libraryPath());
            }
            MemorySegment buffer = arena.allocate(n, 64);
            MemorySegment written = call.allocate(JAVA_LONG);
            runtime.api().contextGetBinary(handle(), buffer, n, written);
            long w = written.get(JAVA_LONG, 0);
            if (w <= 0 || w > n) {
                throw new IllegalStateException("QNN contextGetBinary wrote " + Long.toUnsignedString(w)
                        + " bytes into a buffer of " + n + " for " + runtime.libraryPath());
            }
            return buffer.asSlice(0, w);
        }
    }

    public synchronized boolean isOpen() {
        return !closed;
    }

    /** {@code contextFree}. Idempotent; the runtime forgets the context even if the backend reports an error. */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        runtime.forget(this);
        runtime.api().contextFree(handle);
    }
}
