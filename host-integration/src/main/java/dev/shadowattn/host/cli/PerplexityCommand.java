package dev.shadowattn.host.cli;

import dev.shadowattn.gguf.model.Model;
import dev.shadowattn.host.engine.Engine;
import dev.shadowattn.host.eval.Perplexity;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** {@code perplexity}: llama.cpp's perplexity procedure over a text file. */
final class PerplexityCommand {

    private PerplexityCommand() {
    }

    static CliArgs args() {
        return EngineOptions.declare(new CliArgs("perplexity"))
                .option("file", "-f", "text-file", "text to score (required)")
                .option("ctx-size", "-c", "n", "tokens per chunk (default 1024)")
                .option("chunks", "n", "chunks to score (default: all)");
    }

    static int run(String[] argv, PrintStream out, PrintStream err) throws IOException {
        CliArgs args = args().parse(argv);
        if (args.has("help")) {
            out.println("usage: shadowattn perplexity --file TEXT [options]\n\n" + args.help());
            return 0;
        }
        Path file = Path.of(args.get("file").orElseThrow(() -> new CliArgs.UsageException("perplexity needs --file TEXT")));
        if (!Files.isRegularFile(file)) {
            throw new CliArgs.UsageException("--file " + file + ": no such file");
        }
        int ctx = args.getInt("ctx-size", 1024);
        int chunks = args.getInt("chunks", 0);
        String text = Files.readString(file, StandardCharsets.UTF_8);
        try (Model model = Model.load(EngineOptions.modelPath(args))) {
            int[] tokens = Perplexity.tokenize(model.tokenizer(), text);
            try (Engine engine = EngineOptions.engine(args, model, ctx, err)) {
                err.printf("perplexity: %s, %d tokens, chunks of %d, backend %s, %d threads%n",
                        file.getFileName(), tokens.length, ctx, engine.backend().describe(), engine.threads());
                Perplexity.Result r = Perplexity.compute(engine, tokens, ctx, chunks, p ->
                        err.printf("[%d/%d] perplexity %.4f (%.0f tokens/s)%n", p.chunk(), p.chunks(), p.perplexity(), p.tokensPerSecond()));
                out.printf("perplexity %.4f over %d chunks of %d tokens (%d scored), %.1f s%n",
                        r.perplexity(), r.chunks(), ctx, r.count(), r.seconds());
            }
        }
        return 0;
    }
}
