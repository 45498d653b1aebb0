package dev.shadowattn.bench.pipeline;

import dev.shadowattn.api.AttentionGeometry;
import dev.shadowattn.api.AttentionOptions;
import dev.shadowattn.api.AttentionSession;
import dev.shadowattn.api.AttentionStats;
import dev.shadowattn.plugin.ShadowAttnBackend;
import dev.shadowattn.plugin.ShadowAttnProvider;
import dev.shadowattn.plugin.pipeline.HeadPipeline;
import dev.shadowattn.plugin.profile.ModelProfile;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * Makespan and idle (bubble) time of one layer's attention call, sequential against the FIFO and greedy head
 * pipelines, at several contexts, for a prefill chunk and for decode. Geometry of Llama-3-8B (32 query heads, 8 KV
 * heads, head dim 128), random K/V, the paper's shape ({@code mode=faithful}: INT8 scores of every key, per-head
 * top-k, single keys), per-head keep ratios from 0.05 to 0.6 (mean 0.2) as a calibrated profile gives. All variants
 * run interleaved, round after round, so a busy machine slows them alike; medians are reported.
 *
 * <p>Run: {@code java --add-modules jdk.incubator.vector -cp benchmarks/target/benchmarks.jar
 * dev.shadowattn.bench.pipeline.PipelineReport [contexts=4096,16384] [rounds=7] [cpu-threads=1] [qnn=LIBRARY]}; {@code qnn=} scores with the QNN device on that backend library (e.g. the
 * reference library the plugin's tests build, shadowattn-plugin/target/native/libqnnref.so), with static scales.
 */
public final class PipelineReport {

    private static final int LAYERS = 1;
    private static final int QH = 32;
    private static final int KVH = 8;
    private static final int D = 128;
    private static final int CHUNK = 128;

    private record Variant(String name, String options) {
    }

    private record Sample(double wallMs, double scorerIdleMs, double cpuIdleMs) {
    }

    public static void main(String[] args) {
        int[] contexts = {4096, 16384};
        int rounds = 7;
        int cpuThreads = 1;
        String qnn = null;
        for (String a : args) {
            String[] kv = a.split("=", 2);
            switch (kv[0]) {
                case "contexts" -> contexts = java.util.Arrays.stream(kv[1].split(",")).mapToInt(Integer::parseInt)
                        .toArray();
                case "rounds" -> rounds = Integer.parseInt(kv[1]);
                case "cpu-threads" -> cpuThreads = Integer.parseInt(kv[1]);
                case "qnn" -> qnn = kv[1];
                default -> throw new IllegalArgumentException("unknown argument " + a
                        + " (contexts=, rounds=, cpu-threads=, qnn=)");
            }
        }
        String base = qnn == null ? "mode=faithful,scorer=cpu"
                : "mode=faithful,scales=static,scorer=qnn,qnn.library=" + qnn;
        List<Variant> variants = List.of(
                new Variant("sequential threads=1", base + ",threads=1"),
                new Variant("sequential threads=" + (cpuThreads + 1), base + ",threads=" + (cpuThreads + 1)),
                new Variant("fifo cpu-threads=" + cpuThreads, base + ",pipeline=fifo,cpu-threads=" + cpuThreads),
                new Variant("greedy cpu-threads=" + cpuThreads, base + ",pipeline=greedy,cpu-threads=" + cpuThreads));
        System.out.printf(Locale.ROOT, "# %s, load %s, %d processors, rounds %d, %s%n", java.time.Instant.now(),
                loadAverage(), Runtime.getRuntime().availableProcessors(), rounds, base);
        System.out.println("| context | call | variant | makespan ms | scorer idle ms | CPU idle ms |");
        System.out.println("|---|---|---|---|---|---|");
        for (int ctx : contexts) {
            AttentionGeometry g = new AttentionGeometry(LAYERS, QH, KVH, D, ctx);
            ModelProfile profile = new ModelProfile(ratios(), qnn == null ? null : scales(QH, 4f),
                    qnn == null ? null : scales(KVH, 4f), "bench ratios");
            float[] k = random(ctx * KVH * D, 1);
            float[] v = random(ctx * KVH * D, 2);
            float[] q = random(CHUNK * QH * D, 3);
            float[] out = new float[CHUNK * QH * D];
            for (int rows : new int[]{CHUNK, 1}) {
                List<List<Sample>> samples = new ArrayList<>();
                List<ShadowAttnBackend> backends = new ArrayList<>();
                List<AttentionSession> sessions = new ArrayList<>();
                for (Variant var : variants) {
                    ShadowAttnBackend b = ShadowAttnProvider.create(g, AttentionOptions.parse(
                            List.of(var.options().split(","))), profile);
                    AttentionSession s = b.openSession();
                    s.append(0, 0, ctx - rows, k, 0, v, 0);
                    backends.add(b);
                    sessions.add(s);
                    samples.add(new ArrayList<>());
                }
                // Round 0 warms up and profiles the stage costs; it is not reported.
                for (int r = 0; r <= rounds; r++) {
                    for (int i = 0; i < variants.size(); i++) {
                        Sample smp = call(backends.get(i), sessions.get(i), ctx, rows, k, v, q, out);
                        if (r > 0) {
                            samples.get(i).add(smp);
                        }
                    }
                }
                for (int i = 0; i < variants.size(); i++) {
                    Sample m = median(samples.get(i));
                    System.out.printf(Locale.ROOT, "| %d | %s | %s | %.2f | %s | %s |%n", ctx,
                            rows == 1 ? "decode" : "prefill " + rows, variants.get(i).name(), m.wallMs(),
                            Double.isNaN(m.scorerIdleMs()) ? "-" : String.format(Locale.ROOT, "%.2f", m.scorerIdleMs()),
                            Double.isNaN(m.cpuIdleMs()) ? "-" : String.format(Locale.ROOT, "%.2f", m.cpuIdleMs()));
                    sessions.get(i).close();
                    backends.get(i).close();
                }
            }
        }
    }

    private static Sample call(ShadowAttnBackend b, AttentionSession s, int ctx, int rows, float[] k, float[] v,
                               float[] q, float[] out) {
        int pos = ctx - rows;
        s.truncate(pos);
        s.append(0, pos, rows, k, pos * KVH * D, v, pos * KVH * D);
        HeadPipeline p = b.plan().pipeline();
        if (p != null) {
            p.resetTotals();
        }
        long t0 = System.nanoTime();
        s.attend(0, pos, rows, q, 0, out, 0);
        long wall = System.nanoTime() - t0;
        if (p == null) {
            return new Sample(wall / 1e6, Double.NaN, Double.NaN);
        }
        HeadPipeline.Totals t = p.totals();
        return new Sample(t.wallNanos() / 1e6, (t.wallNanos() - t.scorerBusyNanos()) / 1e6,
                ((double) p.cpuThreads() * t.wallNanos() - t.cpuBusyNanos()) / 1e6);
    }

    /** Per-head ratios 0.05 to 0.6 with mean 0.2, differing between KV heads (as calibrated profiles do). */
    private static double[][] ratios() {
        double[] perKv = {0.05, 0.6, 0.1, 0.3, 0.05, 0.25, 0.1, 0.15};
        double[][] r = new double[LAYERS][QH];
        for (int h = 0; h < QH; h++) {
            r[0][h] = perKv[h / (QH / KVH)];
        }
        return r;
    }

    /** Static INT8 scales of one layer: random data of unit variance stays within {@code range}. */
    private static float[][] scales(int heads, float range) {
        float[][] s = new float[LAYERS][heads];
        for (float[] row : s) {
            java.util.Arrays.fill(row, range / 127f);
        }
        return s;
    }

    private static Sample median(List<Sample> xs) {
        return new Sample(median(xs, 0), median(xs, 1), median(xs, 2));
    }

    private static double median(List<Sample> xs, int field) {
        double[] a = xs.stream().mapToDouble(s -> switch (field) {
            case 0 -> s.wallMs();
            case 1 -> s.scorerIdleMs();
            default -> s.cpuIdleMs();
        }).sorted().toArray();
        return a[a.length / 2];
    }

    private static float[] random(int n, long seed) {
        Random rnd = new Random(seed);
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) rnd.nextGaussian();
        }
        return a;
    }

    private static String loadAverage() {
        try {
            return java.nio.file.Files.readString(java.nio.file.Path.of("/proc/loadavg")).trim();
        } catch (java.io.IOException e) {
            return "unknown";
        }
    }
}
