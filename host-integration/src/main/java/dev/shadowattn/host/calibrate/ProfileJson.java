package dev.shadowattn.host.calibrate;

import dev.shadowattn.api.AttentionGeometry;
import dev.shadowattn.host.json.Json;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The model profile file ({@value #FORMAT}) that the {@code shadowattn} backend reads
 * ({@code dev.shadowattn.plugin.profile.ModelProfileJson}); docs/CALIBRATION.md describes every field.
 * <pre>{@code
 * { "format": "shadowattn-profile/1", "created": "...",
 *   "modelFile": {"name", "size", "modified", "sha256"},  "geometry": {"layers", "heads", "kvHeads", "headDim"},
 *   "calibration": {text, windows, settings, losses, time},
 *   "ratio": r, "allocation": "mass"|"formula", "ratios": [[...]],
 *   "weights": [[...]] (formula) | "massGrid": [...], "massCurve": [[[...]]] (mass),
 *   "layerImportance": [...], "headImportance": [[...]],
 *   "qScale": [[...]], "kScale": [[...]], "scaleGrid": {"steps", "lamQ", "lamK", "qStep", "kStep", "bucket"} }
 * }</pre>
 */
public final class ProfileJson {

    public static final String FORMAT = "shadowattn-profile/1";

    /** Suffix of the profile stored beside a model: {@code model.gguf} -> {@code model.gguf.shadowattn.json}. */
    public static final String SUFFIX = ".shadowattn.json";

    private ProfileJson() {
    }

    /** Where the backend looks for a model's profile when none is named. */
    public static Path besideModel(Path model) {
        return model.resolveSibling(model.getFileName() + SUFFIX);
    }

    /**
     * The profile as a JSON tree.
     *
     * @param textName   file name of the calibration text
     * @param textSha256 digest of the calibration text's bytes
     */
    public static Map<String, Object> tree(Calibration.Result r, ModelFingerprint model, String textName,
                                           String textSha256, Instant created) {
        AttentionGeometry g = r.geometry();
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("format", FORMAT);
        root.put("created", created.truncatedTo(ChronoUnit.SECONDS).toString());
        Map<String, Object> file = new LinkedHashMap<>();
        file.put("name", model.name());
        file.put("size", model.size());
        file.put("modified", model.modified().toString());
        file.put("sha256", model.sha256());
        root.put("modelFile", file);
        Map<String, Object> geometry = new LinkedHashMap<>();
        geometry.put("layers", g.layers());
        geometry.put("heads", g.queryHeads());
        geometry.put("kvHeads", g.kvHeads());
        geometry.put("headDim", g.headDim());
        root.put("geometry", geometry);
        Calibration.Settings s = r.settings();
        Map<String, Object> cal = new LinkedHashMap<>();
        cal.put("text", textName);
        cal.put("textSha256", textSha256);
        cal.put("textTokens", r.windows().textTokens());
        cal.put("windows", s.windows());
        cal.put("windowLength", s.windowLength());
        cal.put("windowStarts", ints(r.windows().starts()));
        cal.put("scoredRows", "second half of each window");
        cal.put("attention", "dense");
        cal.put("importance", s.importance().key());
        if (s.importance() == Importance.SPARSE) {
            cal.put("probeRatio", s.probeRatio());
        }
        cal.put("floor", s.floor());
        cal.put("baseLoss", r.baseLoss());
        cal.put("seconds", r.nanos() / 1e9);
        cal.put("cpuSeconds", r.cpuNanos() / 1e9);
        root.put("calibration", cal);
        root.put("ratio", s.ratio());
        root.put("allocation", s.allocation().key());
        root.put("ratios", matrix(r.ratios()));
        // The plug-in re-allocates for another global ratio from what the allocation used: the formula's weights, or
        // the mass curves.
        if (s.allocation() == Allocation.FORMULA) {
            root.put("weights", matrix(r.weights()));
        } else {
            root.put("formulaWeights", matrix(r.weights()));
            root.put("massGrid", doubles(AttentionMass.GRID));
            List<Object> curves = new ArrayList<>();
            for (double[][] layer : r.massCurves()) {
                curves.add(matrix(layer));
            }
            root.put("massCurve", curves);
        }
        root.put("layerImportance", doubles(r.layerImportance()));
        root.put("headImportance", matrix(r.headImportance()));
        root.put("qScale", matrix(r.qScale()));
        root.put("kScale", matrix(r.kScale()));
        ScaleBuckets b = r.buckets();
        Map<String, Object> grid = new LinkedHashMap<>();
        grid.put("steps", doubles(ScaleBuckets.STEPS));
        grid.put("lamQ", doubles(b.lamQ()));
        grid.put("lamK", doubles(b.lamK()));
        grid.put("qStep", intMatrix(b.qStep()));
        grid.put("kStep", intMatrix(b.kStep()));
        grid.put("bucket", intMatrix(b.buckets()));
        root.put("scaleGrid", grid);
        return root;
    }

    /** Writes {@code tree} as JSON to {@code path}, atomically (temporary file then move). */
    public static void write(Map<String, Object> tree, Path path) throws IOException {
        Path abs = path.toAbsolutePath();
        Path tmp = abs.resolveSibling(abs.getFileName() + ".tmp");
        Files.writeString(tmp, Json.write(tree) + "\n", StandardCharsets.UTF_8);
        Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static List<Object> doubles(double[] v) {
        List<Object> l = new ArrayList<>(v.length);
        for (double x : v) {
            l.add(x);
        }
        return l;
    }

    private static List<Object> ints(int[] v) {
        List<Object> l = new ArrayList<>(v.length);
        for (int x : v) {
            l.add(x);
        }
        return l;
    }

    private static List<Object> matrix(double[][] m) {
        List<Object> l = new ArrayList<>(m.length);
        for (double[] row : m) {
            l.add(doubles(row));
        }
        return l;
    }

    private static List<Object> matrix(float[][] m) {
        List<Object> l = new ArrayList<>(m.length);
        for (float[] row : m) {
            List<Object> r = new ArrayList<>(row.length);
            for (float x : row) {
                r.add(Double.parseDouble(Float.toString(x)));  // shortest decimal that reads back as x
            }
            l.add(r);
        }
        return l;
    }

    private static List<Object> intMatrix(int[][] m) {
        List<Object> l = new ArrayList<>(m.length);
        for (int[] row : m) {
            l.add(ints(row));
        }
        return l;
    }
}
