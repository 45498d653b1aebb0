package dev.shadowattn.host.calibrate;

import dev.shadowattn.api.AttentionBackend;
import dev.shadowattn.api.AttentionGeometry;
import dev.shadowattn.api.AttentionOptions;
import dev.shadowattn.gguf.model.Model;
import dev.shadowattn.gguf.model.ModelConfig;
import dev.shadowattn.host.backend.AttentionBackends;
import dev.shadowattn.host.engine.Engine;
import dev.shadowattn.host.engine.Sequence;
import dev.shadowattn.host.eval.Perplexity;

import java.util.function.Consumer;

/**
 * Offline calibration of a model for shadowAttn (../shared/docs/SHADOWATTN.md): per-head keep ratios from ablation
 * and per-head INT8 scales of Q and K, over windows of a calibration text, with exact (dense) attention.
 *
 * <ol>
 *   <li>Base pass: the mean loss of the windows; Q and K are observed through an {@link ObservingBackend} for the
 *       scale statistics.</li>
 *   <li>One pass per layer with that layer's attention ablated: layer importance = loss - base loss.</li>
 *   <li>One pass per query head with that head's attention ablated: head importance = loss - base loss.</li>
 *   <li>Ratios by {@link KeepRatios}, scale buckets by {@link ScaleBuckets}.</li>
 * </ol>
 * That is {@code 1 + layers + layers * heads} passes over the windows (57 for the house model). Ablation is zeroing
 * the attention output before the output projection ({@link Importance#ZERO}, the paper's) or making the attention
 * sparse at the probe ratio ({@link Importance#SPARSE}, through a {@link SparseProbeBackend}).
 */
public final class Calibration {

    /**
     * @param ratio        global keep ratio in (0, 1]
     * @param windows      number of windows
     * @param windowLength tokens per window
     * @param floor        least head weight as a fraction of the mean weight ({@link KeepRatios#weights})
     * @param importance   how a head's or layer's importance is measured
     * @param probeRatio   keep ratio of a head made sparse by {@link Importance#SPARSE}, in (0, 1]
     * @param allocation   how the ratios are derived
     */
    public record Settings(double ratio, int windows, int windowLength, double floor, Importance importance,
                           double probeRatio, Allocation allocation) {

        public static final double DEFAULT_RATIO = 0.20;
        public static final int DEFAULT_WINDOWS = 4;
        public static final int DEFAULT_WINDOW_LENGTH = 1024;
        public static final double DEFAULT_FLOOR = 0.10;
        public static final Importance DEFAULT_IMPORTANCE = Importance.ZERO;
        public static final Allocation DEFAULT_ALLOCATION = Allocation.MASS;

        public Settings {
            if (!(ratio > 0 && ratio <= 1)) {
                throw new IllegalArgumentException("--ratio " + ratio + " is outside (0, 1]");
            }
            if (windows < 1 || windows > 4096) {
                throw new IllegalArgumentException("--windows must be between 1 and 4096, got " + windows);
            }
            if (windowLength < 8 || windowLength > 1 << 20) {
                throw new IllegalArgumentException("--window-length must be between 8 and " + (1 << 20) + ", got "
                        + windowLength);
            }
            if (!(floor >= 0 && floor <= 1)) {
                throw new IllegalArgumentException("--floor " + floor + " is outside [0, 1]");
            }
            if (!(probeRatio > 0 && probeRatio <= 1)) {
                throw new IllegalArgumentException("--probe-ratio " + probeRatio + " is outside (0, 1]");
            }
            java.util.Objects.requireNonNull(importance, "importance");
            java.util.Objects.requireNonNull(allocation, "allocation");
            if (allocation == Allocation.MASS && ratio < AttentionMass.GRID[0]) {
                throw new IllegalArgumentException("--ratio " + ratio + " is below the smallest ratio of the mass "
                        + "allocation, " + AttentionMass.GRID[0]);
            }
        }
    }

    /**
     * One finished pass.
     *
     * @param index        1-based
     * @param label        what was zeroed ({@code base}, {@code layer 3}, {@code layer 3 head 5})
     * @param delta        loss minus the base loss (0 for the base pass)
     * @param elapsedNanos wall time since the start
     * @param cpuNanos     process CPU time since the start
     * @param etaNanos     estimated wall time left
     */
    public record Step(int index, int total, String label, double loss, double delta, long elapsedNanos,
                       long cpuNanos, long etaNanos) {
    }

    /**
     * @param geometry        the model's attention geometry
     * @param baseLoss        mean loss (nats per scored token) of the unmodified model
     * @param layerImportance loss increase per layer
     * @param headImportance  loss increase per layer and query head
     * @param weights         {@link KeepRatios#weights}
     * @param massCurves      kept attention mass per layer, query head and {@link AttentionMass#GRID} ratio
     * @param ratios          keep ratio per layer and query head, mean {@code settings.ratio()}
     * @param qScale          mean INT8 scale per layer and query head
     * @param kScale          mean INT8 scale per layer and KV head
     */
    public record Result(Settings settings, AttentionGeometry geometry, CalibrationWindows windows, double baseLoss,
                         double[] layerImportance, double[][] headImportance, double[][] weights,
                         double[][][] massCurves, double[][] ratios,
                         float[][] qScale, float[][] kScale, ScaleBuckets buckets, long nanos, long cpuNanos) {
    }

    private final Engine engine;
    private final ObservingBackend backend;
    private final SparseProbeBackend probe;
    private final CalibrationWindows windows;

