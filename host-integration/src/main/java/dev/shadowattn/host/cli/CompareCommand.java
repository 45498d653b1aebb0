package dev.shadowattn.host.cli;

import dev.shadowattn.api.AttentionBackend;
import dev.shadowattn.gguf.model.Model;
import dev.shadowattn.gguf.model.ModelConfig;
import dev.shadowattn.host.compare.Clock;
import dev.shadowattn.host.compare.CompareChart;
import dev.shadowattn.host.compare.CompareConfig;
import dev.shadowattn.host.compare.CompareCsv;
import dev.shadowattn.host.compare.CompareJson;
import dev.shadowattn.host.compare.CompareTable;
import dev.shadowattn.host.compare.Comparison;
import dev.shadowattn.host.compare.ComparisonReport;
import dev.shadowattn.host.compare.MachineInfo;
import dev.shadowattn.host.compare.TimedBackend;
import dev.shadowattn.host.engine.Engine;

import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * {@code compare}: the same prompt through several attention configurations ({@code dense} and {@code shadowattn}
 * by default) at a series of context lengths, in one process (see {@link Comparison} for the procedure). Prints a
 * Markdown table and, with {@code --out DIR}, writes {@code compare.csv}, {@code compare.json} and
 * {@code compare.svg} there.
 */
final class CompareCommand {

    static final List<String> DEFAULT_CONFIGS = List.of("dense", "shadowattn");

    private CompareCommand() {
    }

    static CliArgs args() {
        return EngineOptions.declareRuntime(EngineOptions.declareModel(new CliArgs("compare"))
                .repeatable("config", "label=backend[:k=v,..]", "a configuration to compare, e.g. sa10=shadowattn:ratio=0.1 "
                        + "(default: dense, then shadowattn); the first is the baseline of ratios and perplexity deltas")
                .repeatable("backend-opt", "key=value", "option added to every configuration not of the dense backend")
                .option("contexts", "-c", "n,n,..", "context lengths (default 512,1024,2048,4096)")
                .option("gen", "n", "decode tokens timed at the end of each context (default 32)")
                .option("repetitions", "-r", "n", "timed runs per figure, interleaved; the median is reported (default 3)")
                .option("file", "-f", "text-file", "text: the prompt, and a perplexity column (default: random tokens)")
                .option("ppl-chunks", "n", "perplexity chunks per context, each as long as the context (default 2; 0: none)")
                .option("clock", "wall|cpu", "throughput in the table and chart: by elapsed time (default) or by the CPU time "
                        + "of the engine's threads, steadier on a loaded machine with -t 1 (CSV and JSON have both)")
                .option("out", "-o", "dir", "write compare.csv, compare.json and compare.svg to this directory"));
    }

    static int run(String[] argv, PrintStream out, PrintStream err) throws IOException {
        CliArgs args = args().parse(argv);
        if (args.has("help")) {
            out.println("usage: shadowattn compare [options]\n\n" + args.help());
            return 0;
        }
        int[] contexts = contexts(args.get("contexts", "512,1024,2048,4096"));
        int gen = args.getInt("gen", 32);
        int reps = args.getInt("repetitions", 3);
        int pplChunks = args.getInt("ppl-chunks", 2);
        if (gen < 1 || gen > 4096) {
            throw new CliArgs.UsageException("--gen must be between 1 and 4096, got " + gen);
        }
        if (reps < 1 || reps > 1000) {
            throw new CliArgs.UsageException("--repetitions must be between 1 and 1000, got " + reps);
        }
        if (pplChunks < 0 || pplChunks > 1000) {
            throw new CliArgs.UsageException("--ppl-chunks must be between 0 and 1000, got " + pplChunks);
        }
        if (contexts[0] <= gen) {
            throw new CliArgs.UsageException("--contexts: every context must exceed the " + gen
                    + " decode tokens (--gen), got " + contexts[0]);
        }
        Clock clock;
        try {
            clock = Clock.parse("--clock", args.get("clock", "wall"));
        } catch (IllegalArgumentException e) {
            throw new CliArgs.UsageException(e.getMessage());
        }
        List<CompareConfig> configs = configs(args.all("config"), args.all("backend-opt"));
        Path outDir = args.get("out").map(Path::of).orElse(null);
        if (outDir != null) {
            if (Files.exists(outDir) && !Files.isDirectory(outDir)) {
                throw new CliArgs.UsageException("--out " + outDir + ": exists and is not a directory");
            }
            Files.createDirectories(outDir);
        }
        Path textFile = args.get("file").map(Path::of).orElse(null);
        if (textFile != null && !Files.isRegularFile(textFile)) {
            throw new CliArgs.UsageException("--file " + textFile + ": no such file");
        }
        int threads = EngineOptions.threads(args);
        int chunk = EngineOptions.chunk(args);
        int maxContext = contexts[contexts.length - 1];
        Instant start = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        MachineInfo machine = MachineInfo.current();

        try (Model model = Model.load(EngineOptions.modelPath(args))) {
            ModelConfig mc = model.config();
            checkMemory(mc, maxContext);
            if (maxContext > mc.contextLength()) {
                err.printf("warning: contexts above %d exceed the model's trained context (RoPE extrapolates; "
                        + "figures there measure speed, not quality)%n", mc.contextLength());
            }
            int[] text = null;
            int[] prompt;
            String promptSource;
            if (textFile != null) {
                text = model.tokenizer().encode(Files.readString(textFile, StandardCharsets.UTF_8), true);
                if (text.length < 2) {
                    throw new CliArgs.UsageException("--file " + textFile + ": the text has no tokens");
                }
                prompt = cycle(text, maxContext);
                promptSource = textFile.getFileName() + (text.length < maxContext ? " (repeated)" : "");
            } else {
                prompt = new SplittableRandom(1234).ints(maxContext, 0, mc.vocabularySize()).toArray();
                promptSource = "random token ids (seed 1234)";
            }
            List<Comparison.Arm> arms = new ArrayList<>();
            try {
                for (CompareConfig c : configs) {
                    arms.add(arm(c, model, maxContext, threads, chunk));
                }
                Engine first = arms.getFirst().engine();
                err.printf("compare: model %s, %d threads, kernels %s, contexts %s, %d decode tokens, median of %d, "
                                + "%s, load average %s%n", mc.name(), first.threads(), first.kernels().name(),
                        Arrays.toString(contexts), gen, reps, machine.cpu(), load(machine.loadAverage()));
                for (Comparison.Arm a : arms) {
                    err.printf("  %-12s %s%n", a.config().label(), a.engine().backend().describe());
                }
                var settings = new Comparison.Settings(contexts, gen, reps, prompt, text, pplChunks);
                var results = Comparison.run(arms, settings, err::println);
                List<ComparisonReport.Config> described = arms.stream()
                        .map(a -> new ComparisonReport.Config(a.config(), a.engine().backend().describe())).toList();
                ComparisonReport report = new ComparisonReport(start.toString(), machine, MachineInfo.loadAverageNow(),
                        mc.name(), model.path().getFileName().toString(), mc.contextLength(), first.threads(), chunk,
                        first.kernels().name(), promptSource, textFile == null ? null : textFile.getFileName().toString(),
                        contexts, gen, reps, text == null ? 0 : pplChunks, clock, described, results);
                out.print(CompareTable.format(report));
                if (outDir != null) {
                    write(outDir.resolve("compare.csv"), CompareCsv.format(report));
                    write(outDir.resolve("compare.json"), CompareJson.format(report));
                    write(outDir.resolve("compare.svg"), CompareChart.svg(report));
                    err.printf("wrote %s, %s and %s%n", outDir.resolve("compare.csv"), outDir.resolve("compare.json"),
                            outDir.resolve("compare.svg"));
                }
            } finally {
                for (Comparison.Arm a : arms) {
                    a.engine().close();
                }
            }
        }
        return 0;
    }

