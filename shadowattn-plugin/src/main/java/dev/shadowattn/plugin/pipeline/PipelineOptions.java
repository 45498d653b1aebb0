package dev.shadowattn.plugin.pipeline;

import dev.shadowattn.api.AttentionOptions;

import java.util.Set;

/**
 * The pipeline options of the shadowAttn backend (documented in docs/SHADOWATTN-BACKEND.md and docs/PIPELINE.md).
 *
 * @param mode       {@code pipeline}: off, fifo or greedy
 * @param cpuThreads {@code cpu-threads}: threads of the CPU stage (top-k and sparse attention); 0 = all processors
 *                   but the scorer's (at least 1)
 * @param storeCosts {@code pipeline.costs}: auto (store the profiled stage costs beside the model profile, see
 *                   {@link StageCostsFile}) or off (memory only)
 */
public record PipelineOptions(PipelineMode mode, int cpuThreads, boolean storeCosts) {

    public static final String PIPELINE = "pipeline";
    public static final String CPU_THREADS = "cpu-threads";
    public static final String COSTS = "pipeline.costs";
    public static final Set<String> KEYS = Set.of(PIPELINE, CPU_THREADS, COSTS);

    /** Largest accepted {@code cpu-threads}. */
    public static final int MAX_CPU_THREADS = 256;

    public static final PipelineOptions OFF = new PipelineOptions(PipelineMode.OFF, 0, false);

    public PipelineOptions {
        if (cpuThreads < 0 || cpuThreads > MAX_CPU_THREADS) {
            throw new IllegalArgumentException("backend option " + CPU_THREADS + "=" + cpuThreads
                    + " must be between 0 (all processors but the scorer's) and " + MAX_CPU_THREADS);
        }
    }

    public static PipelineOptions parse(AttentionOptions o) {
        PipelineMode mode = PipelineMode.parse(PIPELINE, o.getString(PIPELINE, "off"));
        String costs = o.getString(COSTS, "auto");
        if (!costs.equals("auto") && !costs.equals("off")) {
            throw new IllegalArgumentException("backend option " + COSTS + "=" + costs + " must be auto or off");
        }
        return new PipelineOptions(mode, o.getInt(CPU_THREADS, 0), costs.equals("auto"));
    }

    /** The effective CPU stage thread count. */
    public int effectiveCpuThreads() {
        return cpuThreads > 0 ? cpuThreads : Math.max(1, Runtime.getRuntime().availableProcessors() - 1);
    }
}
