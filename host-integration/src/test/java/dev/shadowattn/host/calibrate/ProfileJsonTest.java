package dev.shadowattn.host.calibrate;

import dev.shadowattn.api.AttentionGeometry;
import dev.shadowattn.host.json.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

class ProfileJsonTest {

    static Calibration.Result result() {
        AttentionGeometry g = new AttentionGeometry(2, 4, 2, 8, 64);
        double[][] headImp = {{0.3, 0.01, -0.002, 0.07}, {0.11, 0.2, 0.05, 1e-7}};
        double[] layerImp = {0.9, 0.12345678901234};
        double[][] w = KeepRatios.weights(headImp, layerImp, 0.1);
        double[][] ratios = KeepRatios.allocate(w, 0.2);
        float[][] q = {{0.1f, 0.2f, 0.3f, 0.4f}, {1e-3f, 2.5e-3f, 7f, 0.0123456f}};
        float[][] k = {{0.5f, 0.6f}, {1 / 127f, 3f}};
        CalibrationWindows windows = CalibrationWindows.evenlySpaced(new int[100], 2, 32, 1);
        double[][][] curves = new double[2][4][AttentionMass.GRID.length];
        return new Calibration.Result(new Calibration.Settings(0.2, 2, 32, 0.1, Importance.SPARSE, 0.15,
                Allocation.FORMULA), g, windows, 3.25, layerImp, headImp, w, curves, ratios, q, k,
                ScaleBuckets.of(q, k), 2_500_000_000L, 4_000_000_000L);
    }

    @Test
    void roundTripKeepsEveryNumberExactly(@TempDir Path dir) throws Exception {
        Calibration.Result r = result();
        ModelFingerprint fp = new ModelFingerprint("m.gguf", 1234, Instant.parse("2025-01-02T03:04:05.678Z"),
                "ab".repeat(32));
        Path file = dir.resolve("m.gguf.shadowattn.json");
        ProfileJson.write(ProfileJson.tree(r, fp, "text.txt", "cd".repeat(32),
                Instant.parse("2025-02-03T04:05:06.999Z")), file);
        assertFalse(Files.exists(dir.resolve("m.gguf.shadowattn.json.tmp")), "temporary file moved away");
        Map<?, ?> root = (Map<?, ?>) Json.parse(Files.readString(file));
        assertEquals("shadowattn-profile/1", root.get("format"));
        assertEquals("2025-02-03T04:05:06Z", root.get("created"));
        Map<?, ?> mf = (Map<?, ?>) root.get("modelFile");
        assertEquals("m.gguf", mf.get("name"));
        assertEquals(1234.0, mf.get("size"));
        assertEquals("2025-01-02T03:04:05.678Z", mf.get("modified"));
        assertEquals("ab".repeat(32), mf.get("sha256"));
        Map<?, ?> g = (Map<?, ?>) root.get("geometry");
        assertEquals(List.of(2.0, 4.0, 2.0, 8.0), List.of(g.get("layers"), g.get("heads"), g.get("kvHeads"),
                g.get("headDim")));
        Map<?, ?> cal = (Map<?, ?>) root.get("calibration");
        assertEquals("text.txt", cal.get("text"));
        assertEquals(2.0, cal.get("windows"));
        assertEquals(32.0, cal.get("windowLength"));
        assertEquals(List.of(0.0, 68.0), cal.get("windowStarts"));
        assertEquals(3.25, cal.get("baseLoss"));
        assertEquals("sparse", cal.get("importance"));
        assertEquals(0.15, cal.get("probeRatio"));
        assertEquals(4.0, cal.get("cpuSeconds"));
        assertEquals(0.2, root.get("ratio"));
        for (int l = 0; l < 2; l++) {
            for (int h = 0; h < 4; h++) {
                assertEquals(r.ratios()[l][h], at(root, "ratios", l, h));
                assertEquals(r.weights()[l][h], at(root, "weights", l, h));
                assertEquals(r.headImportance()[l][h], at(root, "headImportance", l, h));
                assertEquals(r.qScale()[l][h], (float) at(root, "qScale", l, h));
            }
            for (int h = 0; h < 2; h++) {
                assertEquals(r.kScale()[l][h], (float) at(root, "kScale", l, h));
            }
            assertEquals(r.layerImportance()[l], ((List<?>) root.get("layerImportance")).get(l));
        }
        Map<?, ?> grid = (Map<?, ?>) root.get("scaleGrid");
        assertEquals(List.of(0.5, 1.0, 2.0), grid.get("steps"));
        assertEquals(r.buckets().lamQ()[1], ((List<?>) grid.get("lamQ")).get(1));
        assertEquals((double) r.buckets().buckets()[1][2], at(grid, "bucket", 1, 2));
    }

    @Test
    void besideTheModelKeepsItsWholeName() {
        assertEquals(Path.of("/m/house-25m-q8_0.gguf.shadowattn.json"),
                ProfileJson.besideModel(Path.of("/m/house-25m-q8_0.gguf")));
    }

    private static double at(Map<?, ?> root, String key, int l, int h) {
        return (Double) ((List<?>) ((List<?>) root.get(key)).get(l)).get(h);
    }
}
