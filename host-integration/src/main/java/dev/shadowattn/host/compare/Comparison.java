package dev.shadowattn.host.compare;

import dev.shadowattn.api.AttentionStats;
import dev.shadowattn.host.engine.Engine;
import dev.shadowattn.host.engine.Sequence;
import dev.shadowattn.host.eval.Perplexity;
import dev.shadowattn.host.eval.Throughput;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Runs the same prompt through several attention configurations at a series of context lengths, in one process.
 *
 * <p>First each configuration is warmed up (JIT) and runs the first shape once untimed. At each context length
 * {@code C}, each repetition runs every configuration once, in alternating order
 * (forward on even repetitions, backward on odd ones) so that a slow spell of a shared machine hits all of them
 * alike; each run is a fresh sequence: a timed prefill of the first {@code C - G} prompt tokens, then {@code G}
 * timed decode steps. Figures are medians over the repetitions. Then, if a text is given, each configuration's
 * perplexity over chunks of {@code C} tokens (llama.cpp procedure, {@link Perplexity}).
 */
public final class Comparison {

    /** One configuration under comparison, with an engine whose backend is a {@link TimedBackend}. */
    public record Arm(CompareConfig config, Engine engine) {
        public Arm {
            Objects.requireNonNull(config, "config");
            if (!(engine.backend() instanceof TimedBackend)) {
                throw new IllegalArgumentException("configuration '" + config.label()
                        + "': the engine's backend must be a TimedBackend to measure attention's share");
            }
        }
    }

    /**
     * @param contexts         context lengths, ascending, each above {@code decodeTokens} and at most the engines'
     *                         context size
     * @param decodeTokens     timed decode steps at the end of each context ({@code G})
     * @param repetitions      timed runs per configuration and context
     * @param prompt           at least {@code max(contexts)} token ids: the sequence every configuration evaluates
     * @param text             tokenized text for perplexity, or {@code null} for none
     * @param perplexityChunks chunks per context (0: no perplexity)
     */
    public record Settings(int[] contexts, int decodeTokens, int repetitions, int[] prompt, int[] text,
                           int perplexityChunks) {
        public Settings {
            if (contexts.length == 0) {
                throw new IllegalArgumentException("no context lengths to compare");
            }
            if (decodeTokens < 1 || repetitions < 1 || perplexityChunks < 0) {
                throw new IllegalArgumentException("decode tokens and repetitions must be >= 1, perplexity chunks >= 0");
            }
            for (int i = 0; i < contexts.length; i++) {
                if (contexts[i] <= decodeTokens) {
                    throw new IllegalArgumentException("context " + contexts[i] + " must exceed the "
                            + decodeTokens + " decode tokens");
                }
                if (i > 0 && contexts[i] <= contexts[i - 1]) {
                    throw new IllegalArgumentException("context lengths must be ascending and distinct: "
                            + Arrays.toString(contexts));
                }
            }
            if (prompt.length < contexts[contexts.length - 1]) {
                throw new IllegalArgumentException("the prompt has " + prompt.length + " tokens, fewer than the "
                        + "largest context " + contexts[contexts.length - 1]);
            }
            contexts = contexts.clone();
        }

        int maxContext() {
            return contexts[contexts.length - 1];
        }

        boolean perplexity() {
            return text != null && perplexityChunks > 0;
        }
    }

    /** One timed run. */
    private record Sample(double prefillSeconds, double decodeSeconds, double prefillCpuSeconds,
                          double decodeCpuSeconds, double prefillShare, double decodeShare, AttentionStats prefill,
                          AttentionStats decode, long cacheBytes) {
    }

    private Comparison() {
    }

    /**
     * Measures every arm at every context; returns the measurements ordered by context, then by arm.
     *
     * @param progress receives one line per finished step
     */
    public static List<Measurement> run(List<Arm> arms, Settings s, Consumer<String> progress) {
        if (arms.isEmpty()) {
            throw new IllegalArgumentException("no configurations to compare");
        }
        for (Arm a : arms) {
            if (a.engine().contextSize() < s.maxContext()) {
                throw new IllegalArgumentException("configuration '" + a.config().label() + "': engine context "
                        + a.engine().contextSize() + " < largest context " + s.maxContext());
            }
        }
        int steps = s.contexts().length * arms.size() * (s.repetitions() + (s.perplexity() ? 1 : 0));
        double total = 0;
        for (int c : s.contexts()) {
            total += arms.size() * (s.repetitions() * weight(c) + (s.perplexity() ? s.perplexityChunks() * weight(c) : 0));
        }
        int c0 = s.contexts()[0];
        for (Arm a : arms) {
            // JIT warm-up, then one untimed run of the first shape: both paths compiled before anything is timed
            Throughput.warmUp(a.engine());
            runOnce(a.engine(), Arrays.copyOfRange(s.prompt(), 0, c0 - s.decodeTokens()),
                    Arrays.copyOfRange(s.prompt(), c0 - s.decodeTokens(), c0));
        }
        progress.accept("warmed up " + arms.size() + " configuration(s); timing " + s.repetitions()
                + " interleaved run(s) per context");
        ProgressMeter meter = new ProgressMeter(steps, total, progress); // after the warm-up: estimates from timed work
        List<Measurement> out = new ArrayList<>();
        for (int c : s.contexts()) {
            int p = c - s.decodeTokens();
            int[] prompt = Arrays.copyOfRange(s.prompt(), 0, p);
            int[] decodeSteps = Arrays.copyOfRange(s.prompt(), p, c);
            Sample[][] samples = new Sample[arms.size()][s.repetitions()];
            for (int r = 0; r < s.repetitions(); r++) {
                for (int i = 0; i < arms.size(); i++) {
                    int a = r % 2 == 0 ? i : arms.size() - 1 - i;
                    Sample x = runOnce(arms.get(a).engine(), prompt, decodeSteps);
                    samples[a][r] = x;
                    int threads = arms.get(a).engine().threads();
                    meter.step(weight(c), String.format(Locale.ROOT,
                            "context %d, run %d/%d, %s: prefill %.1f tokens/s (%.1f by CPU time), decode %.1f "
                                    + "tokens/s (%.1f)", c, r + 1, s.repetitions(), arms.get(a).config().label(),
                            p / x.prefillSeconds(), p * threads / x.prefillCpuSeconds(),
                            s.decodeTokens() / x.decodeSeconds(), s.decodeTokens() * threads / x.decodeCpuSeconds()));
                }
            }
            List<Measurement> atC = new ArrayList<>();
            for (int a = 0; a < arms.size(); a++) {
                atC.add(summarize(c, p, s.decodeTokens(), arms.get(a), samples[a]));
            }
            if (s.perplexity()) {
                atC = withPerplexity(arms, s, c, atC, meter);
            }
            out.addAll(atC);
        }
        return out;
    }

