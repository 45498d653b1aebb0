package dev.shadowattn.host.cli;

import dev.shadowattn.gguf.model.Model;
import dev.shadowattn.host.calibrate.Allocation;
import dev.shadowattn.host.calibrate.Calibration;
import dev.shadowattn.host.calibrate.Importance;
import dev.shadowattn.host.calibrate.ModelFingerprint;
import dev.shadowattn.host.calibrate.ProfileJson;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Locale;

/**
 * {@code calibrate}: per-head keep ratios and INT8 scales of a model for the {@code shadowattn} backend, written as a
 * model profile (docs/CALIBRATION.md).
 */
final class CalibrateCommand {

    /** The project's calibration text, beside the embedded model. */
    static final String DEFAULT_TEXT = "calibration/northanger-abbey.txt";

    private CalibrateCommand() {
    }

    static CliArgs args() {
        Calibration.Settings d = new Calibration.Settings(Calibration.Settings.DEFAULT_RATIO,
                Calibration.Settings.DEFAULT_WINDOWS, Calibration.Settings.DEFAULT_WINDOW_LENGTH,
                Calibration.Settings.DEFAULT_FLOOR, Calibration.Settings.DEFAULT_IMPORTANCE,
                Calibration.Settings.DEFAULT_RATIO, Calibration.Settings.DEFAULT_ALLOCATION);
        return new CliArgs("calibrate")
                .option("model", "-m", "file.gguf", "GGUF model (default: the embedded " + ModelLocator.EMBEDDED + ")")
                .option("file", "-f", "text-file", "calibration text (default: " + DEFAULT_TEXT
                        + " beside the embedded model); never the evaluation text")
                .option("ratio", "r", "global keep ratio in (0, 1] (default " + d.ratio() + ")")
                .option("windows", "n", "windows of the text to evaluate (default " + d.windows() + ")")
                .option("window-length", "n", "tokens per window (default " + d.windowLength() + ")")
                .option("floor", "f", "least head weight, as a fraction of the mean (default " + d.floor() + ")")
                .option("importance", "how", "importance of a head or layer: loss increase when it is made 'sparse' "
                        + "at the probe ratio, or 'zero'ed as in the paper (default " + d.importance().key() + ")")
                .option("probe-ratio", "r", "keep ratio of a head made sparse to measure it (default: --ratio)")
                .option("allocation", "how", "ratios from the paper's 'formula' over importances, or for the most "
                        + "attention 'mass' kept (default " + d.allocation().key() + ")")
                .option("output", "-o", "file", "profile to write (default: MODEL" + ProfileJson.SUFFIX + ")")
                .option("threads", "-t", "n", "threads (default: all cores)")
                .flag("help", "show this help");
    }

