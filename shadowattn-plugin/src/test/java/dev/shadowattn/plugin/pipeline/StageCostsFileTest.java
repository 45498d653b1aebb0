package dev.shadowattn.plugin.pipeline;

import dev.shadowattn.api.AttentionOptions;
import dev.shadowattn.plugin.ShadowAttnBackend;
import dev.shadowattn.plugin.ShadowAttnProvider;
import dev.shadowattn.plugin.testing.Backends;
import dev.shadowattn.plugin.testing.QkvData;
import dev.shadowattn.plugin.testing.SessionDriver;
import dev.shadowattn.plugin.testing.SyntheticQkv;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Stage costs stored beside the profile: a second backend over the same model and configuration plans from them
 * without profiling; a file for another model or configuration, a malformed one or a failed write only costs a
 * profiling; outputs stay the sequential backend's.
 */
class StageCostsFileTest {

    private static final QkvData DATA = SyntheticQkv.generate(5, 8, 4, 64, 150);
    private static final int PREFILL = 120;
    private static final int CHUNK = 64;
    private static final String SPEC = "mode=faithful,ratio=0.2,kernels=scalar";
    private static final String GREEDY = SPEC + ",pipeline=greedy,cpu-threads=2";

    @TempDir
    Path dir;
    private Path model;
    private Path sidecar;
    private float[] sequential;

    @BeforeEach
    void setUp() throws IOException {
        model = dir.resolve("m.gguf");
        Files.write(model, new byte[]{1, 2, 3, 4});
        sidecar = dir.resolve("m.gguf.shadowattn.json" + StageCostsFile.SUFFIX);
        sequential = run(SPEC, model).out;
    }

    private record Result(float[] out, long profilings) {
    }

    private static Result run(String spec, Path modelPath) {
        AttentionOptions o = Backends.options(spec).with(AttentionOptions.MODEL_PATH, modelPath.toString());
        try (ShadowAttnBackend b = (ShadowAttnBackend) new ShadowAttnProvider().create(Backends.geometry(DATA, 1), o)) {
            float[] out = SessionDriver.run(b, DATA, 0, PREFILL, CHUNK, false).out();
            HeadPipeline p = b.plan().pipeline();
            return new Result(out, p == null ? 0 : p.profilings());
        }
    }

    @Test
    void secondStartPlansFromStoredCosts() throws IOException {
        Result first = run(GREEDY, model);
        assertTrue(first.profilings() > 0, "first start profiles");
        assertTrue(Files.readString(sidecar).contains(StageCostsFile.FORMAT), "costs stored beside the profile");
        Result second = run(GREEDY, model);
        assertEquals(0, second.profilings(), "second start profiled again");
        assertArrayEquals(sequential, first.out());
        assertArrayEquals(sequential, second.out());
    }

    @Test
    void costsOfAnotherConfigurationOrModelAreIgnored() throws IOException {
        run(GREEDY, model);
        Result other = run(GREEDY.replace("cpu-threads=2", "cpu-threads=1"), model);
        assertTrue(other.profilings() > 0, "costs of cpu-threads=2 used for cpu-threads=1");
        assertArrayEquals(sequential, other.out());
        Files.write(model, new byte[]{1, 2, 3, 4, 5});  // another model: another size
        Result changed = run(GREEDY.replace("cpu-threads=2", "cpu-threads=1"), model);
        assertTrue(changed.profilings() > 0, "costs of another model used");
        assertEquals(0, run(GREEDY.replace("cpu-threads=2", "cpu-threads=1"), model).profilings(),
                "costs stored for the new model");
    }

    @Test
    void malformedCostsAreIgnoredAndReplaced() throws IOException {
        for (String bad : new String[]{"{\"format\": ", "[1, 2]", "{\"format\": \"shadowattn-stagecosts/9\"}"}) {
            Files.writeString(sidecar, bad);
            Result r = run(GREEDY, model);
            assertTrue(r.profilings() > 0, bad);
            assertArrayEquals(sequential, r.out(), bad);
            assertEquals(0, run(GREEDY, model).profilings(), "after " + bad + " the costs were stored again");
        }
    }

    @Test
    void aFailedWriteIsOnlyANotice() throws IOException {
        // A non-empty directory where the file should go: the write fails for any user (root ignores permissions).
        Files.createDirectories(sidecar.resolve("x"));
        Result r = run(GREEDY, model);
        assertTrue(r.profilings() > 0);
        assertArrayEquals(sequential, r.out());
        assertTrue(Files.isDirectory(sidecar));
        assertFalse(Files.exists(dir.resolve(sidecar.getFileName() + ".tmp")), "temporary file left behind");
        Path readOnly = Files.createDirectories(dir.resolve("ro"));
        Path m2 = Files.copy(model, readOnly.resolve("m.gguf"));
        assertTrue(readOnly.toFile().setWritable(false));
        try {
            assertArrayEquals(sequential, run(GREEDY, m2).out());
        } finally {
            readOnly.toFile().setWritable(true);
        }
    }

    @Test
    void offStoresNothing() {
        assertTrue(run(GREEDY + ",pipeline.costs=off", model).profilings() > 0);
        assertFalse(Files.exists(sidecar));
        assertTrue(run(GREEDY + ",pipeline.costs=off", model).profilings() > 0);
    }
}
