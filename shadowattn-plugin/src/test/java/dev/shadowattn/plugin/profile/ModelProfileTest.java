package dev.shadowattn.plugin.profile;

import dev.shadowattn.api.AttentionGeometry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ModelProfileTest {

    private static final AttentionGeometry G = new AttentionGeometry(2, 4, 2, 64, 1024);

    @Test
    void readsRatiosAndScales(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("m.shadowattn.json");
        Files.writeString(f, """
                {"format": "shadowattn-profile/1", "model": "house \\"25m\\"", "calibration": {"text": "x", "n": 3},
                 "ratios": [[0.1, 0.2, 0.3, 0.4], [1, 0.5e-1, 2E-1, 0.25]],
                 "qScale": [[0.01, 0.02, 0.03, 0.04], [0.05, 0.06, 0.07, 0.08]],
                 "kScale": [[0.5, 0.6], [0.7, 0.8]], "extra": [true, false, null]}
                """);
        ModelProfile p = ModelProfileJson.read(f);
        p.validate(G);
        assertArrayEquals(new double[]{1, 0.05, 0.2, 0.25}, p.ratios()[1]);
        assertArrayEquals(new float[]{0.7f, 0.8f}, p.kScale()[1]);
        assertEquals(0.03f, p.qScale()[0][2]);
    }

    @Test
    void ratiosAloneAreAProfile() {
        ModelProfile p = ModelProfileJson.parse("{\"ratios\": [[0.2,0.2,0.2,0.2],[0.2,0.2,0.2,0.2]]}", "s");
        p.validate(G);
        assertNull(p.qScale());
    }

    @Test
    void errorsNameTheSourceAndPlace() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ModelProfileJson.parse("{\"ratios\": [[0.2, 0.2,]]}", "p.json"));
        assertTrue(e.getMessage().startsWith("p.json: JSON error at line 1, column 23"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> ModelProfileJson.parse("{\"ratios\": [[0.2, \"x\"]]}", "p.json"));
        assertTrue(e.getMessage().contains("ratios[0][1] must be a number"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> ModelProfileJson.parse("{\"qScale\": [[1]]}", "p.json"));
        assertTrue(e.getMessage().contains("qScale and kScale must be given together"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ModelProfileJson.parse("[1]", "p.json"));
        assertTrue(e.getMessage().contains("top level must be a JSON object"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> ModelProfileJson.parse("{\"format\": \"v9\"}", "p.json"));
        assertTrue(e.getMessage().contains("format 'v9' is not supported"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ModelProfileJson.parse("{\"a\": 1} x", "p.json"));
        assertTrue(e.getMessage().contains("unexpected content"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ModelProfileJson.parse("[".repeat(100), "p.json"));
        assertTrue(e.getMessage().contains("nesting deeper"), e.getMessage());
        ModelProfile bad = ModelProfileJson.parse("{\"qScale\": [[1,1,1,1],[1,1,1,1]], \"kScale\": [[1,0],[1,1]]}",
                "p.json");
        e = assertThrows(IllegalArgumentException.class, () -> bad.validate(G));
        assertTrue(e.getMessage().contains("kScale[0][1] = 0.0 must be a positive finite number"), e.getMessage());
        assertThrows(UncheckedIOException.class, () -> ModelProfileJson.read(Path.of("/nonexistent/p.json")));
    }

    @Test
    void scalesSnapToTheThreeByThreeGrid() {
        // Mean 1.0: grid {0.5, 1, 2}.
        float[][] snapped = ScaleGrid.snap(new float[][]{{0.3f, 0.74f, 0.76f, 1.49f, 1.51f, 1.2f}});
        assertArrayEquals(new float[]{0.5f, 0.5f, 1f, 1f, 2f, 1f}, snapped[0]);
        assertEquals(2, ScaleGrid.nearestStep(10, 1));
        assertEquals(0, ScaleGrid.nearestStep(0, 1));
    }
}