    static int run(String[] argv, PrintStream out, PrintStream err) throws IOException {
        CliArgs args = args().parse(argv);
        if (args.has("help")) {
            out.println("usage: shadowattn calibrate [--model M] [--file TEXT] [options]\n\n" + args.help());
            return 0;
        }
        Calibration.Settings settings = settings(args);
        Path modelPath = EngineOptions.modelPath(args);
        Path text = args.get("file").map(Path::of).orElseGet(CalibrateCommand::defaultText);
        if (!Files.isRegularFile(text)) {
            throw new CliArgs.UsageException("--file " + text + ": no such file");
        }
        if (text.getFileName().toString().toLowerCase(Locale.ROOT).contains("persuasion")) {
            err.println("warning: " + text.getFileName() + " looks like the held-out evaluation text; calibrating on"
                    + " it makes the evaluation meaningless");
        }
        Path output = args.get("output").map(Path::of).orElse(ProfileJson.besideModel(modelPath));
        int threads = EngineOptions.threads(args);
        byte[] bytes = Files.readAllBytes(text);
        String content = new String(bytes, StandardCharsets.UTF_8);
        try (Model model = Model.load(modelPath)) {
            var c = model.config();
            int passes = 1 + c.layers() + c.layers() * c.heads();
            err.printf(Locale.ROOT, "calibrate: %s on %s, %d windows of %d tokens, %d passes (base, %d layers, %d "
                            + "heads), importance: %s, dense attention, %d threads%n", modelPath.getFileName(),
                    text.getFileName(), settings.windows(), settings.windowLength(), passes, c.layers(),
                    c.layers() * c.heads(), settings.importance() == Importance.ZERO ? "zeroed"
                            : String.format(Locale.ROOT, "made sparse at %.3f", settings.probeRatio()), threads);
            Calibration.Result r = Calibration.run(model, content, settings, threads, s -> err.printf(Locale.ROOT,
                    "[%3d/%d] %-20s loss %.4f  %+.4f   elapsed %s  cpu %s  eta %s%n", s.index(), s.total(),
                    s.label(), s.loss(), s.delta(), clock(s.elapsedNanos()), clock(s.cpuNanos()),
                    clock(s.etaNanos())));
            ModelFingerprint fp = ModelFingerprint.of(modelPath);
            var tree = ProfileJson.tree(r, fp, text.getFileName().toString(), sha256(text), Instant.now());
            ProfileJson.write(tree, output);
            printSummary(r, out);
            out.printf(Locale.ROOT, "profile written to %s (%.1f s, %.1f s CPU)%n", output, r.nanos() / 1e9,
                    r.cpuNanos() / 1e9);
        }
        return 0;
    }

    private static Calibration.Settings settings(CliArgs args) {
        try {
            double ratio = number(args, "ratio", Calibration.Settings.DEFAULT_RATIO);
            return new Calibration.Settings(ratio,
                    args.getInt("windows", Calibration.Settings.DEFAULT_WINDOWS),
                    args.getInt("window-length", Calibration.Settings.DEFAULT_WINDOW_LENGTH),
                    number(args, "floor", Calibration.Settings.DEFAULT_FLOOR),
                    args.get("importance").map(Importance::parse).orElse(Calibration.Settings.DEFAULT_IMPORTANCE),
                    number(args, "probe-ratio", ratio),
                    args.get("allocation").map(Allocation::parse).orElse(Calibration.Settings.DEFAULT_ALLOCATION));
        } catch (CliArgs.UsageException e) {
            throw e;
        } catch (IllegalArgumentException e) {
            throw new CliArgs.UsageException(e.getMessage());
        }
    }

    private static double number(CliArgs args, String name, double defaultValue) {
        return args.get(name).map(v -> {
            try {
                return Double.parseDouble(v.trim());
            } catch (NumberFormatException e) {
                throw new CliArgs.UsageException("option --" + name + " expects a number, got '" + v + "'");
            }
        }).orElse(defaultValue);
    }

    private static Path defaultText() {
        Path p = ModelLocator.defaultModel().resolveSibling(DEFAULT_TEXT);
        if (!Files.isRegularFile(p)) {
            throw new CliArgs.UsageException("no --file given and the default calibration text " + p
                    + " was not found; pass --file TEXT");
        }
        return p;
    }

    private static String sha256(Path file) throws IOException {
        return ModelFingerprint.sha256(file);
    }

    /** Per-layer ratios and importances, one line per layer. */
    private static void printSummary(Calibration.Result r, PrintStream out) {
        out.printf(Locale.ROOT, "base loss %.4f nats/token over %d windows of %d tokens%n", r.baseLoss(),
                r.windows().count(), r.windows().length());
        out.println("layer  importance  head importance (keep ratio)");
        for (int l = 0; l < r.ratios().length; l++) {
            StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "%5d  %+10.4f ", l, r.layerImportance()[l]));
            for (int h = 0; h < r.ratios()[l].length; h++) {
                sb.append(String.format(Locale.ROOT, " %+.4f (%.3f)", r.headImportance()[l][h], r.ratios()[l][h]));
            }
            out.println(sb);
        }
    }

    /** {@code m:ss} */
    static String clock(long nanos) {
        long s = Math.max(0, Math.round(nanos / 1e9));
        return String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
    }
}
