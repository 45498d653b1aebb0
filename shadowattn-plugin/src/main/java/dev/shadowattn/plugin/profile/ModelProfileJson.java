package dev.shadowattn.plugin.profile;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Reads a model profile from JSON:
 * <pre>{@code
 * { "format": "shadowattn-profile/1",
 *   "ratios": [[r, ...], ...],      // optional, [layers][queryHeads]
 *   "qScale": [[s, ...], ...],      // optional, [layers][queryHeads]
 *   "kScale": [[s, ...], ...] }     // with qScale, [layers][kvHeads]
 * }</pre>
 * Other keys (model name, calibration text, ...) are ignored.
 */
public final class ModelProfileJson {

    public static final String FORMAT = "shadowattn-profile/1";
    private static final long MAX_BYTES = 16L << 20;

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
        double[][] q = matrix(root.get("qScale"), "qScale", source);
        double[][] k = matrix(root.get("kScale"), "kScale", source);
        return new ModelProfile(ratios, toFloat(q), toFloat(k), source);
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
