package dev.shadowattn.plugin.qnn;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A QNN backend in use: the loaded library, the chosen provider, and the backend, device and log handles, with the
 * contexts created on it. The sequence follows QNN-ABI.md: getProviders, (logCreate), backendCreate,
 * (deviceCreate; NULL device if unsupported), contextCreate...; {@link #close} frees in reverse order: open
 * contexts, device, backend, log, then unloads the library if this runtime loaded it.
 *
 * <p>Thread-safe: contexts may be created and closed from any thread.
 */
public final class QnnRuntime implements AutoCloseable {

    /**
     * How to open a backend.
     *
     * @param library      path of the backend library
     * @param minCoreMinor the least core API minor version accepted (core major is always 2)
     * @param backendId    the backend id to require (CPU 3, HTP 6), or -1 for any
     * @param useDevice    whether to create a device handle (when the backend cannot, a NULL device is used)
     * @param logLevel     0 for no QNN log handle (the backend's default logging); 1..5 to create one with that
     *                     level and a NULL callback (QNN-ABI.md: the va_list callback cannot be an FFM upcall)
     */
    public record Options(Path library, int minCoreMinor, int backendId, boolean useDevice, int logLevel) {

        public Options {
            if (library == null) {
                throw new IllegalArgumentException("QNN runtime: the library path is required");
            }
            if (minCoreMinor < 0) {
                throw new IllegalArgumentException("QNN runtime: minCoreMinor must be >= 0, got " + minCoreMinor);
            }
            if (logLevel < 0 || logLevel > 5) {
                throw new IllegalArgumentException("QNN runtime: logLevel must be in 0..5, got " + logLevel);
            }
        }

        /** Any backend of core API 2.x, with a device if it has one, no log handle. */
        public static Options of(Path library) {
            return new Options(library, 0, -1, true, 0);
        }
    }

    private final QnnLibrary library;
    private final boolean ownsLibrary;
    private final QnnApi api;
    private final MemorySegment log;
    private final MemorySegment backend;
    private final MemorySegment device;
    private final String buildId;
    private final List<String> notices = new ArrayList<>();
    private final List<QnnContext> contexts = new ArrayList<>();
    private boolean closed;

    /** Loads the library and opens the backend; on failure nothing stays loaded or allocated. */
    public static QnnRuntime open(Options options) {
        QnnLibrary library = QnnLibrary.load(options.library());
        try {
            return new QnnRuntime(library, true, options);
        } catch (RuntimeException | Error e) {
            library.close();
            throw e;
        }
    }

    /** Opens a backend of a library the caller owns (and closes after this runtime). */
    public static QnnRuntime open(QnnLibrary library, Options options) {
        return new QnnRuntime(library, false, options);
    }

    private QnnRuntime(QnnLibrary library, boolean ownsLibrary, Options options) {
        this.library = library;
        this.ownsLibrary = ownsLibrary;
        this.api = new QnnApi(library, library.select(options.minCoreMinor(), options.backendId()));
        MemorySegment logHandle = MemorySegment.NULL;
        MemorySegment backendHandle = MemorySegment.NULL;
        MemorySegment deviceHandle = MemorySegment.NULL;
        try (Arena call = Arena.ofConfined()) {
            MemorySegment out = call.allocate(ADDRESS);
            if (options.logLevel() > 0) {
                api.logCreate(MemorySegment.NULL, options.logLevel(), out);
                logHandle = out.get(ADDRESS, 0);
            }
            api.backendCreate(logHandle, MemorySegment.NULL, out);
            backendHandle = out.get(ADDRESS, 0);
            if (options.useDevice()) {
                if (!api.has(QnnFunction.DEVICE_CREATE)) {
                    notices.add("the backend has no deviceCreate: using the default (NULL) device");
                } else {
                    try {
                        api.deviceCreate(logHandle, MemorySegment.NULL, out);
                        deviceHandle = out.get(ADDRESS, 0);
                    } catch (QnnException e) {
                        notices.add("deviceCreate failed (" + e.getMessage() + "): using the default (NULL) device");
                    }
                }
            }
            this.buildId = readBuildId(call);
        } catch (RuntimeException | Error e) {
            freeHandles(deviceHandle, backendHandle, logHandle, e);
            throw e;
        }
        this.log = logHandle;
        this.backend = backendHandle;
        this.device = deviceHandle;
    }

    private String readBuildId(Arena call) {
        if (!api.has(QnnFunction.BACKEND_GET_BUILD_ID)) {
            notices.add("the backend has no backendGetBuildId: context binaries are keyed by provider version only");
            return "unknown";
        }
        MemorySegment out = call.allocate(ADDRESS);
        api.backendGetBuildId(out);
        return QnnLibrary.readCString(out.get(ADDRESS, 0), 1024);
    }

    /** Frees in reverse creation order, attaching failures to {@code primary} (or returning the first one). */
    private Throwable freeHandles(MemorySegment deviceHandle, MemorySegment backendHandle, MemorySegment logHandle,
                                  Throwable primary) {
        Throwable first = primary;
        if (!deviceHandle.equals(MemorySegment.NULL)) {
            first = attempt(() -> api.deviceFree(deviceHandle), first);
        }
        if (!backendHandle.equals(MemorySegment.NULL)) {
            first = attempt(() -> api.backendFree(backendHandle), first);
        }
        if (!logHandle.equals(MemorySegment.NULL)) {
            first = attempt(() -> api.logFree(logHandle), first);
        }
        return first;
    }

    private static Throwable attempt(Runnable action, Throwable first) {
        try {
            action.run();
            return first;
        } catch (RuntimeException | Error e) {
            if (first == null) {
                return e;
            }
            first.addSuppressed(e);
            return first;
        }
    }

    /** Creates an empty context. */
    public QnnContext createContext() {
        synchronized (this) {
            requireOpen();
            try (Arena call = Arena.ofConfined()) {
                MemorySegment out = call.allocate(ADDRESS);
                api.contextCreate(backend, device, MemorySegment.NULL, out);
                QnnContext c = new QnnContext(this, out.get(ADDRESS, 0), false);
                contexts.add(c);
                return c;
            }
        }
    }

    /** Creates a context from a binary written by {@link QnnContext#saveBinary}; its graphs are finalized. */
    public QnnContext restoreContext(MemorySegment binary) {
        synchronized (this) {
            requireOpen();
            try (Arena call = Arena.ofConfined()) {
                MemorySegment out = call.allocate(ADDRESS);
                api.contextCreateFromBinary(backend, device, MemorySegment.NULL, binary, binary.byteSize(), out);
                QnnContext c = new QnnContext(this, out.get(ADDRESS, 0), true);
                contexts.add(c);
                return c;
            }
        }
    }

    synchronized void forget(QnnContext context) {
        contexts.remove(context);
    }

    private void requireOpen() {
        if (closed) {
            throw new IllegalStateException("QNN runtime for " + library.path() + " is closed");
        }
    }

    QnnApi api() {
        return api;
    }

    MemorySegment backendHandle() {
        return backend;
    }

    public QnnProvider provider() {
        return api.provider();
    }

    public Path libraryPath() {
        return library.path();
    }

    /** The backend's build id ({@code backendGetBuildId}); part of the context-binary cache key. */
    public String buildId() {
        return buildId;
    }

    /** Whether a device handle was created (false: the NULL default device is used). */
    public boolean hasDevice() {
        return !device.equals(MemorySegment.NULL);
    }

    /** {@code Qnn_ApiVersion_t}: the core API version and the backend API version. */
    public record ApiVersion(QnnVersion core, QnnVersion backend) {
    }

    /** The backend's API version ({@code backendGetApiVersion}). */
    public ApiVersion apiVersion() {
        try (Arena call = Arena.ofConfined()) {
            MemorySegment v = call.allocate(QnnLayouts.API_VERSION);
            api.backendGetApiVersion(v);
            return new ApiVersion(version(v, "coreApiVersion"), version(v, "backendApiVersion"));
        }
    }

    private static QnnVersion version(MemorySegment apiVersion, String member) {
        long o = QnnLayouts.offset(QnnLayouts.API_VERSION, member);
        return new QnnVersion(apiVersion.get(JAVA_INT, o + QnnLayouts.offset(QnnLayouts.VERSION, "major")),
                apiVersion.get(JAVA_INT, o + QnnLayouts.offset(QnnLayouts.VERSION, "minor")),
                apiVersion.get(JAVA_INT, o + QnnLayouts.offset(QnnLayouts.VERSION, "patch")));
    }

    /** Things that went differently from the request (no device, no build id), one line each. */
    public synchronized List<String> notices() {
        return List.copyOf(notices);
    }

    public synchronized boolean isOpen() {
        return !closed;
    }

    /**
     * Frees every open context, the device, the backend and the log, then unloads the library if this runtime
     * loaded it. Keeps going past failures and throws the first one with the others suppressed. Idempotent.
     */
    @Override
    public void close() {
        List<QnnContext> open;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            open = new ArrayList<>(contexts);
        }
        Throwable first = null;
        for (int i = open.size() - 1; i >= 0; i--) {
            first = attempt(open.get(i)::close, first);
        }
        first = freeHandles(device, backend, log, first);
        if (ownsLibrary) {
            first = attempt(library::close, first);
        }
        if (first instanceof RuntimeException r) {
            throw r;
        }
        if (first instanceof Error e) {
            throw e;
        }
    }
}
