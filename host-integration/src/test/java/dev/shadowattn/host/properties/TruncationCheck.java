package dev.shadowattn.host.properties;

import dev.shadowattn.api.AttentionBackend;
import dev.shadowattn.api.AttentionGeometry;
import dev.shadowattn.api.AttentionSession;
import java.util.List;

/**
 * Truncating and re-appending a session gives the same result as never having appended: session A appends
 * positions {@code [0, cut)}, then {@code junk} positions of other data (attending them too, so any per-session
 * state sees them), truncates back to {@code cut} and appends {@code [cut, positions)}; session B appends the same
 * chunks without the detour. Their outputs for {@code [cut, positions)} must be bit-for-bit equal.
 */
final class TruncationCheck {

    private TruncationCheck() {
    }

    static void check(AttentionBackend backend, Workload w, int cutPercent, int junk) {
        AttentionGeometry g = w.geometry();
        int cut = w.positions() * cutPercent / 100;
        int junkPositions = Math.min(junk, g.maxContext() - cut);
        List<Integer> all = w.chunkSizes(0);
        List<Integer> before = chunksUpTo(all, cut);
        List<Integer> after = w.chunkSizes(cut);
        Workload other = new Workload(g, cut + junkPositions, w.scale() * 2, ~w.seed(), w.chunks());

        float[][] a;
        float[][] b;
        try (AttentionSession s = backend.openSession()) {
            Runs.run(s, w, 0, before);
            Runs.run(s, other, cut, other.chunkSizes(cut));
            s.truncate(cut);
            if (s.length() != cut) {
                throw new AssertionError("length " + s.length() + " after truncate(" + cut + ")");
            }
            a = Runs.run(s, w, cut, after);
        }
        try (AttentionSession s = backend.openSession()) {
            Runs.run(s, w, 0, before);
            b = Runs.run(s, w, cut, after);
        }
        Outputs.requireIdentical(a, b, backend.name() + ": truncate(" + cut + ") after " + junkPositions
                + " other positions, then re-append, " + w);
    }

    /** The chunks of {@code sizes} covering {@code [0, cut)}, the last one clipped at {@code cut}. */
    private static List<Integer> chunksUpTo(List<Integer> sizes, int cut) {
        java.util.ArrayList<Integer> out = new java.util.ArrayList<>();
        int pos = 0;
        for (int n : sizes) {
            if (pos >= cut) {
                break;
            }
            out.add(Math.min(n, cut - pos));
            pos += out.getLast();
        }
        return out;
    }
}
