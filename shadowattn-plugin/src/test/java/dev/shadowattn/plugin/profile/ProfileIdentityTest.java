package dev.shadowattn.plugin.profile;

import dev.shadowattn.api.AttentionGeometry;
import dev.shadowattn.api.AttentionOptions;
import dev.shadowattn.plugin.ShadowAttnBackend;
import dev.shadowattn.plugin.ShadowAttnProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The model binding of calibrated profiles (file identity, geometry), their weights, and their pick-up. */
class ProfileIdentityTest {

    private static final AttentionGeometry G = new AttentionGeometry(2, 4, 2, 64, 256);
    private static final Instant MODIFIED = Instant.parse("2025-01-02T03:04:05.678Z");

    /** A profile as the calibrate command writes it, for a model file of {@code size} bytes and digest {@code sha}. */
    private static String json(long size, String sha, String geometry) {
        return """
                {"format": "shadowattn-profile/1", "created": "2025-01-03T00:00:00Z",
                 "modelFile": {"name": "m.gguf", "size": %d, "modified": "%s", "sha256": "%s"},
                 "geometry": %s,
                 "calibration": {"text": "t.txt", "windows": 4},
                 "ratio": 0.2,
                 "ratios": [[0.4, 0.2, 0.1, 0.1], [0.3, 0.1, 0.05, 0.35]],
                 "weights": [[4, 2, 1, 1], [3, 1, 0.5, 3.5]],
                 "qScale": [[0.01, 0.02, 0.03, 0.04], [0.05, 0.06, 0.07, 0.08]],
                 "kScale": [[0.5, 0.6], [0.7, 0.8]]}
                """.formatted(size, MODIFIED, sha, geometry);
    }

    private static final String GEOMETRY = "{\"layers\": 2, \"heads\": 4, \"kvHeads\": 2, \"headDim\": 64}";

    private static Path model(Path dir) throws Exception {
        Path m = dir.resolve("m.gguf");
        Files.writeString(m, "not really a model, but bytes to hash");
        Files.setLastModifiedTime(m, FileTime.from(MODIFIED));
        return m;
    }

    @Test
    void readsTheBindingAndChecksTheModelFile(@TempDir Path dir) throws Exception {
        Path m = model(dir);
        String sha = FileHash.sha256(m);
        ModelProfile p = ModelProfileJson.parse(json(Files.size(m), sha, GEOMETRY), "p.json");
        p.validate(G);
        assertEquals(new ProfileGeometry(2, 4, 2, 64), p.geometry());
        assertEquals(new ModelFileId("m.gguf", Files.size(m), MODIFIED, sha), p.modelFile());
        assertArrayEquals(new double[]{3, 1, 0.5, 3.5}, p.weights()[1]);
        p.checkModelFile(m);
        // A copy under another name is hashed, and accepted: same bytes.
        Path copy = dir.resolve("copy.gguf");
        Files.copy(m, copy);
        p.checkModelFile(copy);
    }

    @Test
    void anotherModelIsRefusedNamingTheMismatch(@TempDir Path dir) throws Exception {
        Path m = model(dir);
        String sha = FileHash.sha256(m);
        ModelProfile otherSize = ModelProfileJson.parse(json(Files.size(m) + 1, sha, GEOMETRY), "p.json");
        String e = assertThrows(IllegalArgumentException.class, () -> otherSize.checkModelFile(m)).getMessage();
        assertTrue(e.contains("p.json was calibrated for another model: modelFile.size is " + (Files.size(m) + 1)), e);

        ModelProfile otherSha = ModelProfileJson.parse(json(Files.size(m), "1".repeat(64), GEOMETRY), "p.json");
        // Name, size and time match: the file is taken to be the one hashed at calibration, without hashing it.
        otherSha.checkModelFile(m);
        Files.setLastModifiedTime(m, FileTime.from(MODIFIED.plusSeconds(1)));
        e = assertThrows(IllegalArgumentException.class, () -> otherSha.checkModelFile(m)).getMessage();
        assertTrue(e.contains("modelFile.sha256 is " + "1".repeat(64)) && e.contains("has sha256 " + sha), e);

        ModelProfile otherGeometry = ModelProfileJson.parse(json(1, sha,
                "{\"layers\": 3, \"heads\": 4, \"kvHeads\": 1, \"headDim\": 64}"), "p.json");
        e = assertThrows(IllegalArgumentException.class, () -> otherGeometry.validate(G)).getMessage();
        assertTrue(e.contains("geometry.layers is 3 but the model has 2, geometry.kvHeads is 1 but the model has 2"), e);
    }

