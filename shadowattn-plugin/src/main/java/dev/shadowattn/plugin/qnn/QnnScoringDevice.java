package dev.shadowattn.plugin.qnn;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;

import dev.shadowattn.plugin.cache.KeyLayout;
import dev.shadowattn.plugin.scoring.ScoreRequest;
import dev.shadowattn.plugin.scoring.ScoringDevice;
import dev.shadowattn.plugin.scoring.ShadowKeys;
import java.io.PrintStream;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The shadowAttn scoring device on a QNN backend (the Hexagon NPU through libQnnHtp.so on a Snapdragon device): INT8
 * {@code Q·K^T} runs as static MatMul graphs of a {@link QnnScorer}, with static scales snapped to the 3x3 grid.
 *
 * <p>A request's heads are split into runs of consecutive heads that read the same KV head and share a scale bucket
 * (the static Q scale of the head and the KV head's K scale). A run is one unit whose heads are stacked as query
 * rows against the run's K; runs with the same bucket and length are fused into one launch (the batch dimension).
 * Scores come back in real units: {@code fma(level * outputStep, qScale * kScale, qBias)}, which equals the CPU
 * device's {@code fma(dot, qScale * kScale, qBias)} whenever the requantization is lossless (step 1, no
 * saturation).
 *
 * <p>Thread-safe (graphs are locked per launch). {@link #close} saves new graphs to the context-binary cache, then
 * frees the graphs, contexts and backend.
 */
public final class QnnScoringDevice implements ScoringDevice {

    private final QnnRuntime runtime;
    private final QnnGraphManager graphs;
    private final QnnScorer scorer;
    private final QnnDeviceOptions options;
    private final PrintStream notices;
    private final ConcurrentHashMap<List<Float>, Double> steps = new ConcurrentHashMap<>();

    /** Takes ownership of {@code graphs} and its runtime. */
    public QnnScoringDevice(QnnGraphManager graphs, QnnScorer.Config config, QnnDeviceOptions options,
                            PrintStream notices) {
        this.runtime = graphs.runtime();
        this.graphs = graphs;
        this.scorer = new QnnScorer(graphs, config);
        this.options = options;
        this.notices = notices;
    }

    /**
     * Opens the backend library of {@code options}, restores cached graphs of {@code profileId}, and reports cache
     * problems to {@code notices}.
     *
     * @throws QnnLibraryException or {@link QnnException} if the backend cannot be opened
     */
    public static QnnScoringDevice open(QnnDeviceOptions options, String profileId, PrintStream notices) {
        if (options.library() == null) {
            throw new IllegalArgumentException("the QNN scorer needs backend option qnn.library=PATH (e.g. "
                    + "libQnnHtp.so on a Snapdragon device)");
        }
        QnnScorer.Config defaults = QnnScorer.Config.defaults();
        QnnScorer.Config config = new QnnScorer.Config(defaults.rowBuckets(), defaults.keyBuckets(),
                defaults.fusedHeads(), options.input(), options.output());
        QnnRuntime rt = QnnRuntime.open(new QnnRuntime.Options(options.library(), options.minCoreMinor(), -1, true, 0));
        try {
            QnnGraphManager gm = new QnnGraphManager(rt, new QnnGraphManager.Options(options.cacheDir(), profileId));
            rt.notices().forEach(n -> notices.println("shadowattn: QNN: " + n));
            gm.notices().forEach(n -> notices.println("shadowattn: " + n));
            return new QnnScoringDevice(gm, config, options, notices);
        } catch (RuntimeException | Error e) {
            rt.close();
            throw e;
        }
    }

    @Override
    public String name() {
        return switch (runtime.provider().backendId()) {
            case QnnProvider.BACKEND_HTP -> "qnn-htp";
            case QnnProvider.BACKEND_CPU -> "qnn-cpu";
            default -> "qnn-" + runtime.provider().backendId();
        };
    }

    @Override
    public boolean requiresStaticScales() {
        return true;
    }

    /** The largest row bucket: the prefill chunk a graph is built for. */
    @Override
    public int preferredRows() {
        int[] rows = scorer.config().rowBuckets();
        return rows[rows.length - 1];
    }

    public QnnScorer scorer() {
        return scorer;
    }

    /** A run of consecutive request heads scored as one unit. */
    private record Run(int head0, int heads, ScaleBucket bucket, int kv) {
    }

    @Override
    public void score(ScoreRequest r, float[] out, int outOff, int stride) {
        if (stride < r.minStride()) {
            throw new IllegalArgumentException("score: stride " + stride + " < " + r.minStride());
        }
        int keyCount = r.keyCount();
        if (keyCount == 0) {
            return;
        }
        ShadowKeys keys = r.keys();
        int d = keys.headDim();
        int rows = r.rows();
        float[] factor = new float[r.heads() * rows];
        float[] bias = r.qBias() == null ? null : java.util.Arrays.copyOfRange(r.qBias(), r.sOff(),
                r.sOff() + r.heads() * rows);
        List<Run> runs = runs(r, keyCount, factor);
        boolean[] done = new boolean[runs.size()];
        for (int i = 0; i < runs.size(); i++) {
            if (done[i]) {
                continue;
            }
            Run first = runs.get(i);
            List<QnnScorer.HeadOperands> units = new ArrayList<>();
            for (int j = i; j < runs.size(); j++) {
                Run run = runs.get(j);
                if (!done[j] && run.heads() == first.heads() && run.bucket().equals(first.bucket())) {
                    done[j] = true;
                    units.add(new QnnScorer.HeadOperands(
                            new FloatLevelRows(r.q(), r.qOff() + run.head0() * rows * d, d, run.heads() * rows),
                            new ShadowKeyRows(keys.keys8(run.kv()), d, keyCount), run.head0() * rows));
                }
            }
            scorer.score(first.bucket(), d, first.heads() * rows, keyCount, units,
                    new QnnScorer.Output(out, outOff, stride, factor, bias));
        }
    }

    /** Splits the request into runs and fills the per-row real-unit factors {@code qScale * kScale}. */
    private List<Run> runs(ScoreRequest r, int keyCount, float[] factor) {
        int rows = r.rows();
        List<Run> runs = new ArrayList<>();
        for (int h0 = 0; h0 < r.heads(); ) {
            int kv = r.kvHead()[h0];
            float kScale = staticKeyScale(r.keys(), kv, keyCount);
            float qScale = r.qScale()[r.sOff() + h0 * rows];
            int h1 = h0 + 1;
            while (h1 < r.heads() && r.kvHead()[h1] == kv && r.qScale()[r.sOff() + h1 * rows] == qScale) {
                h1++;
            }
            ScaleBucket bucket = bucket(r, h0, h1, kv, qScale, kScale, keyCount);
            for (int i = h0 * rows; i < h1 * rows; i++) {
                factor[i] = r.qScale()[r.sOff() + i] * kScale;
            }
            runs.add(new Run(h0, h1 - h0, bucket, kv));
            h0 = h1;
        }
        return runs;
    }

    /**
     * The bucket of a run: its static scales (or unit scales with {@code qnn.graphs=shared}) and the output step,
     * fixed by the option or calibrated once per bucket from this run's exact scores.
     */
    private ScaleBucket bucket(ScoreRequest r, int h0, int h1, int kv, float qScale, float kScale, int keyCount) {
        float qs = options.sharedGraphs() ? 1f : qScale;
        float ks = options.sharedGraphs() ? 1f : kScale;
        double step = options.autoStep()
                ? steps.computeIfAbsent(List.of(qs, ks), b -> calibrate(r, h0, h1, kv, keyCount))
                : options.step();
        return new ScaleBucket(qs, ks, step);
    }

    /** Maximum rows and keys of the calibration sample. */
    private static final int SAMPLE_ROWS = 16;
    private static final int SAMPLE_KEYS = 2048;

    /** Exact int32 scores of (up to) the run's first rows against its first keys, on the CPU. */
    private double calibrate(ScoreRequest r, int h0, int h1, int kv, int keyCount) {
        int d = r.keys().headDim();
        int rows = Math.min(SAMPLE_ROWS, (h1 - h0) * r.rows());
        int keys = Math.min(SAMPLE_KEYS, keyCount);
        MemorySegment k8 = r.keys().keys8(kv);
        int[] sample = new int[rows * keys];
        for (int i = 0; i < rows; i++) {
            int qo = r.qOff() + (h0 * r.rows() + i) * d;
            for (int j = 0; j < keys; j++) {
                int g = j >>> 4;
                int lane = j & 15;
                int acc = 0;
                for (int c = 0; c < d; c++) {
                    acc += (int) r.q()[qo + c] * k8.get(JAVA_BYTE, KeyLayout.key8Offset(g, c, d) + lane);
                }
                sample[i * keys + j] = acc;
            }
        }
        return OutputCalibration.calibratedStep(sample, scorer.config().output());
    }

    /** Output steps calibrated so far, per (qScale, kScale) bucket. */
    public Map<List<Float>, Double> calibratedSteps() {
        return Map.copyOf(steps);
    }

    /** The K scale of a KV head, which static scales make the same in every key group. */
    private static float staticKeyScale(ShadowKeys keys, int kv, int keyCount) {
        MemorySegment scales = keys.scales(kv);
        float s = scales.getAtIndex(JAVA_FLOAT, 0);
        int groups = (keyCount + 15) >>> 4;
        for (int g = 1; g < groups; g++) {
            if (scales.getAtIndex(JAVA_FLOAT, g) != s) {
                throw new IllegalStateException("the QNN scorer needs static K scales, but KV head " + kv
                        + " has group scales " + s + " and " + scales.getAtIndex(JAVA_FLOAT, g));
            }
        }
        return s;
    }

    /** Saves graphs built in this run to the cache (a failure is a notice), then frees everything. */
    @Override
    public void close() {
        try {
            graphs.save();
        } catch (RuntimeException e) {
            notices.println("shadowattn: QNN graph cache not saved: " + e.getMessage());
        }
        try {
            graphs.close();
        } finally {
            runtime.close();
        }
    }
}
