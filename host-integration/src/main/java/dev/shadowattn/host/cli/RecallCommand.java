package dev.shadowattn.host.cli;

import dev.shadowattn.api.AttentionBackend;
import dev.shadowattn.api.AttentionOptions;
import dev.shadowattn.gguf.model.Model;
import dev.shadowattn.host.backend.AttentionBackends;
import dev.shadowattn.host.calibrate.ObservingBackend;
import dev.shadowattn.host.calibrate.SparseEvaluation;
import dev.shadowattn.host.calibrate.TopKRecall;
import dev.shadowattn.host.engine.Engine;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * {@code recall}: perplexity of a text (llama.cpp procedure, as {@code perplexity}) with the fraction of keys the
 * backend attended to and the recall of its selections against the float top-k (docs/CALIBRATION.md).
 */
final class RecallCommand {

    private RecallCommand() {
    }

    static CliArgs args() {
        return EngineOptions.declare(new CliArgs("recall"))
                .option("file", "-f", "text-file", "text to score (required)")
                .option("ctx-size", "-c", "n", "tokens per chunk (default 1024)")
                .option("chunks", "n", "chunks to score (default: all)")
                .flag("no-recall", "only perplexity and kept fraction (faster)");
    }

    static int run(String[] argv, PrintStream out, PrintStream err) throws IOException {
        CliArgs args = args().parse(argv);
        if (args.has("help")) {
            out.println("usage: shadowattn recall --file TEXT [options]\n\n" + args.help());
            return 0;
        }
        Path file = Path.of(args.get("file").orElseThrow(() -> new CliArgs.UsageException("recall needs --file TEXT")));
        if (!Files.isRegularFile(file)) {
            throw new CliArgs.UsageException("--file " + file + ": no such file");
        }
        int ctx = args.getInt("ctx-size", 1024);
        int chunks = args.getInt("chunks", 0);
        int threads = EngineOptions.threads(args);
        int chunk = args.getInt("chunk", Engine.DEFAULT_CHUNK);
        if (chunk < 1 || chunk > 4096) {
            throw new CliArgs.UsageException("--chunk must be between 1 and 4096, got " + chunk);
        }
        String text = Files.readString(file, StandardCharsets.UTF_8);
        try (Model model = Model.load(EngineOptions.modelPath(args))) {
            int[] tokens = model.tokenizer().encode(text, true);
            AttentionOptions options = AttentionOptions.parse(args.all("backend-opt"))
                    .with(AttentionOptions.MODEL_PATH, model.path().toString())
                    .with(AttentionOptions.MODEL_NAME, model.config().name())
                    .with(AttentionOptions.THREADS, Integer.toString(threads));
            var geometry = Engine.geometry(model.config(), ctx);
            AttentionBackend inner = AttentionBackends.discover().select(args.get("backend").orElse(null))
                    .create(geometry, options);
            ObservingBackend backend = new ObservingBackend(inner);
            Engine engine;
            try {
                engine = new Engine(model, backend, ctx, threads, chunk);
            } catch (RuntimeException e) {
                backend.close();
                throw e;
            }
            try (engine) {
                err.printf("recall: %s, %d tokens, chunks of %d, backend %s, %d threads%n", file.getFileName(),
                        tokens.length, ctx, backend.describe(), threads);
                TopKRecall recall = args.has("no-recall") ? null : new TopKRecall(geometry);
                SparseEvaluation.Report r = SparseEvaluation.run(engine, backend, tokens, ctx, chunks, recall,
                        err::println);
                out.printf(Locale.ROOT, "perplexity %.4f over %d chunks of %d tokens (%d scored), kept %.4f of the "
                        + "visible keys, %.1f s (%.1f s CPU)%n", r.perplexity(), r.chunks(), ctx, r.scored(),
                        r.keptFraction(), r.seconds(), r.cpuSeconds());
                if (recall != null && recall.selections() > 0) {
                    StringBuilder layers = new StringBuilder();
                    for (double x : recall.layerRecall()) {
                        layers.append(String.format(Locale.ROOT, " %.4f", x));
                    }
                    out.printf(Locale.ROOT, "top-k recall %.4f, attention mass kept %.4f, over %d selections; per "
                            + "layer:%s%n", recall.recall(), recall.mass(), recall.selections(), layers);
                } else if (recall != null) {
                    out.println("top-k recall: the backend reported no selection (dense?)");
                }
            }
        }
        return 0;
    }
}
