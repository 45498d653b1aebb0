package dev.shadowattn.plugin.qnn;

import java.nio.file.Path;

/**
 * A QNN backend library could not be used: missing file, not a loadable shared library, no
 * {@code QnnInterface_getProviders}, or no provider with a supported API version. Names the library path.
 */
public final class QnnLibraryException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final transient Path library;

    public QnnLibraryException(Path library, String problem, Throwable cause) {
        super("QNN backend library " + library + ": " + problem, cause);
        this.library = library;
    }

    public Path library() {
        return library;
    }
}