    @Test
    void malformedBindingsAreRefusedNamingTheField() {
        String ok = json(10, "a".repeat(64), GEOMETRY);
        assertMessage(ok.replace("\"size\": 10", "\"size\": -1"), "modelFile.size must be a whole number");
        assertMessage(ok.replace("\"size\": 10, ", ""), "modelFile.size is missing");
        assertMessage(ok.replace("a".repeat(64), "A".repeat(64)), "modelFile.sha256 must be 64 lower-case hex");
        assertMessage(ok.replace(MODIFIED.toString(), "yesterday"), "modelFile.modified must be an ISO-8601");
        assertMessage(ok.replace("\"name\": \"m.gguf\"", "\"name\": 3"), "modelFile.name must be a non-empty string");
        assertMessage(ok.replace("\"heads\": 4", "\"heads\": 0"), "geometry.heads must be a positive whole number");
        assertMessage(ok.replace("\"headDim\": 64", "\"headDim\": \"64\""), "geometry.headDim must be a positive");
        assertMessage(ok.replace(GEOMETRY, "[2, 4]"), "geometry must be a JSON object");
        assertMessage(ok.replace("\"ratios\": [[0.4, 0.2, 0.1, 0.1], [0.3, 0.1, 0.05, 0.35]],", ""),
                "weights need ratios");
        ModelProfile negative = ModelProfileJson.parse(ok.replace("[3, 1, 0.5, 3.5]", "[3, 1, -0.5, 3.5]"), "p.json");
        String e = assertThrows(IllegalArgumentException.class, () -> negative.validate(G)).getMessage();
        assertTrue(e.contains("weights[1][2] = -0.5 must be a positive finite number"), e);
    }

    private static void assertMessage(String json, String expected) {
        String e = assertThrows(IllegalArgumentException.class, () -> ModelProfileJson.parse(json, "p.json"))
                .getMessage();
        assertTrue(e.contains("p.json") && e.contains(expected), e);
    }

    @Test
    void allocationKeepsTheMeanAndCapsWithRedistribution() {
        double[][] w = {{4, 2, 1, 1}, {3, 1, 0.5, 3.5}};  // sum 16
        double[][] r = KeepRatios.allocate(w, 0.25);       // c = 0.25 * 8 / 16
        assertArrayEquals(new double[]{0.5, 0.25, 0.125, 0.125}, r[0], 1e-12);
        r = KeepRatios.allocate(w, 0.6);                    // 4.8 / 16 * 4 = 1.2: capped; 3.5 -> 1.05 capped too
        assertEquals(1.0, r[0][0]);
        assertEquals(1.0, r[1][3]);
        double c = (0.6 * 8 - 2) / (16 - 4 - 3.5);
        assertArrayEquals(new double[]{3 * c, c, 0.5 * c}, Arrays.copyOf(r[1], 3), 1e-12);
        assertEquals(0.6, Arrays.stream(r).flatMapToDouble(Arrays::stream).average().orElseThrow(), 1e-12);
    }

    @Test
    void backendUsesTheRatiosOrReallocatesThemForAnotherMean(@TempDir Path dir) throws Exception {
        ModelProfile p = ModelProfileJson.parse(json(1, "a".repeat(64), GEOMETRY), "p.json");
        AttentionOptions faithful = AttentionOptions.NONE.with("mode", "faithful");
        try (ShadowAttnBackend b = ShadowAttnProvider.create(G, faithful, p)) {
            assertArrayEquals(p.ratios()[1], b.plan().ratios()[1]);
        }
        try (ShadowAttnBackend b = ShadowAttnProvider.create(G, faithful.with("ratio", "0.125"), p)) {
            // Over the weights (sum 16): 0.125 * 8 / 16 * w.
            assertArrayEquals(new double[]{0.1875, 0.0625, 0.03125, 0.21875}, b.plan().ratios()[1], 1e-12);
        }
        // Selections shared per KV head over key blocks (mode=cpu): the profile's mean ratio, uniformly.
        try (ShadowAttnBackend b = ShadowAttnProvider.create(G, AttentionOptions.NONE, p)) {
            assertArrayEquals(new double[]{0.2, 0.2, 0.2, 0.2}, b.plan().ratios()[1], 1e-12);
        }
        try (ShadowAttnBackend b = ShadowAttnProvider.create(G, AttentionOptions.NONE.with("share", "head")
                .with("block", "1").with("estimator", "int8"), p)) {
            assertArrayEquals(p.ratios()[1], b.plan().ratios()[1], "per-head single-key selection in mode=cpu");
        }
    }

