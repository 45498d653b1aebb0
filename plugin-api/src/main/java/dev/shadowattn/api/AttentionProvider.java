package dev.shadowattn.api;

/**
 * Entry point of an attention backend, found with {@link java.util.ServiceLoader}
 * (register the implementation in {@code META-INF/services/dev.shadowattn.api.AttentionProvider}).
 *
 * <p>Implementations need a public no-argument constructor and must be cheap to construct: discovery instantiates
 * every provider on the class path. Real work happens in {@link #create}.
 */
public interface AttentionProvider {

    /** Unique, lower-case name used for selection ({@code --backend NAME}, {@code -Dshadowattn.backend=NAME}). */
    String name();

    /** One-line human description. */
    String description();

    /** When no name is given, the available provider with the highest priority is used. */
    int priority();

    /** Whether this provider can run on this machine (e.g. a needed JDK module or native library is present). */
    default boolean isAvailable() {
        return true;
    }

    /**
     * Creates a backend for a model.
     *
     * @throws IllegalArgumentException naming the option or geometry field at fault
     */
    AttentionBackend create(AttentionGeometry geometry, AttentionOptions options);
}