    private Calibration(Engine engine, ObservingBackend backend, SparseProbeBackend probe,
                        CalibrationWindows windows) {
        this.engine = engine;
        this.backend = backend;
        this.probe = probe;
        this.windows = windows;
    }

    /**
     * Calibrates {@code model} on {@code text} with the {@code dense} backend found through the SPI.
     *
     * @param threads  engine and attention threads
     * @param progress receives each finished pass (may be null)
     */
    public static Result run(Model model, String text, Settings settings, int threads, Consumer<Step> progress) {
        int[] tokens = model.tokenizer().encode(text, true);
        CalibrationWindows windows = CalibrationWindows.evenlySpaced(tokens, settings.windows(),
                settings.windowLength(), model.tokenizer().bos());
        ModelConfig c = model.config();
        AttentionGeometry g = Engine.geometry(c, settings.windowLength());
        AttentionBackend dense = AttentionBackends.discover().select("dense").create(g,
                AttentionOptions.NONE.with(AttentionOptions.MODEL_PATH, model.path().toString())
                        .with(AttentionOptions.THREADS, Integer.toString(threads)));
        SparseProbeBackend probe = new SparseProbeBackend(dense);
        ObservingBackend observing = new ObservingBackend(probe);
        Engine engine;
        try {
            engine = new Engine(model, observing, settings.windowLength(), threads, Engine.DEFAULT_CHUNK);
        } catch (RuntimeException e) {
            observing.close();
            throw e;
        }
        try (engine) {
            return new Calibration(engine, observing, probe, windows).calibrate(settings, g, progress);
        }
    }

    private Result calibrate(Settings settings, AttentionGeometry g, Consumer<Step> progress) {
        int layers = g.layers();
        int heads = g.queryHeads();
        int total = 1 + layers + layers * heads;
        long t0 = System.nanoTime();
        long c0 = CpuClock.processNanos();
        Reporter report = new Reporter(total, t0, c0, progress);

        ScaleStatistics stats = new ScaleStatistics(g);
        AttentionMass mass = new AttentionMass(g);
        backend.setObserver(QkObserver.both(stats, mass));
        double base;
        try {
            base = loss(null, stats);
        } finally {
            backend.setObserver(null);
        }
        report.step("base", base, 0);

        double[] layerImp = new double[layers];
        for (int l = 0; l < layers; l++) {
            boolean[] all = new boolean[heads];
            java.util.Arrays.fill(all, true);
            double loss = ablated(settings, l, all);
            layerImp[l] = loss - base;
            report.step("layer " + l, loss, layerImp[l]);
        }
        double[][] headImp = new double[layers][heads];
        for (int l = 0; l < layers; l++) {
            for (int h = 0; h < heads; h++) {
                boolean[] one = new boolean[heads];
                one[h] = true;
                double loss = ablated(settings, l, one);
                headImp[l][h] = loss - base;
                report.step("layer " + l + " head " + h, loss, headImp[l][h]);
            }
        }
        double[][] weights = KeepRatios.weights(headImp, layerImp, settings.floor());
        double[][][] curves = mass.curves();
        double[][] ratios = switch (settings.allocation()) {
            case FORMULA -> KeepRatios.allocate(weights, settings.ratio());
            case MASS -> MassAllocation.allocate(AttentionMass.GRID, curves, settings.ratio());
        };
        float[][] qScale = stats.qScale();
        float[][] kScale = stats.kScale();
        return new Result(settings, g, windows, base, layerImp, headImp, weights, curves, ratios, qScale, kScale,
                ScaleBuckets.of(qScale, kScale), System.nanoTime() - t0, CpuClock.processNanos() - c0);
    }

    /** The loss with {@code heads} of {@code layer} zeroed or made sparse, as the settings say. */
    private double ablated(Settings settings, int layer, boolean[] heads) {
        return switch (settings.importance()) {
            case ZERO -> {
                boolean[][] zeroed = new boolean[engine.config().layers()][];
                zeroed[layer] = heads;
                yield loss(zeroed, null);
            }
            case SPARSE -> {
                probe.setProbe(layer, heads, settings.probeRatio());
                try {
                    yield loss(null, null);
                } finally {
                    probe.clearProbe();
                }
            }
        };
    }

    /** Mean negative log-likelihood over the scored rows of every window, with {@code zeroed} heads ablated. */
    private double loss(boolean[][] zeroed, ScaleStatistics stats) {
        int vocab = engine.config().vocabularySize();
        double[] nll = new double[1];
        long count = 0;
        for (int[] w : windows.windows()) {
            try (Sequence s = engine.newSequence()) {
                s.setZeroedHeads(zeroed);
                s.evaluate(w, 0, w.length, windows.firstScored(), (j, logits, off) -> {
                    if (j < w.length - 1) {
                        nll[0] -= Perplexity.logSoftmaxAt(logits, off, vocab, w[j + 1]);
                    }
                });
            }
            count += windows.scoredPerWindow();
            if (stats != null) {
                stats.endWindow();
            }
        }
        return nll[0] / count;
    }

    /** Turns finished passes into {@link Step}s with an estimate of the time left (passes cost the same). */
    private record Reporter(int total, long t0, long c0, Consumer<Step> progress, int[] done) {

        Reporter(int total, long t0, long c0, Consumer<Step> progress) {
            this(total, t0, c0, progress, new int[1]);
        }

        void step(String label, double loss, double delta) {
            int i = ++done[0];
            long elapsed = System.nanoTime() - t0;
            if (progress != null) {
                progress.accept(new Step(i, total, label, loss, delta, elapsed, CpuClock.processNanos() - c0,
                        elapsed / i * (total - i)));
            }
        }
    }
}
