package dev.shadowattn.plugin.pipeline;

import dev.shadowattn.plugin.profile.MiniJson;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The stage costs of a model and pipeline configuration, stored in a sidecar file beside the model profile
 * ({@code <profile>.stagecosts.json}) so a later start plans without profiling again (docs/PIPELINE.md):
 * <pre>
 * {"format": "shadowattn-stagecosts/1", "model": "NAME SIZE MODIFIED-MS", "config": "...",
 *  "costs": [{"layer": 0, "rows": 1, "bucket": 12, "fusion": 1.0, "score": [...], "cpu": [...]}, ...]}
 * </pre>
 * A file for another model or configuration, or a malformed one, is ignored with a notice; a failed write is a
 * notice too: the costs are only a cache of measurements.
 *
 * @param file    the sidecar file
 * @param model   identity of the model file (name, size and modification time)
 * @param config  the backend configuration the costs were measured under
 * @param notices where notices go
 */
public record StageCostsFile(Path file, String model, String config, PrintStream notices) {

    public static final String FORMAT = "shadowattn-stagecosts/1";
    public static final String SUFFIX = ".stagecosts.json";

    /** Identity of {@code model}: file name, size and modification time, or null when it cannot be read. */
    public static String modelId(Path model) {
        try {
            return model.getFileName() + " " + Files.size(model) + " " + Files.getLastModifiedTime(model).toMillis();
        } catch (IOException e) {
            return null;
        }
    }

    /** The stored costs, or an empty map when there is no file or it is for something else or malformed. */
    public Map<HeadPipeline.CostKey, StageCosts> load() {
        Map<HeadPipeline.CostKey, StageCosts> out = new HashMap<>();
        if (!Files.isRegularFile(file)) {
            return out;
        }
        try {
            Map<?, ?> root = (Map<?, ?>) MiniJson.parse(Files.readString(file), file.toString());
            if (!FORMAT.equals(root.get("format"))) {
                notices.println("shadowattn: ignoring stage costs " + file + ": format is not " + FORMAT);
                return out;
            }
            if (!model.equals(root.get("model")) || !config.equals(root.get("config"))) {
                notices.println("shadowattn: ignoring stage costs " + file + ": measured for another model or "
                        + "configuration; profiling again");
                return out;
            }
            for (Object o : (List<?>) root.get("costs")) {
                Map<?, ?> e = (Map<?, ?>) o;
                HeadPipeline.CostKey key = new HeadPipeline.CostKey(integer(e.get("layer")), integer(e.get("rows")),
                        integer(e.get("bucket")));
                out.put(key, new StageCosts(longs(e.get("score")), longs(e.get("cpu")), (Double) e.get("fusion")));
            }
            return out;
        } catch (IOException | RuntimeException e) {
            notices.println("shadowattn: ignoring malformed stage costs " + file + ": " + e);
            return new HashMap<>();
        }
    }

    /** Writes {@code costs} (atomically: a temporary file moved over the old one); a failure is a notice. */
    public void save(Map<HeadPipeline.CostKey, StageCosts> costs) {
        StringBuilder b = new StringBuilder();
        b.append("{\"format\": \"").append(FORMAT).append("\", \"model\": ").append(quote(model))
                .append(", \"config\": ").append(quote(config)).append(", \"costs\": [");
        String sep = "\n";
        for (Map.Entry<HeadPipeline.CostKey, StageCosts> e : costs.entrySet()) {
            HeadPipeline.CostKey k = e.getKey();
            StageCosts c = e.getValue();
            b.append(sep).append("{\"layer\": ").append(k.layer()).append(", \"rows\": ").append(k.rows())
                    .append(", \"bucket\": ").append(k.contextBucket()).append(", \"fusion\": ").append(c.fusion())
                    .append(", \"score\": ").append(java.util.Arrays.toString(c.scoreNanos()))
                    .append(", \"cpu\": ").append(java.util.Arrays.toString(c.cpuNanos())).append('}');
            sep = ",\n";
        }
        b.append("\n]}\n");
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try {
            Files.writeString(tmp, b);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException | RuntimeException e) {
            notices.println("shadowattn: cannot store stage costs in " + file + ": " + e);
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException ignored) {
                // the notice above already reports the failure
            }
        }
    }

    private static int integer(Object o) {
        double d = (Double) o;
        if (d != Math.rint(d) || Math.abs(d) > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("not an integer: " + o);
        }
        return (int) d;
    }

    private static long[] longs(Object o) {
        List<?> l = (List<?>) o;
        long[] a = new long[l.size()];
        for (int i = 0; i < a.length; i++) {
            a[i] = (long) (double) (Double) l.get(i);
        }
        return a;
    }

    private static String quote(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            if (c == '"' || c == '\\') {
                b.append('\\').append(c);
            } else if (c < 0x20) {
                b.append(String.format("\\u%04x", (int) c));
            } else {
                b.append(c);
            }
        }
        return b.append('"').toString();
    }
}
