package dev.shadowattn.host.properties;

import dev.shadowattn.api.AttentionBackend;
import dev.shadowattn.api.AttentionGeometry;
import dev.shadowattn.api.AttentionSession;
import java.util.List;

/** Drives sessions as the engine does: per chunk, every layer appends K/V then attends for the same positions. */
final class Runs {

    private Runs() {
    }

    /** Outputs of every layer for positions {@code [0, positions)} of a fresh session, chunked as the workload says. */
    static float[][] run(AttentionBackend backend, Workload w) {
        try (AttentionSession s = backend.openSession()) {
            return run(s, w, 0, w.chunkSizes(0));
        }
    }

    /** Same as {@link #run(AttentionBackend, Workload)} with one chunk for all positions. */
    static float[][] runOneChunk(AttentionBackend backend, Workload w) {
        try (AttentionSession s = backend.openSession()) {
            return run(s, w, 0, List.of(w.positions()));
        }
    }

    /**
     * Appends and attends positions {@code [from, from + sum(sizes))} of {@code w} in a session holding
     * {@code from} positions; returns each layer's outputs for all of {@code w}'s positions (zero before
     * {@code from}).
     */
    static float[][] run(AttentionSession s, Workload w, int from, List<Integer> sizes) {
        AttentionGeometry g = w.geometry();
        float[][] out = new float[g.layers()][w.positions() * g.queryDim()];
        float[][] k = new float[g.layers()][];
        float[][] v = new float[g.layers()][];
        float[][] q = new float[g.layers()][];
        for (int l = 0; l < g.layers(); l++) {
            k[l] = w.k(l);
            v[l] = w.v(l);
            q[l] = w.q(l);
        }
        int pos = from;
        for (int n : sizes) {
            for (int l = 0; l < g.layers(); l++) {
                s.append(l, pos, n, k[l], pos * g.kvDim(), v[l], pos * g.kvDim());
                s.attend(l, pos, n, q[l], pos * g.queryDim(), out[l], pos * g.queryDim());
            }
            pos += n;
        }
        if (s.length() != pos) {
            throw new AssertionError("session length " + s.length() + " after appending up to " + pos);
        }
        return out;
    }
}