    /** Expected cost of a run at context {@code c}: linear work plus attention's quadratic part (heuristic). */
    private static double weight(int c) {
        return c * (1.0 + c / 8192.0);
    }

    private static Sample runOnce(Engine engine, int[] prompt, int[] steps) {
        try (Sequence seq = engine.newSequence()) {
            TimedSession timed = (TimedSession) seq.attention();
            timed.resetTimes();
            timed.resetStats();
            ThreadCpu beforePrefill = ThreadCpu.now();
            double pp = Throughput.prefill(seq, prompt);
            long ppCpu = ThreadCpu.now().nanosSince(beforePrefill);
            long ppNanos = timed.nanos();
            AttentionStats ppStats = timed.stats();
            long bytes = timed.cacheBytes();
            timed.resetTimes();
            timed.resetStats();
            ThreadCpu beforeDecode = ThreadCpu.now();
            double tg = Throughput.decode(seq, steps);
            long tgCpu = ThreadCpu.now().nanosSince(beforeDecode);
            long tgNanos = timed.nanos();
            AttentionStats tgStats = timed.stats();
            bytes = Math.max(bytes, timed.cacheBytes());
            return new Sample(pp, tg, ppCpu >= 0 ? ppCpu / 1e9 : Double.NaN, tgCpu >= 0 ? tgCpu / 1e9 : Double.NaN,
                    ppNanos / 1e9 / pp, tgNanos / 1e9 / tg, ppStats, tgStats, bytes);
        }
    }

    private static Measurement summarize(int context, int promptTokens, int decodeTokens, Arm arm, Sample[] runs) {
        int n = runs.length;
        double[] pp = new double[n], tg = new double[n], ppCpu = new double[n], tgCpu = new double[n];
        double[] ppShare = new double[n], tgShare = new double[n];
        long bytes = 0;
        for (int r = 0; r < n; r++) {
            pp[r] = runs[r].prefillSeconds();
            tg[r] = runs[r].decodeSeconds();
            ppCpu[r] = runs[r].prefillCpuSeconds();
            tgCpu[r] = runs[r].decodeCpuSeconds();
            ppShare[r] = runs[r].prefillShare();
            tgShare[r] = runs[r].decodeShare();
            bytes = Math.max(bytes, runs[r].cacheBytes());
        }
        int threads = arm.engine().threads();
        Sample last = runs[n - 1];
        AttentionStats st = last.prefill();
        long parts = st.estimateNanos() + st.selectNanos() + st.attendNanos();
        double estimate = parts > 0 ? (double) st.estimateNanos() / parts : 0;
        double select = parts > 0 ? (double) st.selectNanos() / parts : 0;
        return new Measurement(context, arm.config().label(), promptTokens, decodeTokens,
                promptTokens / Throughput.median(pp), decodeTokens / Throughput.median(tg),
                promptTokens * threads / Throughput.median(ppCpu), decodeTokens * threads / Throughput.median(tgCpu),
                Throughput.median(ppShare), Throughput.median(tgShare),
                last.prefill().keptFraction(), last.decode().keptFraction(), estimate, select, bytes, pp, tg, ppCpu,
                tgCpu, Double.NaN, Double.NaN, 0);
    }

    private static List<Measurement> withPerplexity(List<Arm> arms, Settings s, int c, List<Measurement> atC,
                                                    ProgressMeter meter) {
        int available = s.text().length / c;
        List<Measurement> out = new ArrayList<>();
        double baseline = Double.NaN;
        for (int a = 0; a < arms.size(); a++) {
            Measurement m = atC.get(a);
            String label = arms.get(a).config().label();
            if (available == 0) {
                meter.step(s.perplexityChunks() * weight(c), String.format(Locale.ROOT,
                        "context %d, %s: no perplexity, the text has %d tokens, fewer than one chunk",
                        c, label, s.text().length));
                out.add(m);
                continue;
            }
            Perplexity.Result r = Perplexity.compute(arms.get(a).engine(), s.text(), c, s.perplexityChunks(), null);
            if (a == 0) {
                baseline = r.perplexity();
            }
            out.add(m.withPerplexity(r.perplexity(), r.perplexity() - baseline, r.chunks()));
            meter.step(s.perplexityChunks() * weight(c), String.format(Locale.ROOT,
                    "context %d, %s: perplexity %.4f over %d chunk(s)", c, label, r.perplexity(), r.chunks()));
        }
        return out;
    }
}
