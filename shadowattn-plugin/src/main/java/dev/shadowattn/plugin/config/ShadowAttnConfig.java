package dev.shadowattn.plugin.config;

import dev.shadowattn.api.AttentionOptions;
import dev.shadowattn.plugin.pipeline.PipelineOptions;
import dev.shadowattn.plugin.qnn.QnnDeviceOptions;
import dev.shadowattn.plugin.qnn.ScoringDeviceFactory;

import java.math.BigDecimal;
import java.util.Locale;
import java.util.Set;

/**
 * The effective configuration of a shadowAttn backend, parsed from {@link AttentionOptions}. Every option is
 * documented in {@code shadowattn-plugin/docs/SHADOWATTN-BACKEND.md}; the {@link #mode} supplies the defaults of
 * the options not given.
 *
 * @param mode        preset the defaults come from
 * @param ratio       global keep ratio in (0, 1], or {@code NaN} when not given (profile ratios, else 0.20)
 * @param estimator   how importance is estimated
 * @param sharing     which query heads share a selection
 * @param block       selection granularity in keys: 1 (single keys) or a power of two in [16, 256]
 * @param tile        prefill query rows sharing one selection (1 = every row selects on its own)
 * @param summary     keys per K summary (min/max) block of the block estimators: a power of two in [16, block]
 * @param shortlist   {@code blocks-int8}: blocks shortlisted by their bounds, as a multiple of the budget (>= 1)
 * @param estimateStride shared tiles are estimated (INT8 and exact scores) from every this-many-th row
 * @param boundStride shared tiles' block bounds come from every this-many-th row
 * @param scales      INT8 scale source, or {@code null} to pick static when the profile has scales, else dynamic
 * @param sink        leading positions always kept
 * @param window      most recent positions always kept
 * @param denseBelow  rows with at most this many visible keys attend densely
 * @param prefillOnly decode (single-row) calls attend densely, as in the paper
 * @param profile     path of a model profile (JSON), {@code "none"} to ignore one beside the model, or {@code null}
 * @param threads     worker threads (0 = {@code engine.threads}, else all processors)
 * @param kernels     kernel implementation: {@code auto}, {@code vector} or {@code scalar}
 * @param scorer      scoring device: {@code cpu} (alias {@code java}), {@code qnn} or {@code auto} (see
 *                    {@link dev.shadowattn.plugin.qnn.ScoringDeviceFactory}; {@code qnn.*} options in docs/QNN.md)
 * @param kMean       subtract the per-channel mean of the first 64 keys before quantizing K (ranking-neutral, more
 *                    INT8 precision), or {@code null}: on with dynamic scales, off with static ones
 * @param gather      how per-row single-key units read their keys: {@code rows} (a row-major copy of K, each
 *                    selected key read once for the heads of its KV head), {@code groups} (16-key groups of the
 *                    blocked K with lane masks; no K copy) or {@code auto} (rows when the heads' keys together are
 *                    under {@link #ROWS_BELOW} of the visible keys, else groups); see docs/SHADOWATTN-BACKEND.md
 */
