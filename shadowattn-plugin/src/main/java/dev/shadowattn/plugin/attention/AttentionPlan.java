package dev.shadowattn.plugin.attention;

import dev.shadowattn.api.AttentionGeometry;
import dev.shadowattn.plugin.config.Estimator;
import dev.shadowattn.plugin.config.ScaleMode;
import dev.shadowattn.plugin.config.ShadowAttnConfig;
import dev.shadowattn.plugin.exec.WorkerPool;
import dev.shadowattn.plugin.kernel.AttentionKernels;
import dev.shadowattn.plugin.pipeline.HeadPipeline;
import dev.shadowattn.plugin.scoring.ScoringDevice;

/**
 * Everything a session needs, resolved once per backend from the options and the model profile.
 *
 * @param geometry  the model's attention shape
 * @param config    the parsed options
 * @param ratios    keep ratio per layer and query head, each in (0, 1]
 * @param scales    effective scale mode
 * @param qScale    static Q scale per layer and query head (snapped to the bucket grid), or null when dynamic
 * @param kScale    static K scale per layer and KV head (snapped), or null when dynamic
 * @param kMean     whether the INT8 shadow K is quantized after subtracting the K mean
 * @param kernels   the kernels in use
 * @param device    the INT8 scoring device
 * @param pool      the backend's worker threads
 * @param pipeline  the head pipeline ({@code pipeline=fifo|greedy}), or null when off
 */
public record AttentionPlan(AttentionGeometry geometry, ShadowAttnConfig config, double[][] ratios, ScaleMode scales,
                            float[][] qScale, float[][] kScale, boolean kMean, AttentionKernels kernels,
                            ScoringDevice device,
                            WorkerPool pool, HeadPipeline pipeline) {

    /** Keys per summary block, or 0 when the estimator reads no summaries. */
    public int summaryBlock() {
        return config.estimator().needsSummaries() ? config.summary() : 0;
    }

    /**
     * Whether the caches keep a row-major copy of float K: when units select single keys one query row at a time
     * (the paper's shape), attention gathers the selected rows instead of scanning 16-key groups.
     */
    public boolean rowKeys() {
        return config.block() == 1 && config.sharing() == dev.shadowattn.plugin.config.Sharing.HEAD
                && config.tile() == 1 && !config.gather().equals("groups");
    }

    /** Whether the estimator needs quantized queries. */
    boolean needsInt8() {
        Estimator e = config.estimator();
        return e == Estimator.INT8 || e == Estimator.BLOCKS_INT8;
    }
}
