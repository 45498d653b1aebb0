package dev.shadowattn.host.eval;

import dev.shadowattn.host.engine.Engine;
import dev.shadowattn.host.engine.Sequence;

import java.util.function.Consumer;

/**
 * Perplexity by the procedure of llama.cpp's {@code llama-perplexity}: the tokenized text (with BOS when the model
 * asks for it, see {@link #tokenize}) is cut into chunks of {@code ctx} tokens; the first token of each chunk is
 * replaced by BOS when the model uses BOS (Qwen does not); each chunk is evaluated from an
 * empty cache and only the second half is scored: for {@code j} in {@code [ctx/2, ctx-1)}, the negative
 * log-likelihood of token {@code j+1} given the logits at {@code j}.
 */
public final class Perplexity {

    /** Progress after each chunk. */
    public record Progress(int chunk, int chunks, double perplexity, double tokensPerSecond) {
    }

    /** The result: {@code exp(nll / count)}, and per-chunk running values. */
    public record Result(double perplexity, double nll, long count, int chunks, double[] runningPerplexity,
                         double seconds) {
    }

    private Perplexity() {
    }

    public static Result compute(Engine engine, int[] tokens, int ctx, int maxChunks, Consumer<Progress> progress) {
        if (ctx < 4) {
            throw new IllegalArgumentException("perplexity context must be >= 4, got " + ctx);
        }
        if (ctx > engine.contextSize()) {
            throw new IllegalArgumentException("perplexity context " + ctx + " exceeds the engine context " + engine.contextSize());
        }
        int available = tokens.length / ctx;
        if (available == 0) {
            throw new IllegalArgumentException("the text has " + tokens.length + " tokens, fewer than one chunk of " + ctx);
        }
        int chunks = maxChunks > 0 ? Math.min(maxChunks, available) : available;
        var tokenizer = engine.model().tokenizer();
        int bos = tokenizer.addBosToken() ? tokenizer.bos() : -1;
        int first = ctx / 2;
        double[] nll = new double[1];
        long[] count = new long[1];
        double[] running = new double[chunks];
        long t0 = System.nanoTime();
        int[] chunk = new int[ctx];
        for (int c = 0; c < chunks; c++) {
            System.arraycopy(tokens, c * ctx, chunk, 0, ctx);
            if (bos >= 0) {
                chunk[0] = bos;
            }
            try (Sequence seq = engine.newSequence()) {
                seq.evaluate(chunk, 0, ctx, first, (j, logits, off) -> {
                    if (j >= ctx - 1) {
                        return;
                    }
                    int target = chunk[j + 1];
                    nll[0] += -logSoftmaxAt(logits, off, engine.config().vocabularySize(), target);
                    count[0]++;
                });
            }
            running[c] = Math.exp(nll[0] / count[0]);
            if (progress != null) {
                double secs = (System.nanoTime() - t0) / 1e9;
                progress.accept(new Progress(c + 1, chunks, running[c], (c + 1) * (double) ctx / secs));
            }
        }
        return new Result(Math.exp(nll[0] / count[0]), nll[0], count[0], chunks, running, (System.nanoTime() - t0) / 1e9);
    }

    /** The tokens of a text to score: BOS first exactly when the model's tokenizer asks for it, as llama.cpp does. */
    public static int[] tokenize(dev.shadowattn.gguf.tokenizer.Tokenizer tokenizer, String text) {
        return tokenizer.encode(text, tokenizer.addBosToken());
    }

    /** log softmax(logits)[target], computed stably in double. */
    public static double logSoftmaxAt(float[] logits, int off, int n, int target) {
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            max = Math.max(max, logits[off + i]);
        }
        double sum = 0;
        for (int i = 0; i < n; i++) {
            sum += Math.exp(logits[off + i] - max);
        }
        return logits[off + target] - max - Math.log(sum);
    }
}
