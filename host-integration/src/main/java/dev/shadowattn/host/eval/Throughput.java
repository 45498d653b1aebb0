package dev.shadowattn.host.eval;

import dev.shadowattn.host.engine.Engine;
import dev.shadowattn.host.engine.Sequence;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Timed pieces of a throughput measurement shared by {@code bench} and {@code compare}: a prompt evaluated as one
 * chunked prefill, tokens fed one at a time as decode steps (each computing its logits, as generation does), a JIT
 * warm-up, and the median of repeated runs.
 */
public final class Throughput {

    private Throughput() {
    }

    /** Seconds to evaluate {@code tokens} as one prompt on {@code seq} (prefill in the engine's chunks). */
    public static double prefill(Sequence seq, int[] tokens) {
        long t0 = System.nanoTime();
        seq.ingest(tokens);
        return (System.nanoTime() - t0) / 1e9;
    }

    /** Seconds to feed {@code tokens} to {@code seq} one at a time (decode steps, logits after each). */
    public static double decode(Sequence seq, int[] tokens) {
        int[] one = new int[1];
        long t0 = System.nanoTime();
        for (int token : tokens) {
            one[0] = token;
            seq.ingest(one);
        }
        return (System.nanoTime() - t0) / 1e9;
    }

    /** Runs prefill and decode a few times so the JIT has compiled both paths before anything is timed. */
    public static void warmUp(Engine engine) {
        SplittableRandom random = new SplittableRandom(99);
        int vocab = engine.config().vocabularySize();
        int prompt = Math.max(1, Math.min(256, engine.contextSize() / 2));
        int steps = Math.min(32, engine.contextSize() - prompt);
        for (int round = 0; round < 3; round++) {
            try (Sequence seq = engine.newSequence()) {
                prefill(seq, random.ints(prompt, 0, vocab).toArray());
                decode(seq, random.ints(steps, 0, vocab).toArray());
            }
        }
    }

    /** The median of {@code v} (the mean of the middle two for an even count); NaN for none. */
    public static double median(double[] v) {
        if (v.length == 0) {
            return Double.NaN;
        }
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }
}
