package dev.shadowattn.plugin.profile;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.regex.Pattern;
import java.util.Map;

/**
 * Reads a model profile from JSON (written by the {@code calibrate} command; docs/CALIBRATION.md):
 * <pre>{@code
 * { "format": "shadowattn-profile/1",
 *   "modelFile": {"name": "m.gguf", "size": 123, "modified": "2025-01-01T00:00:00Z", "sha256": "64 hex"},
 *                                   // optional; "modified" optional
 *   "geometry": {"layers": 8, "heads": 6, "kvHeads": 2, "headDim": 64},     // optional
 *   "ratios": [[r, ...], ...],      // optional, [layers][queryHeads]
 *   "weights": [[w, ...], ...],     // optional, with ratios, [layers][queryHeads]
 *   "qScale": [[s, ...], ...],      // optional, [layers][queryHeads]
 *   "kScale": [[s, ...], ...] }     // with qScale, [layers][kvHeads]
 * }</pre>
 * Other keys (calibration text, importances, the bucket grid, ...) are informational and ignored.
 */
public final class ModelProfileJson {

    public static final String FORMAT = "shadowattn-profile/1";
    private static final long MAX_BYTES = 16L << 20;
    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");

    private ModelProfileJson() {
    }

    public static ModelProfile read(Path path) {
        try {
            long size = Files.size(path);
            if (size > MAX_BYTES) {
                throw new IllegalArgumentException("model profile " + path + " is " + size + " bytes; more than "
                        + MAX_BYTES + " is not a profile");
            }
            return parse(Files.readString(path, StandardCharsets.UTF_8), path.toString());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read model profile " + path + ": " + e.getMessage(), e);
        }
    }

    public static ModelProfile parse(String json, String source) {
        if (!(MiniJson.parse(json, source) instanceof Map<?, ?> root)) {
            throw new IllegalArgumentException("model profile " + source + ": the top level must be a JSON object");
        }
        Object format = root.get("format");
        if (format != null && !FORMAT.equals(format)) {
            throw new IllegalArgumentException("model profile " + source + ": format '" + format
                    + "' is not supported (expected " + FORMAT + ")");
        }
        double[][] ratios = matrix(root.get("ratios"), "ratios", source);
        // with "massCurve": "massGrid": [ratio, ...] and "massCurve": [[[mass per grid ratio], ...], ...]
        double[][] weights = matrix(root.get("weights"), "weights", source);
        double[][] q = matrix(root.get("qScale"), "qScale", source);
        double[][] k = matrix(root.get("kScale"), "kScale", source);
        return new ModelProfile(ratios, weights, toFloat(q), toFloat(k), geometry(root.get("geometry"), source),
                modelFile(root.get("modelFile"), source), mass(root.get("massGrid"), root.get("massCurve"), source),
                source);
    }

    private static MassCurves mass(Object grid, Object curve, String source) {
        if (grid == null && curve == null) {
            return null;
        }
        if (grid == null || curve == null) {
            throw new IllegalArgumentException("model profile " + source + ": massGrid and massCurve must be given "
                    + "together");
        }
        double[][] g = matrix(List.of(grid), "massGrid", source);
        if (!(curve instanceof List<?> layers)) {
            throw new IllegalArgumentException("model profile " + source + ": massCurve must be an array of arrays "
                    + "of arrays");
        }
        double[][][] c = new double[layers.size()][][];
        for (int l = 0; l < c.length; l++) {
            c[l] = matrix(layers.get(l), "massCurve[" + l + "]", source);
        }
        return new MassCurves(g[0], c);
    }

    private static ProfileGeometry geometry(Object value, String source) {
        if (value == null) {
            return null;
        }
        Map<?, ?> m = object(value, "geometry", source);
        return new ProfileGeometry(positiveInt(m, "geometry", "layers", source),
                positiveInt(m, "geometry", "heads", source), positiveInt(m, "geometry", "kvHeads", source),
                positiveInt(m, "geometry", "headDim", source));
    }

    private static ModelFileId modelFile(Object value, String source) {
        if (value == null) {
            return null;
        }
        Map<?, ?> m = object(value, "modelFile", source);
        String name = string(m, "modelFile", "name", source);
        if (!(m.get("size") instanceof Double size) || size < 0 || size != Math.rint(size) || size > 0x1p53) {
            throw new IllegalArgumentException("model profile " + source + ": modelFile.size" + (m.get("size") == null
                    ? " is missing" : " must be a whole number of bytes, got " + m.get("size")));
        }
        String sha = string(m, "modelFile", "sha256", source);
        if (!SHA256.matcher(sha).matches()) {
            throw new IllegalArgumentException("model profile " + source + ": modelFile.sha256 must be 64 lower-case "
                    + "hex digits, got '" + sha + "'");
        }
        Instant modified = null;
        if (m.get("modified") != null) {
            String text = string(m, "modelFile", "modified", source);
            try {
                modified = Instant.parse(text);
            } catch (DateTimeParseException e) {
                throw new IllegalArgumentException("model profile " + source + ": modelFile.modified must be an "
                        + "ISO-8601 instant such as 2025-01-31T12:00:00Z, got '" + text + "'");
            }
        }
        return new ModelFileId(name, size.longValue(), modified, sha);
    }

    private static Map<?, ?> object(Object value, String field, String source) {
        if (!(value instanceof Map<?, ?> m)) {
            throw new IllegalArgumentException("model profile " + source + ": " + field + " must be a JSON object");
        }
        return m;
    }

    private static String string(Map<?, ?> m, String object, String key, String source) {
        if (!(m.get(key) instanceof String s) || s.isEmpty()) {
            throw new IllegalArgumentException("model profile " + source + ": " + object + "." + key
                    + (m.get(key) == null ? " is missing" : " must be a non-empty string"));
        }
        return s;
    }

    private static int positiveInt(Map<?, ?> m, String object, String key, String source) {
        Object v = m.get(key);
        if (!(v instanceof Double d) || d < 1 || d != Math.rint(d) || d > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("model profile " + source + ": " + object + "." + key
                    + (v == null ? " is missing" : " must be a positive whole number, got " + v));
        }
        return d.intValue();
    }

    private static double[][] matrix(Object value, String field, String source) {
        if (value == null) {
            return null;
        }
        if (!(value instanceof List<?> rows)) {
            throw new IllegalArgumentException("model profile " + source + ": " + field + " must be an array of arrays");
        }
        double[][] out = new double[rows.size()][];
        for (int i = 0; i < rows.size(); i++) {
            if (!(rows.get(i) instanceof List<?> row)) {
                throw new IllegalArgumentException("model profile " + source + ": " + field + "[" + i
                        + "] must be an array of numbers");
            }
            out[i] = new double[row.size()];
            for (int j = 0; j < row.size(); j++) {
                if (!(row.get(j) instanceof Double d)) {
                    throw new IllegalArgumentException("model profile " + source + ": " + field + "[" + i + "][" + j
                            + "] must be a number");
                }
                out[i][j] = d;
            }
        }
        return out;
    }

    private static float[][] toFloat(double[][] m) {
        if (m == null) {
            return null;
        }
        float[][] out = new float[m.length][];
        for (int i = 0; i < m.length; i++) {
            out[i] = new float[m[i].length];
            for (int j = 0; j < m[i].length; j++) {
                out[i][j] = (float) m[i][j];
            }
        }
        return out;
    }
}
