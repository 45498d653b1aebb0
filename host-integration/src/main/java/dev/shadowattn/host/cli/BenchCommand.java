package dev.shadowattn.host.cli;

import dev.shadowattn.gguf.model.Model;
import dev.shadowattn.host.engine.Engine;
import dev.shadowattn.host.engine.Sequence;
import dev.shadowattn.host.eval.Throughput;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * {@code bench}: tokens/s for prompt processing (pp) of N tokens and for generation (tg) of M tokens after a
 * context of depth D, like llama-bench's {@code pp512}, {@code tg128 @ d4096}. Tokens are random ids (seeded), as
 * in llama-bench; each figure is the median of {@code --repetitions} runs.
 */
final class BenchCommand {

    private BenchCommand() {
    }

    static CliArgs args() {
        return EngineOptions.declare(new CliArgs("bench"))
                .option("prompt", "n,n,..", "prompt sizes to time (default 512,4096)")
                .option("depth", "d,d,..", "context depths for generation (default 0,1024,4096)")
                .option("gen", "n", "tokens generated per generation test (default 128)")
                .option("repetitions", "-r", "n", "runs per figure, the median is reported (default 3)");
    }

    record Row(String test, String backend, double tokensPerSecond, double seconds) {
    }

    static int run(String[] argv, PrintStream out, PrintStream err) {
        CliArgs args = args().parse(argv);
        if (args.has("help")) {
            out.println("usage: shadowattn bench [options]\n\n" + args.help());
            return 0;
        }
        int[] prompts = ints(args.get("prompt", "512,4096"), "prompt");
        int[] depths = ints(args.get("depth", "0,1024,4096"), "depth");
        int gen = args.getInt("gen", 128);
        int reps = args.getInt("repetitions", 3);
        if (gen < 1 || reps < 1) {
            throw new CliArgs.UsageException("--gen and --repetitions must be >= 1");
        }
        int ctx = 0;
        for (int p : prompts) {
            ctx = Math.max(ctx, p);
        }
        for (int d : depths) {
            ctx = Math.max(ctx, d + gen);
        }
        List<Row> rows = new ArrayList<>();
        try (Model model = Model.load(EngineOptions.modelPath(args));
             Engine engine = EngineOptions.engine(args, model, ctx, args.get("backend").orElse(null), true, err)) {
            String backend = engine.backend().name();
            SplittableRandom random = new SplittableRandom(1234);
            int vocab = model.config().vocabularySize();
            err.printf("bench: model %s, backend %s, %d threads, kernels %s, median of %d%n",
                    model.config().name(), engine.backend().describe(), engine.threads(), engine.kernels().name(), reps);
            Throughput.warmUp(engine);
            for (int p : prompts) {
                int[] tokens = random.ints(p, 0, vocab).toArray();
                double[] secs = new double[reps];
                for (int r = -1; r < reps; r++) { // r = -1 warms up
                    try (Sequence seq = engine.newSequence()) {
                        double s = Throughput.prefill(seq, tokens);
                        if (r >= 0) {
                            secs[r] = s;
                        }
                    }
                    err.print(".");
                }
                double s = Throughput.median(secs);
                rows.add(new Row("pp" + p, backend, p / s, s));
                err.printf(" pp%d: %.1f tokens/s%n", p, p / s);
            }
            for (int d : depths) {
                int[] context = random.ints(Math.max(d, 1), 0, vocab).toArray();
                double[] secs = new double[reps];
                for (int r = -1; r < reps; r++) {
                    try (Sequence seq = engine.newSequence()) {
                        if (d > 0) {
                            seq.ingest(context);
                        }
                        int[] steps = random.ints(gen, 0, vocab).toArray();
                        steps[0] = context[0];
                        double s = Throughput.decode(seq, steps);
                        if (r >= 0) {
                            secs[r] = s;
                        }
                    }
                    err.print(".");
                }
                double s = Throughput.median(secs);
                rows.add(new Row("tg" + gen + " @ d" + d, backend, gen / s, s));
                err.printf(" tg%d @ d%d: %.1f tokens/s%n", gen, d, gen / s);
            }
        }
        out.printf("| %-14s | %-12s | %10s |%n", "test", "backend", "tokens/s");
        out.printf("|%s|%s|%s|%n", "-".repeat(16), "-".repeat(14), "-".repeat(12));
        for (Row r : rows) {
            out.printf("| %-14s | %-12s | %10.1f |%n", r.test(), r.backend(), r.tokensPerSecond());
        }
        return 0;
    }

    /** Comma-separated integers in [0, 2^20], failing naming {@code --flag}. */
    static int[] ints(String list, String flag) {
        try {
            int[] v = java.util.Arrays.stream(list.split(",")).map(String::trim).filter(s -> !s.isEmpty())
                    .mapToInt(Integer::parseInt).toArray();
            for (int x : v) {
                if (x < 0 || x > 1 << 20) {
                    throw new CliArgs.UsageException("--" + flag + " values must be between 0 and 1048576, got " + x);
                }
            }
            return v;
        } catch (NumberFormatException e) {
            throw new CliArgs.UsageException("--" + flag + " expects comma-separated integers, got '" + list + "'");
        }
    }
}
