package dev.shadowattn.host.calibrate;

import dev.shadowattn.api.AttentionStats;
import dev.shadowattn.host.engine.Engine;
import dev.shadowattn.host.engine.Sequence;
import dev.shadowattn.host.eval.Perplexity;

import java.util.function.Consumer;

/**
 * Perplexity by llama.cpp's procedure (as {@link Perplexity}) together with what a sparse backend did meanwhile:
 * the fraction of visible keys it attended to (its {@link AttentionStats}) and, optionally, the {@link TopKRecall}
 * of its selections. The engine's backend must be an {@link ObservingBackend} for recall.
 */
public final class SparseEvaluation {

    /**
     * @param perplexity   {@code exp(mean NLL)} over the scored tokens
     * @param keptFraction kept keys / visible keys, over every query head and row (1 for dense)
     * @param recall       the selections' recall, or null when not measured
     */
    public record Report(double perplexity, long scored, int chunks, double keptFraction, TopKRecall recall,
                         double seconds, double cpuSeconds) {
    }

    private SparseEvaluation() {
    }

    /**
     * @param recall   measures recall when non-null (observed through {@code backend})
     * @param progress one line per chunk (may be null)
     */
    public static Report run(Engine engine, ObservingBackend backend, int[] tokens, int ctx, int maxChunks,
                             TopKRecall recall, Consumer<String> progress) {
        if (ctx < 4 || ctx > engine.contextSize()) {
            throw new IllegalArgumentException("context " + ctx + " must be in [4, " + engine.contextSize() + "]");
        }
        int available = tokens.length / ctx;
        if (available == 0) {
            throw new IllegalArgumentException("the text has " + tokens.length + " tokens, fewer than one chunk of "
                    + ctx);
        }
        int chunks = maxChunks > 0 ? Math.min(maxChunks, available) : available;
        int vocab = engine.config().vocabularySize();
        int bos = engine.model().tokenizer().bos();
        long t0 = System.nanoTime();
        long c0 = CpuClock.processNanos();
        double[] nll = new double[1];
        long count = 0;
        AttentionStats stats = AttentionStats.NONE;
        int[] chunk = new int[ctx];
        backend.setObserver(recall);
        try {
            for (int c = 0; c < chunks; c++) {
                System.arraycopy(tokens, c * ctx, chunk, 0, ctx);
                chunk[0] = bos;
                try (Sequence seq = engine.newSequence()) {
                    seq.attention().setSelectionListener(recall);
                    seq.evaluate(chunk, 0, ctx, ctx / 2, (j, logits, off) -> {
                        if (j < ctx - 1) {
                            nll[0] -= Perplexity.logSoftmaxAt(logits, off, vocab, chunk[j + 1]);
                        }
                    });
                    stats = stats.plus(seq.attention().stats());
                }
                count += ctx - 1 - ctx / 2;
                if (progress != null) {
                    progress.accept(String.format(java.util.Locale.ROOT, "[%d/%d] perplexity %.4f, kept %.4f%s",
                            c + 1, chunks, Math.exp(nll[0] / count), stats.keptFraction(),
                            recall != null ? String.format(java.util.Locale.ROOT, ", recall %.4f", recall.recall())
                                    : ""));
                }
            }
        } finally {
            backend.setObserver(null);
        }
        return new Report(Math.exp(nll[0] / count), count, chunks, stats.keptFraction(), recall,
                (System.nanoTime() - t0) / 1e9, (CpuClock.processNanos() - c0) / 1e9);
    }
}
