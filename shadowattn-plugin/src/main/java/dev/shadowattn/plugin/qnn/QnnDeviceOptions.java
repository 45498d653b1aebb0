package dev.shadowattn.plugin.qnn;

import dev.shadowattn.api.AttentionOptions;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Set;

/**
 * The {@code qnn.*} backend options of the QNN scoring device (docs/QNN.md):
 * <ul>
 *   <li>{@code qnn.library=PATH}: the backend library ({@code libQnnHtp.so} on a Snapdragon device); required;</li>
 *   <li>{@code qnn.cache=DIR|none}: context-binary cache root (default {@code ~/.cache/shadowattn/qnn});</li>
 *   <li>{@code qnn.input=u8|s8}: encoding of Q and K (default u8, offset -128: the portable one);</li>
 *   <li>{@code qnn.output=u8|s8|u16}: encoding of the scores (default u8; u16 is 256x finer on HTP);</li>
 *   <li>{@code qnn.step=X|auto}: int32 units per output level; {@code auto} (default) calibrates each scale
 *       bucket once, from exact scores of its first request computed on the CPU
 *       ({@link OutputCalibration#calibratedStep});</li>
 *   <li>{@code qnn.graphs=bucket|shared}: one graph set per scale bucket (default), or shared by all buckets;</li>
 *   <li>{@code qnn.min-core-minor=N}: least core API 2.N accepted (default 0).</li>
 * </ul>
 */
public record QnnDeviceOptions(Path library, Path cacheDir, QuantEncoding input, QuantEncoding output, double step,
                               boolean sharedGraphs, int minCoreMinor) {

    public static final Set<String> KEYS = Set.of("qnn.library", "qnn.cache", "qnn.input", "qnn.output", "qnn.step",
            "qnn.graphs", "qnn.min-core-minor");

    /** Parses the {@code qnn.*} options; {@code library} is {@code null} when not given. */
    public static QnnDeviceOptions parse(AttentionOptions o) {
        Path library = o.get("qnn.library").map(Path::of).orElse(null);
        String cache = o.getString("qnn.cache", Path.of(System.getProperty("user.home"), ".cache", "shadowattn", "qnn")
                .toString());
        Path cacheDir = cache.equalsIgnoreCase("none") ? null : Path.of(cache);
        QuantEncoding input = QuantEncoding.parse("qnn.input", o.getString("qnn.input", "u8"));
        if (!input.holdsInt8()) {
            throw new IllegalArgumentException("backend option qnn.input=" + o.getString("qnn.input", "")
                    + " must be u8 or s8");
        }
        QuantEncoding output = QuantEncoding.parse("qnn.output", o.getString("qnn.output", "u8"));
        String stepText = o.getString("qnn.step", "auto");
        double step = stepText.equalsIgnoreCase("auto") ? Double.NaN : o.getDouble("qnn.step", Double.NaN);
        if (!stepText.equalsIgnoreCase("auto") && !(step > 0 && Double.isFinite(step))) {
            throw new IllegalArgumentException("backend option qnn.step=" + o.getString("qnn.step", "")
                    + " must be a positive number");
        }
        String graphs = o.getString("qnn.graphs", "bucket").toLowerCase(Locale.ROOT);
        if (!graphs.equals("bucket") && !graphs.equals("shared")) {
            throw new IllegalArgumentException("backend option qnn.graphs=" + graphs + " must be bucket or shared");
        }
        int minor = o.getInt("qnn.min-core-minor", 0);
        if (minor < 0) {
            throw new IllegalArgumentException("backend option qnn.min-core-minor=" + minor + " must not be negative");
        }
        return new QnnDeviceOptions(library, cacheDir, input, output, step, graphs.equals("shared"), minor);
    }

    /** Whether the output step is calibrated from data ({@code qnn.step=auto}). */
    public boolean autoStep() {
        return Double.isNaN(step);
    }
}
