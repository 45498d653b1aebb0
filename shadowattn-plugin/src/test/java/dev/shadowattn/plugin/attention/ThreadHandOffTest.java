package dev.shadowattn.plugin.attention;

import dev.shadowattn.api.AttentionGeometry;
import dev.shadowattn.api.AttentionOptions;
import dev.shadowattn.plugin.config.ScaleMode;
import dev.shadowattn.plugin.config.ShadowAttnConfig;
import dev.shadowattn.plugin.exec.WorkerPool;
import dev.shadowattn.plugin.kernel.AttentionKernels;
import dev.shadowattn.plugin.kernel.KernelProvider;
import dev.shadowattn.plugin.scoring.CpuScoringDevice;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Which calls hand tasks to the pool: only those with enough work to repay waking a thread. */
class ThreadHandOffTest {

    /** The house model's shape: 8 layers, 6 query heads on 2 KV heads of dimension 64. */
    private static final AttentionGeometry HOUSE = new AttentionGeometry(8, 6, 2, 64, 4096);

    private static boolean spreads(int threads, int pos, int n, String... options) {
        return spreads(threads, pos, n, 0.2, options);
    }

    private static boolean spreads(int threads, int pos, int n, double ratio, String... options) {
        ShadowAttnConfig cfg = ShadowAttnConfig.parse(AttentionOptions.parse(List.of(options)));
        AttentionKernels kernels = KernelProvider.forHeadDim(64, "auto");
        double[][] ratios = new double[8][6];
        for (double[] r : ratios) {
            Arrays.fill(r, ratio);
        }
        try (WorkerPool pool = new WorkerPool(threads)) {
            AttentionPlan plan = new AttentionPlan(HOUSE, cfg, ratios, ScaleMode.DYNAMIC, null, null, true, kernels,
                    new CpuScoringDevice(kernels), pool, null);
            return new SparseAttention(plan).worthSpreading(pos, n);
        }
    }

    @Test
    void shortDecodeStaysOnTheCallingThread() {
        // Dense rows (at most dense-below=512 keys): 2 * 512 * 6 * 64 = 393K multiply-adds, under 2^20.
        assertFalse(spreads(2, 0, 1));
        assertFalse(spreads(2, 511, 1));
        // Sparse decode at 1024 keys: half of 786K.
        assertFalse(spreads(2, 1024, 1));
        // Sparse decode at 4096 keys: half of 3.1M, enough.
        assertTrue(spreads(2, 4096, 1));
        // Dense below 0: a dense-equivalent sparse decode at 2048 keys is 1.57M, halved: stays.
        assertFalse(spreads(2, 2048, 1, "dense-below=0"));
        // Dense rows at 2048 keys, by dense-below or by ratio 1: 1.57M, enough.
        assertTrue(spreads(2, 2047, 1, "dense-below=4096"));
        assertTrue(spreads(2, 2047, 1, 1.0));
    }

    @Test
    void prefillChunksSpreadAndOneThreadNever() {
        // A 64-row chunk at the start: 64*65/2 visible pairs, dense, 1.6M multiply-adds.
        assertTrue(spreads(2, 0, 64));
        assertTrue(spreads(2, 4032, 64));
        assertFalse(spreads(2, 0, 16), "16 rows at the start: 104K multiply-adds");
        assertFalse(spreads(1, 4032, 64), "one thread: nothing to hand off");
    }
}
