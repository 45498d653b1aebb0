package dev.shadowattn.plugin.testing;

import dev.shadowattn.api.AttentionBackend;
import dev.shadowattn.api.AttentionSession;

import java.util.HashMap;
import java.util.Map;

/**
 * Runs a layer's Q/K/V through a session as the engine does: positions in chunks (prefill), then optionally one
 * at a time (decode), append then attend; collects outputs and the reported selections.
 */
public final class SessionDriver {

    /** Outputs {@code [n][queryHeads][headDim]} and kept keys per (head, position). */
    public record Run(float[] out, Map<Long, int[]> kept, AttentionSessionStats stats) {

        public int[] kept(int head, int pos) {
            return kept.get(key(head, pos));
        }
    }

    /** The session's counters at the end of the run. */
    public record AttentionSessionStats(long visible, long kept, long estimateNanos, long selectNanos,
                                        long attendNanos) {
    }

    private SessionDriver() {
    }

    static long key(int head, int pos) {
        return ((long) head << 32) | pos;
    }

    /**
     * @param prefill positions fed in prefill chunks of {@code chunk}; the rest one by one
     * @param layer   the layer index to use (all calls go to it)
     */
    public static Run run(AttentionBackend backend, QkvData x, int layer, int prefill, int chunk, boolean listen) {
        float[] out = new float[x.n() * x.queryDim()];
        Map<Long, int[]> kept = new HashMap<>();
        try (AttentionSession s = backend.openSession()) {
            if (listen) {
                s.setSelectionListener((l, h, p, keys, count) -> kept.put(key(h, p),
                        java.util.Arrays.copyOf(keys, count)));
            }
            int pos = 0;
            while (pos < x.n()) {
                int n = pos < prefill ? Math.min(chunk, prefill - pos) : 1;
                s.append(layer, pos, n, x.k(), pos * x.kvDim(), x.v(), pos * x.kvDim());
                s.attend(layer, pos, n, x.q(), pos * x.queryDim(), out, pos * x.queryDim());
                pos += n;
            }
            var st = s.stats();
            return new Run(out, kept, new AttentionSessionStats(st.visibleKeys(), st.keptKeys(), st.estimateNanos(),
                    st.selectNanos(), st.attendNanos()));
        }
    }
}