    @Test
    void profileBesideTheModelIsPickedUpAndChecked(@TempDir Path dir) throws Exception {
        Path m = model(dir);
        Path beside = dir.resolve("m.gguf.shadowattn.json");
        Files.writeString(beside, json(Files.size(m), FileHash.sha256(m), GEOMETRY));
        AttentionOptions o = AttentionOptions.parse(List.of()).with(AttentionOptions.MODEL_PATH, m.toString());
        try (var b = new ShadowAttnProvider().create(G, o)) {
            assertTrue(b.describe().contains("profile=" + beside), b.describe());
        }
        Files.writeString(beside, json(Files.size(m), "b".repeat(64), GEOMETRY));
        Files.setLastModifiedTime(m, FileTime.from(MODIFIED.minusSeconds(60)));
        String e = assertThrows(IllegalArgumentException.class, () -> new ShadowAttnProvider().create(G, o))
                .getMessage();
        assertTrue(e.contains(beside + " was calibrated for another model: modelFile.sha256"), e);
        try (var b = new ShadowAttnProvider().create(G, o.with("profile", "none"))) {
            assertTrue(!b.describe().contains("profile="), b.describe());
        }
    }

    @Test
    void massCurvesGiveTheBudgetWhereItKeepsTheMostMass() {
        double[] grid = {0.1, 0.5, 1.0};
        // Head 0 is concentrated (90% of the mass in 10% of the keys), head 1 diffuse (mass grows with the keys).
        double[][][] curve = {{{0.9, 0.99, 1.0}, {0.1, 0.5, 1.0}}};
        MassCurves m = new MassCurves(grid, curve);
        m.validate(1, 2, "p.json");
        double[][] r = m.allocate(0.3);
        assertEquals(0.3, (r[0][0] + r[0][1]) / 2, 1e-9);
        // Head 0 gains 0.09 / 0.4 per unit of ratio above 0.1, head 1 gains 1.0: head 1 takes everything up to 0.5.
        assertEquals(0.1, r[0][0], 1e-9);
        assertEquals(0.5, r[0][1], 1e-9);
        // Uniform ratios are feasible, so the allocation keeps at least as much mass.
        assertArrayEquals(new double[]{0.1, 0.1}, m.allocate(0.1)[0], 1e-12);

        String e = assertThrows(IllegalArgumentException.class,
                () -> new MassCurves(new double[]{0.5, 0.2, 1}, curve).validate(1, 2, "p.json")).getMessage();
        assertTrue(e.contains("massGrid must ascend") && e.contains("massGrid[1] = 0.2"), e);
        e = assertThrows(IllegalArgumentException.class,
                () -> new MassCurves(grid, new double[][][]{{{0.9, 1.2, 1}, {0, 0, 1}}}).validate(1, 2, "p.json"))
                .getMessage();
        assertTrue(e.contains("massCurve[0][0][1] = 1.2 is outside [0, 1]"), e);
        e = assertThrows(IllegalArgumentException.class, () -> m.validate(2, 2, "p.json")).getMessage();
        assertTrue(e.contains("massCurve has 1 entries but the model has 2 layers"), e);
        e = assertThrows(IllegalArgumentException.class, () -> m.allocate(0.05)).getMessage();
        assertTrue(e.contains("below the profile's smallest mass ratio 0.1"), e);
    }

    @Test
    void backendReallocatesFromTheMassCurves() {
        String json = json(1, "a".repeat(64), GEOMETRY).replace("\"ratio\": 0.2,", """
                "ratio": 0.2, "massGrid": [0.1, 0.5, 1],
                "massCurve": [[[0.9, 0.99, 1], [0.1, 0.5, 1], [0.9, 0.99, 1], [0.9, 0.99, 1]],
                              [[0.9, 0.99, 1], [0.9, 0.99, 1], [0.9, 0.99, 1], [0.9, 0.99, 1]]],""");
        ModelProfile p = ModelProfileJson.parse(json, "p.json");
        try (ShadowAttnBackend b = ShadowAttnProvider.create(G,
                AttentionOptions.NONE.with("mode", "faithful").with("ratio", "0.15"), p)) {
            // 8 heads, budget 0.05 * 8 = 0.4 above 0.1 each: all of it to layer 0 head 1.
            assertArrayEquals(new double[]{0.1, 0.5, 0.1, 0.1}, b.plan().ratios()[0], 1e-9);
        }
        String e = assertThrows(IllegalArgumentException.class, () -> ModelProfileJson.parse(
                json.replace("\"massGrid\": [0.1, 0.5, 1],", ""), "p.json")).getMessage();
        assertTrue(e.contains("massGrid and massCurve must be given together"), e);
    }
}
