package dev.shadowattn.host.attention;

/**
 * Softmax states of tiles whose keys were split between tasks, and their merge: with per-split running maxima
 * {@code m_i}, sums {@code l_i} and unnormalised outputs {@code o_i}, the tile's state is {@code m = max m_i},
 * {@code l = sum l_i 2^(m_i - m)}, {@code o = sum o_i 2^(m_i - m)}. Owned by one session (one thread at a time);
 * each task writes only its own slot.
 */
final class PartialStates {

    private final int slotRows;
    private final int vStride;
    private float[] max = new float[0];
    private float[] sum = new float[0];
    private float[] acc = new float[0];

    PartialStates(int slotRows, int vStride) {
        this.slotRows = slotRows;
        this.vStride = vStride;
    }

    void ensureSlots(int slots) {
        if (max.length < slots * slotRows) {
            max = new float[slots * slotRows];
            sum = new float[slots * slotRows];
            acc = new float[slots * slotRows * vStride];
        }
    }

    void save(int slot, Workspace ws, int rows) {
        System.arraycopy(ws.max, 0, max, slot * slotRows, rows);
        System.arraycopy(ws.sum, 0, sum, slot * slotRows, rows);
        System.arraycopy(ws.acc, 0, acc, slot * slotRows * vStride, rows * vStride);
    }

    /** Merges slots {@code [first, first + splits)} into {@code ws}'s first {@code rows} rows. */
    void merge(int first, int splits, int rows, Workspace ws) {
        for (int m = 0; m < rows; m++) {
            float best = Float.NEGATIVE_INFINITY;
            for (int i = 0; i < splits; i++) {
                best = Math.max(best, max[(first + i) * slotRows + m]);
            }
            float total = 0f;
            int dst = m * vStride;
            java.util.Arrays.fill(ws.acc, dst, dst + vStride, 0f);
            for (int i = 0; i < splits; i++) {
                int at = (first + i) * slotRows + m;
                if (max[at] == Float.NEGATIVE_INFINITY) {
                    continue; // this split saw none of the row's keys
                }
                float w = ScalarAttentionKernels.exp2(max[at] - best);
                total += sum[at] * w;
                int src = at * vStride;
                for (int c = 0; c < vStride; c++) {
                    ws.acc[dst + c] += acc[src + c] * w;
                }
            }
            ws.max[m] = best;
            ws.sum[m] = total;
        }
    }
}
