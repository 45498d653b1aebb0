package dev.shadowattn.host.cli;

import dev.shadowattn.api.AttentionStats;
import dev.shadowattn.gguf.model.Model;
import dev.shadowattn.gguf.tokenizer.Tokenizer;
import dev.shadowattn.host.engine.Engine;
import dev.shadowattn.host.engine.Sampler;
import dev.shadowattn.host.engine.Sequence;

import java.io.PrintStream;

/** {@code generate}: continue a prompt, streaming tokens as they are sampled. */
final class GenerateCommand {

    private GenerateCommand() {
    }

    static CliArgs args() {
        return EngineOptions.declare(new CliArgs("generate"))
                .option("prompt", "-p", "text", "the prompt (default: a line of Persuasion)")
                .option("max-tokens", "-n", "n", "tokens to generate (default 128)")
                .option("temperature", "--temp", "t", "sampling temperature, 0 = greedy (default 0.8)")
                .option("top-p", "p", "nucleus sampling mass (default 0.95)")
                .option("seed", "s", "random seed (default 42)")
                .option("ctx-size", "-c", "n", "context size (default: the model's)");
    }

    static int run(String[] argv, PrintStream out, PrintStream err) {
        CliArgs args = args().parse(argv);
        if (args.has("help")) {
            out.println("usage: shadowattn generate [options]\n\n" + args.help());
            return 0;
        }
        String prompt = args.get("prompt", "Sir Walter Elliot, of Kellynch Hall, in Somersetshire, was a man who");
        int maxTokens = args.getInt("max-tokens", 128);
        if (maxTokens < 0) {
            throw new CliArgs.UsageException("--max-tokens must be >= 0, got " + maxTokens);
        }
        Sampler sampler = new Sampler(args.getFloat("temperature", 0.8f), args.getFloat("top-p", 0.95f), args.getLong("seed", 42));
        try (Model model = Model.load(EngineOptions.modelPath(args))) {
            int ctx = args.getInt("ctx-size", model.config().contextLength());
            Tokenizer tok = model.tokenizer();
            int[] promptTokens = tok.encode(prompt, tok.addBosToken());
            if (promptTokens.length + maxTokens > ctx) {
                throw new CliArgs.UsageException("the prompt (" + promptTokens.length + " tokens) plus --max-tokens "
                        + maxTokens + " exceeds the context of " + ctx + " (raise --ctx-size or lower --max-tokens)");
            }
            try (Engine engine = EngineOptions.engine(args, model, ctx, err); Sequence seq = engine.newSequence()) {
                err.printf("model %s, backend %s, %d threads, kernels %s%n", model.config().name(),
                        engine.backend().describe(), engine.threads(), engine.kernels().name());
                out.print(prompt);
                out.flush();
                long t0 = System.nanoTime();
                float[] logits = seq.ingest(promptTokens);
                long t1 = System.nanoTime();
                var decoder = tok.streamingDecoder(promptTokens[promptTokens.length - 1]);
                int generated = 0;
                for (; generated < maxTokens; generated++) {
                    int next = sampler.sample(logits);
                    if (next == tok.eos()) {
                        break;
                    }
                    out.print(decoder.accept(next));
                    out.flush();
                    if (generated + 1 < maxTokens) {
                        logits = seq.ingest(new int[]{next});
                    }
                }
                out.print(decoder.flush());
                out.println();
                long t2 = System.nanoTime();
                AttentionStats st = seq.attention().stats();
                err.printf("prompt %d tokens in %.2f s (%.1f tokens/s); generated %d tokens in %.2f s (%.1f tokens/s); keys kept %.1f%%%n",
                        promptTokens.length, (t1 - t0) / 1e9, promptTokens.length / ((t1 - t0) / 1e9),
                        generated, (t2 - t1) / 1e9, generated / Math.max(1e-9, (t2 - t1) / 1e9), 100 * st.keptFraction());
            }
        }
        return 0;
    }
}