public record ShadowAttnConfig(Mode mode, double ratio, Estimator estimator, Sharing sharing, int block, int tile,
                               int summary, double shortlist, int estimateStride, int boundStride,
                               ScaleMode scales, int sink, int window, int denseBelow, boolean prefillOnly,
                               String profile, int threads, String kernels, String scorer, Boolean kMean,
                               String gather) {

    public static final String BACKEND = "shadowattn";

    /** How per-row single-key units read their keys unless {@code gather} says otherwise (measured: docs). */
    public static final String DEFAULT_GATHER = "groups";

    /**
     * {@code gather=auto} reads rows when the union of a row's selections covers less than this share of the visible
     * keys: the measured break-even of row gathers against streaming 16-key groups (docs/SHADOWATTN-BACKEND.md).
     */
    public static final double ROWS_BELOW = 0.25;

    /** Keep ratio used when neither the option nor a profile gives one. */
    public static final double DEFAULT_RATIO = 0.20;

    /** Every option key this backend accepts (besides {@code model.*} and {@code engine.*}). */
    public static final Set<String> KEYS = union(Set.of("mode", "ratio", "estimator", "share", "block", "tile",
            "summary", "shortlist", "estimate-stride", "bound-stride", "scales", "sink", "window", "dense-below", "prefill-only", "profile", "threads", "kernels", "scorer",
            "kmean", "gather"), union(QnnDeviceOptions.KEYS, PipelineOptions.KEYS));

    private static Set<String> union(Set<String> a, Set<String> b) {
        java.util.Set<String> u = new java.util.HashSet<>(a);
        u.addAll(b);
        return Set.copyOf(u);
    }

    public ShadowAttnConfig {
        if (!Double.isNaN(ratio)) {
            checkRatio("ratio", ratio);
        }
        if (block != 1 && (block < 16 || block > 256 || Integer.bitCount(block) != 1)) {
            throw new IllegalArgumentException(
                    "backend option block=" + block + " must be 1 or a power of two between 16 and 256");
        }
        if (tile < 1 || tile > 256) {
            throw new IllegalArgumentException("backend option tile=" + tile + " must be between 1 and 256");
        }
        if (estimator.needsSummaries() && block == 1) {
            throw new IllegalArgumentException("backend option estimator=" + estimator.key()
                    + " scores key blocks: it needs block >= 16 (got block=1)");
        }
        if (estimateStride < 1 || estimateStride > 256) {
            throw new IllegalArgumentException("backend option estimate-stride=" + estimateStride
                    + " must be between 1 and 256");
        }
        if (boundStride < 1 || boundStride > 256) {
            throw new IllegalArgumentException("backend option bound-stride=" + boundStride
                    + " must be between 1 and 256");
        }
        if (!(shortlist >= 1.0 && shortlist <= 64.0)) {
            throw new IllegalArgumentException("backend option shortlist=" + shortlist + " must be between 1 and 64");
        }
        if (estimator.needsSummaries() && (summary < 16 || summary > block || Integer.bitCount(summary) != 1)) {
            throw new IllegalArgumentException("backend option summary=" + summary
                    + " must be a power of two between 16 and block (" + block + ")");
        }
        requireNonNegative("sink", sink);
        requireNonNegative("window", window);
        requireNonNegative("dense-below", denseBelow);
        requireNonNegative("threads", threads);
        if (!Set.of("auto", "vector", "scalar").contains(kernels)) {
            throw new IllegalArgumentException("backend option kernels=" + kernels + " must be one of auto, vector, scalar");
        }
        ScoringDeviceFactory.checkScorer(scorer);
        if (!Set.of("auto", "rows", "groups").contains(gather)) {
            throw new IllegalArgumentException("backend option gather=" + gather
                    + " must be one of auto, rows, groups");
        }
    }

    /** Fails naming {@code what} unless {@code r} is in (0, 1]. */
    public static void checkRatio(String what, double r) {
        if (!(r > 0.0 && r <= 1.0)) {
            throw new IllegalArgumentException(what + " " + r + " is outside (0, 1]");
        }
    }

    private static void requireNonNegative(String key, int v) {
        if (v < 0) {
            throw new IllegalArgumentException("backend option " + key + "=" + v + " must not be negative");
        }
    }

    /** Parses options, rejecting unknown keys; options not given take the mode's defaults. */
    public static ShadowAttnConfig parse(AttentionOptions o) {
        o.requireKnown(BACKEND, KEYS);
        Mode mode = Mode.parse("mode", o.getString("mode", "cpu"));
        boolean faithful = mode == Mode.FAITHFUL;
        double ratio = o.get("ratio").isPresent() ? o.getDouble("ratio", DEFAULT_RATIO) : Double.NaN;
        if (o.get("ratio").isPresent() && !(ratio > 0.0 && ratio <= 1.0)) {
            throw new IllegalArgumentException("backend option ratio=" + o.getString("ratio", "") + " is outside (0, 1]");
        }
        Estimator estimator = Estimator.parse("estimator",
                o.getString("estimator", faithful ? "int8" : CpuDefaults.ESTIMATOR.key()));
        Sharing sharing = Sharing.parse("share", o.getString("share", faithful ? "head" : "kv"));
        int block = o.getInt("block", faithful ? 1 : CpuDefaults.BLOCK);
        int tile = o.getInt("tile", faithful ? 1 : CpuDefaults.TILE);
        int summary = o.getInt("summary", Math.min(Math.max(block, 16), CpuDefaults.SUMMARY));
        double shortlist = o.getDouble("shortlist", CpuDefaults.SHORTLIST);
        int estimateStride = o.getInt("estimate-stride", faithful ? 1 : CpuDefaults.ESTIMATE_STRIDE);
        int boundStride = o.getInt("bound-stride", faithful ? 1 : CpuDefaults.BOUND_STRIDE);
        ScaleMode scales = o.get("scales").map(v -> ScaleMode.parse("scales", v)).orElse(null);
        return new ShadowAttnConfig(mode, ratio, estimator, sharing, block, tile, summary, shortlist,
                estimateStride, boundStride, scales,
                o.getInt("sink", faithful ? 0 : CpuDefaults.SINK),
                o.getInt("window", faithful ? 0 : CpuDefaults.WINDOW),
                o.getInt("dense-below", faithful ? 0 : CpuDefaults.DENSE_BELOW),
                o.getBoolean("prefill-only", false),
                o.get("profile").orElse(null),
                o.getInt("threads", 0),
                o.getString("kernels", "auto").toLowerCase(Locale.ROOT),
                o.getString("scorer", "cpu").toLowerCase(Locale.ROOT),
                o.get("kmean").isPresent() ? o.getBoolean("kmean", true) : null,
                o.getString("gather", DEFAULT_GATHER).toLowerCase(Locale.ROOT));
    }

    /** One line for logs. */
    public String describe(double effectiveRatio, ScaleMode effectiveScales, boolean effectiveKMean,
                           String kernelName, int threadCount) {
        return String.format(Locale.ROOT,
                "%s mode=%s ratio=%.3f estimator=%s share=%s block=%d tile=%d summary=%d shortlist=%s "
                        + "estimate-stride=%d scales=%s sink=%d window=%d dense-below=%d prefill-only=%b kmean=%b "
                        + "kernels=%s threads=%d",
                BACKEND, mode.key(), effectiveRatio, estimator.key(), sharing.key(), block, tile, summary,
                BigDecimal.valueOf(shortlist).stripTrailingZeros().toPlainString(), estimateStride,
                effectiveScales.key(), sink, window, denseBelow, prefillOnly, effectiveKMean, kernelName, threadCount);
    }
}
