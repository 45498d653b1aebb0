package dev.shadowattn.plugin.qnn;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;

/**
 * Our QNN reference library (src/test/c/qnn_ref.c, built by the test build into {@code qnnref.dir}) and its test
 * controls: counters, error injection, build id and provider versions, sizeof/offsetof probes. The controls are
 * reached through a lookup that keeps the library loaded for the whole test JVM, so counters survive the runtimes
 * that load and unload it.
 *
 * <p>If gcc is not on the PATH the library cannot exist and tests using it are skipped saying so (the only skip);
 * if gcc is there and the library is missing, that is a failure.
 */
final class RefLibrary {

    /** Slot numbers (QNN-ABI.md); 0 means QnnInterface_getProviders for injection. */
    static final int GET_PROVIDERS = 0;

    private RefLibrary() {
    }

    /** The reference library, or a skip (no gcc) / failure (gcc present, library missing). */
    static Path path() {
        return file("libqnnref.so");
    }

    /** The same source built without QnnInterface_getProviders. */
    static Path noEntryPath() {
        return file("libqnnref_noentry.so");
    }

    private static Path file(String name) {
        Path lib = location(name);
        if (Files.isRegularFile(lib)) {
            return lib;
        }
        Assumptions.assumeTrue(gccOnPath(), SKIP_REASON + " (" + lib + ")");
        fail("gcc is on the PATH but the QNN reference library " + lib + " is missing: run the test build "
                + "(generate-test-resources compiles it)");
        return lib;
    }

    static final String SKIP_REASON = "gcc is not on the PATH, so the QNN reference library was not built "
            + "(src/test/c/qnn_ref.c); QNN binding tests are skipped";

    private static Path location(String name) {
        return Path.of(System.getProperty("qnnref.dir", "target/native"), name).toAbsolutePath();
    }

    /** The reference library if it was built; empty only when gcc is missing (a failure if gcc is there). */
    static java.util.Optional<Path> ifBuilt() {
        Path lib = location("libqnnref.so");
        if (Files.isRegularFile(lib)) {
            return java.util.Optional.of(lib);
        }
        if (gccOnPath()) {
            fail("gcc is on the PATH but the QNN reference library " + lib + " is missing");
        }
        return java.util.Optional.empty();
    }

    static boolean gccOnPath() {
        String path = System.getenv("PATH");
        if (path == null) {
            return false;
        }
        for (String dir : path.split(File.pathSeparator)) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, "gcc"))) {
                return true;
            }
        }
        return false;
    }

    /** The test controls, bound once per JVM (the library then stays loaded); skips like {@link #path}. */
    static Controls controls() {
        path();
        return Holder.CONTROLS;
    }

    /**
     * For {@code @AfterEach}: resets the controls (no armed failure, default build id and provider versions) and
     * asserts that no QNN handle is left alive. Does nothing when the library was not built (no gcc).
     */
    static void resetAndCheckNoLeaks() {
        if (ifBuilt().isEmpty()) {
            return;
        }
        Controls c = controls();
        c.clearFailure();
        c.setBuildId(null);
        c.setCoreVersion(0, 1, 14);
        c.setCoreVersion(1, 2, 14);
        c.setCoreVersion(2, 3, 14);
        org.junit.jupiter.api.Assertions.assertEquals(0, c.liveObjects(), "live QNN handles after the test");
    }

    private static final class Holder {
        static final Controls CONTROLS = new Controls(path());
    }

    /** Downcalls to the exported test functions of qnn_ref.c. */
    static final class Controls {
        private final MethodHandle counter;
        private final MethodHandle inject;
        private final MethodHandle clear;
        private final MethodHandle setBuildId;
        private final MethodHandle setCoreVersion;
        private final MethodHandle freeAll;
        private final MethodHandle sizeOf;
        private final MethodHandle offsetOf;

        Controls(Path lib) {
            SymbolLookup l = SymbolLookup.libraryLookup(lib, Arena.global());
            Linker linker = Linker.nativeLinker();
            counter = linker.downcallHandle(l.findOrThrow("qnnref_counter"), FunctionDescriptor.of(JAVA_LONG, ADDRESS));
            inject = linker.downcallHandle(l.findOrThrow("qnnref_inject_failure"),
                    FunctionDescriptor.ofVoid(JAVA_INT, JAVA_INT, JAVA_LONG));
            clear = linker.downcallHandle(l.findOrThrow("qnnref_clear_failure"), FunctionDescriptor.ofVoid());
            setBuildId = linker.downcallHandle(l.findOrThrow("qnnref_set_build_id"), FunctionDescriptor.ofVoid(ADDRESS));
            setCoreVersion = linker.downcallHandle(l.findOrThrow("qnnref_set_core_version"),
                    FunctionDescriptor.ofVoid(JAVA_INT, JAVA_INT, JAVA_INT));
            freeAll = linker.downcallHandle(l.findOrThrow("qnnref_free_all"), FunctionDescriptor.of(JAVA_LONG));
            sizeOf = linker.downcallHandle(l.findOrThrow("qnnref_sizeof"), FunctionDescriptor.of(JAVA_LONG, ADDRESS));
            offsetOf = linker.downcallHandle(l.findOrThrow("qnnref_offsetof"),
                    FunctionDescriptor.of(JAVA_LONG, ADDRESS, ADDRESS));
        }

        long counter(String name) {
            try (Arena a = Arena.ofConfined()) {
                long v = (long) counter.invokeExact(a.allocateFrom(name));
                if (v < 0) {
                    fail("qnnref has no counter named " + name);
                }
                return v;
            } catch (Throwable t) {
                throw QnnApi.propagate(t);
            }
        }

        /** After {@code skip} successful calls of {@code slot}, the next one fails once with {@code code}. */
        void injectFailure(int slot, int skip, long code) {
            try {
                inject.invokeExact(slot, skip, code);
            } catch (Throwable t) {
                throw QnnApi.propagate(t);
            }
        }

        void clearFailure() {
            try {
                clear.invokeExact();
            } catch (Throwable t) {
                throw QnnApi.propagate(t);
            }
        }

        void setBuildId(String id) {
            try (Arena a = Arena.ofConfined()) {
                MemorySegment arg = id == null ? MemorySegment.NULL : a.allocateFrom(id);
                setBuildId.invokeExact(arg);
            } catch (Throwable t) {
                throw QnnApi.propagate(t);
            }
        }

        void setCoreVersion(int provider, int major, int minor) {
            try {
                setCoreVersion.invokeExact(provider, major, minor);
            } catch (Throwable t) {
                throw QnnApi.propagate(t);
            }
        }

        /** Frees every live handle; returns how many there were. */
        long freeAll() {
            try {
                return (long) freeAll.invokeExact();
            } catch (Throwable t) {
                throw QnnApi.propagate(t);
            }
        }

        long sizeOf(String type) {
            try (Arena a = Arena.ofConfined()) {
                return (long) sizeOf.invokeExact(a.allocateFrom(type));
            } catch (Throwable t) {
                throw QnnApi.propagate(t);
            }
        }

        long offsetOf(String type, String field) {
            try (Arena a = Arena.ofConfined()) {
                return (long) offsetOf.invokeExact(a.allocateFrom(type), a.allocateFrom(field));
            } catch (Throwable t) {
                throw QnnApi.propagate(t);
            }
        }

        /** Live QNN handles of every kind in the library. */
        long liveObjects() {
            return counter("live_objects");
        }
    }
}
