package dev.shadowattn.gguf.tensor;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Runs {@link AgreementMain} in JVMs configured unlike the test JVM: 256-bit vectors (the AVX2 code path, 8 lanes),
 * 128-bit vectors (too narrow: scalar), no C2 (interpreter or C1 only: scalar), no incubator module (scalar, no
 * linkage error), and the override property.
 */
class OtherJvmConfigurationsTest {

    private static String run(String... jvmArgs) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-XX:+UseSerialGC");
        command.addAll(List.of(jvmArgs));
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(AgreementMain.class.getName());
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output;
        try (var in = p.getInputStream()) {
            output = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "child JVM timed out");
        assertEquals(0, p.exitValue(), "child JVM failed:\n" + output);
        return output;
    }

    @Test
    void avx2WidthAgreesWithScalar() throws Exception {
        String out = run("--add-modules", "jdk.incubator.vector", "-XX:MaxVectorSize=32");
        assertTrue(out.contains("kernels=vector(256-bit)"), out);
        assertTrue(out.contains("agreement=ok"), out);
    }

    @Test
    void narrowVectorsFallBackToScalar() throws Exception {
        String out = run("--add-modules", "jdk.incubator.vector", "-XX:MaxVectorSize=16");
        assertTrue(out.contains("kernels=scalar"), out);
    }

    @Test
    void withoutC2ScalarIsChosen() throws Exception {
        assertTrue(run("--add-modules", "jdk.incubator.vector", "-XX:TieredStopAtLevel=1").contains("kernels=scalar"));
        assertTrue(run("--add-modules", "jdk.incubator.vector", "-Xint").contains("kernels=scalar"));
    }

    @Test
    void withoutTheIncubatorModuleScalarIsChosen() throws Exception {
        String out = run();
        assertTrue(out.contains("kernels=scalar"), out);
    }

    @Test
    void propertyForcesScalar() throws Exception {
        String out = run("--add-modules", "jdk.incubator.vector", "-Dshadowattn.kernels=scalar");
        assertTrue(out.contains("kernels=scalar"), out);
    }
}
