package dev.shadowattn.api;

/**
 * An attention implementation bound to one model geometry. Thread-safe: sessions may be opened and used from
 * different threads concurrently (each session by one thread at a time).
 *
 * <p>Closing the backend releases shared resources (thread pools, native libraries); sessions must be closed first.
 */
public interface AttentionBackend extends AutoCloseable {

    /** The provider name that created this backend. */
    String name();

    AttentionGeometry geometry();

    /** A one-line description of the effective configuration, for logs and {@code /stats}. */
    default String describe() {
        return name();
    }

    /** Opens a new, empty sequence with its own KV cache. */
    AttentionSession openSession();

    @Override
    void close();
}
