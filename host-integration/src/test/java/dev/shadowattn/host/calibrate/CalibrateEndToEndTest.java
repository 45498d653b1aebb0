package dev.shadowattn.host.calibrate;

import dev.shadowattn.api.AttentionBackend;
import dev.shadowattn.api.AttentionGeometry;
import dev.shadowattn.api.AttentionOptions;
import dev.shadowattn.host.backend.AttentionBackends;
import dev.shadowattn.host.cli.Main;
import dev.shadowattn.host.engine.HouseModel;
import dev.shadowattn.host.json.Json;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The {@code calibrate} command on the house model (one short window), and the {@code shadowattn} backend picking the
 * profile up from beside the model, or refusing it, through the SPI.
 */
class CalibrateEndToEndTest {

    @TempDir
    static Path dir;
    static Path model;
    static Path profile;
    static String out;
    static String err;

    @BeforeAll
    static void calibrate() throws Exception {
        model = dir.resolve("house.gguf");
        Files.copy(HouseModel.PATH, model, StandardCopyOption.COPY_ATTRIBUTES);
        Path text = dir.resolve("calibration.txt");
        Files.copy(HouseModel.PATH.resolveSibling("calibration/northanger-abbey.txt"), text);
        ByteArrayOutputStream o = new ByteArrayOutputStream(), e = new ByteArrayOutputStream();
        int code = Main.run(new String[]{"calibrate", "--model", model.toString(), "--file", text.toString(),
                        "--windows", "1", "--window-length", "64", "--threads", "2"},
                new PrintStream(o, true, StandardCharsets.UTF_8), new PrintStream(e, true, StandardCharsets.UTF_8));
        out = o.toString(StandardCharsets.UTF_8);
        err = e.toString(StandardCharsets.UTF_8);
        assertEquals(0, code, err);
        profile = dir.resolve("house.gguf.shadowattn.json");
    }

    @Test
    void writesAProfileOfTheModelWithProgress() throws Exception {
        assertTrue(Files.isRegularFile(profile), out);
        assertTrue(err.contains("[ 57/57] layer 7 head 5") && err.contains("eta") && err.contains("cpu"), err);
        Map<?, ?> root = (Map<?, ?>) Json.parse(Files.readString(profile));
        Map<?, ?> mf = (Map<?, ?>) root.get("modelFile");
        assertEquals(ModelFingerprint.sha256(HouseModel.PATH), mf.get("sha256"));
        assertEquals((double) Files.size(model), mf.get("size"));
        assertEquals("calibration.txt", ((Map<?, ?>) root.get("calibration")).get("text"));
        double[][] ratios = matrix(root.get("ratios"));
        assertEquals(8, ratios.length);
        assertEquals(6, ratios[0].length);
        assertEquals(0.2, Arrays.stream(ratios).flatMapToDouble(Arrays::stream).average().orElseThrow(), 1e-9);
        double[][] headImp = matrix(root.get("headImportance"));
        double max = Arrays.stream(headImp).flatMapToDouble(Arrays::stream).max().orElseThrow();
        assertTrue(max > 0.01, "zeroing some head raises the loss noticeably: " + max);
        double[][] layerImp = {((List<?>) root.get("layerImportance")).stream().mapToDouble(x -> (Double) x).toArray()};
        assertTrue(Arrays.stream(layerImp[0]).max().orElseThrow() > max * 0.5, "a whole layer matters about as much");
        assertEquals(2, matrix(root.get("kScale"))[0].length);
        assertTrue(Arrays.stream(matrix(root.get("qScale"))).flatMapToDouble(Arrays::stream).allMatch(s -> s > 0));
    }

    @Test
    void backendPicksUpTheProfileBesideTheModel() {
        try (AttentionBackend b = create(model, "")) {
            assertTrue(b.describe().contains("profile=" + profile), b.describe());
            assertTrue(b.describe().contains("ratio=0.200"), b.describe());
        }
        try (AttentionBackend b = create(model, "ratio=0.05")) {
            assertTrue(b.describe().contains("ratio=0.050"), "re-targeted to the option's mean: " + b.describe());
        }
        try (AttentionBackend b = create(model, "profile=none")) {
            assertTrue(!b.describe().contains("profile="), b.describe());
        }
    }

    @Test
    void backendRefusesAProfileOfAnotherModel() throws Exception {
        String json = Files.readString(profile);
        Map<?, ?> mf = (Map<?, ?>) ((Map<?, ?>) Json.parse(json)).get("modelFile");
        String sha = (String) mf.get("sha256");

        Path otherSha = dir.resolve("other-sha.json");
        Files.writeString(otherSha, json.replace(sha, "0".repeat(64)));
        // The same file, touched: its modification time no longer vouches for it, so it is hashed.
        Path touched = dir.resolve("touched.gguf");
        Files.copy(model, touched);
        Files.setLastModifiedTime(touched, FileTime.fromMillis(1_000_000_000_000L));
        String m = refused(touched, "profile=" + otherSha);
        assertTrue(m.contains("modelFile.sha256") && m.contains(sha) && m.contains("0".repeat(64)), m);
        // The untouched profile accepts the touched copy: same bytes, same sha256.
        create(touched, "profile=" + profile).close();

        Path otherGeometry = dir.resolve("other-geometry.json");
        Files.writeString(otherGeometry, json.replaceFirst("\"kvHeads\": 2", "\"kvHeads\": 3"));
        m = refused(model, "profile=" + otherGeometry);
        assertTrue(m.contains("geometry.kvHeads is 3 but the model has 2"), m);

        Path otherSize = dir.resolve("other-size.json");
        Files.writeString(otherSize, json.replace("\"size\": " + Files.size(model), "\"size\": 12"));
        m = refused(model, "profile=" + otherSize);
        assertTrue(m.contains("modelFile.size is 12"), m);
    }

    @Test
    void backendRefusesAMalformedProfileNamingTheField() throws Exception {
        String json = Files.readString(profile);
        Path bad = dir.resolve("bad-ratio.json");
        Files.writeString(bad, json.replaceFirst("\"ratios\": \\[\\s*\\[([^,]+),", "\"ratios\": [[\"x\","));
        String m = refused(model, "profile=" + bad);
        assertTrue(m.contains("ratios[0][0] must be a number"), m);

        Path noSha = dir.resolve("bad-sha.json");
        Files.writeString(noSha, json.replaceFirst("\"sha256\": \"[0-9a-f]{64}\"", "\"sha256\": \"XYZ\""));
        m = refused(model, "profile=" + noSha);
        assertTrue(m.contains("modelFile.sha256 must be 64 lower-case hex digits"), m);

        Path truncated = dir.resolve("truncated.json");
        Files.writeString(truncated, json.substring(0, json.length() / 2));
        m = refused(model, "profile=" + truncated);
        assertTrue(m.contains("truncated.json: JSON error"), m);
    }

    private static AttentionBackend create(Path modelPath, String opt) {
        AttentionOptions o = AttentionOptions.parse(opt.isEmpty() ? List.of() : List.of(opt))
                .with(AttentionOptions.MODEL_PATH, modelPath.toString());
        return AttentionBackends.discover().select("shadowattn").create(new AttentionGeometry(8, 6, 2, 64, 256), o);
    }

    private static String refused(Path modelPath, String opt) {
        return assertThrows(IllegalArgumentException.class, () -> create(modelPath, opt).close()).getMessage();
    }

    private static double[][] matrix(Object v) {
        return ((List<?>) v).stream().map(r -> ((List<?>) r).stream().mapToDouble(x -> (Double) x).toArray())
                .toArray(double[][]::new);
    }
}
