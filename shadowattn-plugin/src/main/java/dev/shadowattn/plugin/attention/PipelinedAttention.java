package dev.shadowattn.plugin.attention;

import dev.shadowattn.api.AttentionStats;
import dev.shadowattn.plugin.cache.LayerCache;
import dev.shadowattn.plugin.pipeline.HeadPipeline;
import dev.shadowattn.plugin.pipeline.SchedulePlan;
import dev.shadowattn.plugin.pipeline.StageCosts;

/**
 * One session's side of the {@link HeadPipeline}: runs the tasks of {@link SparseAttention} (a KV head and a run
 * of rows) as pipeline units, {@link SparseAttention#scoreStage} on the scorer stage and
 * {@link SparseAttention#cpuStage} on the CPU stage, each unit in a slot of its own. The tasks and their arithmetic
 * are those of the sequential backend, and each writes disjoint output rows, so the output is the same bit for bit
 * whatever the order.
 */
final class PipelinedAttention {

    /** A unit's buffers while it goes through the pipeline. */
    private static final class Slot {
        final WorkerState w = new WorkerState();
        /** Key score stride left by the scorer stage for the CPU stage, or -1. */
        int stride;
    }

    private final SparseAttention attention;
    private final HeadPipeline pipeline;
    private final int kvHeads;
    private Slot[] slots = new Slot[0];
    private WorkerState[] states = new WorkerState[0];

    PipelinedAttention(SparseAttention attention, HeadPipeline pipeline, int kvHeads) {
        this.attention = attention;
        this.pipeline = pipeline;
        this.kvHeads = kvHeads;
    }

    AttentionStats attend(LayerCache lc, int layer, int pos, int n, float[] q, int qOff, float[] out, int outOff) {
        int rows = attention.rowsPerTask();
        int tilesPerKv = (n + rows - 1) / rows;
        int tasks = kvHeads * tilesPerKv;
        boolean decode = n == 1;
        // The Java scorer gains nothing from fusing launches: every unit is a group of its own.
        int[] bucket = new int[tasks];
        for (int t = 0; t < tasks; t++) {
            bucket[t] = t;
        }
        HeadPipeline.CostKey key = HeadPipeline.CostKey.of(layer, pos, n);
        boolean profile = pipeline.needsProfile(key);
        SchedulePlan plan = pipeline.plan(key, tasks, bucket);
        ensureSlots(pipeline.slotsFor(plan));
        for (Slot s : slots) {
            s.w.resetCounters();
        }
        long[] scoreNanos = new long[tasks];
        long[] cpuNanos = new long[tasks];
        pipeline.run(plan, slots,
                (t, s) -> s.stride = attention.scoreStage(lc, layer, pos, n, decode, t / tilesPerKv,
                        (t % tilesPerKv) * rows, rows, q, qOff, s.w),
                (t, s) -> attention.cpuStage(lc, layer, pos, n, decode, t / tilesPerKv, (t % tilesPerKv) * rows,
                        rows, out, outOff, s.stride, s.w, null),
                scoreNanos, cpuNanos);
        if (profile) {
            pipeline.record(key, new StageCosts(scoreNanos, cpuNanos, 1.0), bucket);
        }
        return SparseAttention.sum(states);
    }

    private void ensureSlots(int count) {
        if (slots.length < count) {
            Slot[] grown = java.util.Arrays.copyOf(slots, count);
            for (int i = slots.length; i < count; i++) {
                grown[i] = new Slot();
            }
            slots = grown;
            states = new WorkerState[count];
            for (int i = 0; i < count; i++) {
                states[i] = slots[i].w;
            }
        }
    }
}