    /** Parses, sorts and checks the context list. */
    static int[] contexts(String list) {
        int[] v = BenchCommand.ints(list, "contexts");
        if (v.length == 0) {
            throw new CliArgs.UsageException("--contexts lists no context length");
        }
        Arrays.sort(v);
        for (int i = 0; i < v.length; i++) {
            if (v[i] < 8) {
                throw new CliArgs.UsageException("--contexts: context lengths must be at least 8, got " + v[i]);
            }
            if (i > 0 && v[i] == v[i - 1]) {
                throw new CliArgs.UsageException("--contexts lists " + v[i] + " twice");
            }
        }
        return v;
    }

    /** The configurations to run: {@code --config} specs (default dense, shadowattn) plus shared backend options. */
    static List<CompareConfig> configs(List<String> specs, List<String> backendOpts) {
        for (String o : backendOpts) {
            if (o.indexOf('=') <= 0) {
                throw new CliArgs.UsageException("--backend-opt '" + o + "' is not of the form key=value");
            }
        }
        List<CompareConfig> configs = new ArrayList<>();
        Set<String> labels = new HashSet<>();
        for (String spec : specs.isEmpty() ? DEFAULT_CONFIGS : specs) {
            CompareConfig c;
            try {
                c = CompareConfig.parse(spec);
            } catch (IllegalArgumentException e) {
                throw new CliArgs.UsageException("--config " + e.getMessage());
            }
            if (!labels.add(c.label())) {
                throw new CliArgs.UsageException("--config: two configurations are labelled '" + c.label()
                        + "'; label them apart, e.g. NAME=" + c.backend() + ":...");
            }
            configs.add(c.backend().equals("dense") ? c : c.withOptions(backendOpts));
        }
        return configs;
    }

    private static Comparison.Arm arm(CompareConfig c, Model model, int context, int threads, int chunk) {
        AttentionBackend backend;
        try {
            backend = new TimedBackend(EngineOptions.backend(model, context, c.backend(), c.options(), threads));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("configuration '" + c.label() + "': " + e.getMessage(), e);
        }
        try {
            return new Comparison.Arm(c, new Engine(model, backend, context, threads, chunk));
        } catch (RuntimeException e) {
            backend.close();
            throw e;
        }
    }

    /**
     * Fails clearly, before any work, when the float K/V of the largest context (plus up to half again for a
     * backend's shadow structures) would not fit in half of the machine's physical memory; sessions run one at a
     * time, so one cache is alive at once.
     */
    private static void checkMemory(ModelConfig c, int context) {
        long perPosition = 2L * c.layers() * c.kvDim() * Float.BYTES;
        long need = perPosition * context * 3 / 2;
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            long physical = os.getTotalMemorySize();
            if (physical > 0 && need > physical / 2) {
                throw new CliArgs.UsageException(String.format(Locale.ROOT, "--contexts: a context of %d positions "
                        + "needs about %.1f GiB of KV cache, more than half of this machine's %.1f GiB", context,
                        need / (double) (1L << 30), physical / (double) (1L << 30)));
            }
        }
    }

    private static int[] cycle(int[] tokens, int n) {
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            out[i] = tokens[i % tokens.length];
        }
        return out;
    }

    private static void write(Path file, String content) throws IOException {
        Files.writeString(file, content, StandardCharsets.UTF_8);
    }

    private static String load(double load) {
        return Double.isNaN(load) ? "n/a" : String.format(Locale.ROOT, "%.1f", load);
    }
}
