package dev.shadowattn.plugin.qnn;

import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Assumptions;

/**
 * The QNN backend libraries the backend-independent tests run against: our reference library, and, when the
 * environment variable {@code QNN_SDK_ROOT} is set, the SDK's x86-64 CPU backend
 * ({@code $QNN_SDK_ROOT/lib/x86_64-linux-clang/libQnnCpu.so}, or the path in system property
 * {@code qnn.sdk.cpu.library}). Only the reference library promises bit-exact requantization and has test
 * controls; a real backend may round the last output level differently.
 */
final class BackendLibraries {

    /** A library to test against. */
    record BackendLibrary(String name, Path path, boolean reference) {
        @Override
        public String toString() {
            return name;
        }
    }

    private BackendLibraries() {
    }

    /** MethodSource of parameterized tests. */
    static List<BackendLibrary> all() {
        List<BackendLibrary> libs = new ArrayList<>();
        RefLibrary.ifBuilt().ifPresent(p -> libs.add(new BackendLibrary("qnnref", p, true)));
        String sdk = System.getenv("QNN_SDK_ROOT");
        if (sdk != null && !sdk.isBlank()) {
            Path cpu = Path.of(System.getProperty("qnn.sdk.cpu.library",
                    Path.of(sdk, "lib", "x86_64-linux-clang", "libQnnCpu.so").toString()));
            if (!Files.isRegularFile(cpu)) {
                fail("QNN_SDK_ROOT is set but " + cpu + " does not exist (set -Dqnn.sdk.cpu.library=PATH)");
            }
            libs.add(new BackendLibrary("sdk-cpu", cpu, false));
        }
        Assumptions.assumeFalse(libs.isEmpty(), RefLibrary.SKIP_REASON);
        return libs;
    }
}
