package dev.shadowattn.host.engine;

import dev.shadowattn.gguf.model.Weight;
import dev.shadowattn.gguf.tensor.TensorKernels;

/**
 * Matrix products of quantized weights with float activations, parallel over output rows.
 *
 * <p>For a batch of {@code b} input rows {@code in[b][cols]}, {@code out[b][rows] = in[b] . W^T}. Batches (prefill
 * chunks) go through {@link TensorKernels#dotBatch}, which decodes each weight block once for the whole tile.
 */
final class MatMul {

    /** Tokens handed to one dotBatch call: enough reuse of a decoded weight row, small enough to stay in L1/L2. */
    private static final int TILE = 16;

    private final TensorKernels kernels;
    private final WorkerPool pool;

    MatMul(TensorKernels kernels, WorkerPool pool) {
        this.kernels = kernels;
        this.pool = pool;
    }

    /** {@code out[b][w.rows()] = in[b][w.cols()] . w^T} for b < batch. */
    void apply(Weight w, float[] in, int batch, float[] out) {
        int rows = w.rows();
        pool.run(rows, 16, (from, to) -> rows(w, in, batch, out, from, to));
    }

    /** Two products over the same input in one parallel region (Q/K/V, gate/up): fewer synchronizations. */
    void apply(Weight w1, float[] out1, Weight w2, float[] out2, float[] in, int batch) {
        int r1 = w1.rows();
        pool.run(r1 + w2.rows(), 16, (from, to) -> {
            if (from < r1) {
                rows(w1, in, batch, out1, from, Math.min(to, r1));
            }
            if (to > r1) {
                rows(w2, in, batch, out2, Math.max(from, r1) - r1, to - r1);
            }
        });
    }

    /** Three products over the same input in one parallel region. */
    void apply(Weight w1, float[] out1, Weight w2, float[] out2, Weight w3, float[] out3, float[] in, int batch) {
        int r1 = w1.rows();
        int r12 = r1 + w2.rows();
        pool.run(r12 + w3.rows(), 16, (from, to) -> {
            if (from < r1) {
                rows(w1, in, batch, out1, from, Math.min(to, r1));
            }
            if (from < r12 && to > r1) {
                rows(w2, in, batch, out2, Math.max(from, r1) - r1, Math.min(to, r12) - r1);
            }
            if (to > r12) {
                rows(w3, in, batch, out3, Math.max(from, r12) - r12, to - r12);
            }
        });
    }

    private void rows(Weight w, float[] in, int batch, float[] out, int from, int to) {
        int cols = w.cols();
        int rows = w.rows();
        var type = w.type();
        var data = w.tensor().data();
        if (batch == 1) {
            for (int r = from; r < to; r++) {
                out[r] = kernels.dot(type, data, (long) r * cols, in, 0, cols);
            }
            return;
        }
        for (int b0 = 0; b0 < batch; b0 += TILE) {
            int nb = Math.min(TILE, batch - b0);
            for (int r = from; r < to; r++) {
                kernels.dotBatch(type, data, (long) r * cols, cols, in, b0 * cols, cols, nb, out, b0 * rows + r, rows);
            }
        }
    }
}
