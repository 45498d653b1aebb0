package dev.shadowattn.host.calibrate;

import dev.shadowattn.api.AttentionBackend;
import dev.shadowattn.api.AttentionGeometry;
import dev.shadowattn.api.AttentionOptions;
import dev.shadowattn.api.AttentionSession;
import dev.shadowattn.host.backend.AttentionBackends;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Comparator;
import java.util.Random;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class SparseProbeBackendTest {

    // 2 layers, 4 query heads over 2 KV heads, head dim 8; 40 positions in two calls (24 + 16).
    private static final AttentionGeometry G = new AttentionGeometry(2, 4, 2, 8, 64);
    private static final int N = 40;

    private final Random rnd = new Random(11);
    private final float[] k = random(N * G.kvDim());
    private final float[] v = random(N * G.kvDim());
    private final float[] q = random(N * G.queryDim());

    private float[] random(int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) rnd.nextGaussian();
        }
        return a;
    }

    private float[] run(SparseProbeBackend b, int layer) {
        float[] out = new float[N * G.queryDim()];
        try (AttentionSession s = b.openSession()) {
            for (int l = 0; l <= layer; l++) {
                s.append(l, 0, 24, k, 0, v, 0);
                s.attend(l, 0, 24, q, 0, out, 0);
                s.append(l, 24, 16, k, 24 * G.kvDim(), v, 24 * G.kvDim());
                s.attend(l, 24, 16, q, 24 * G.queryDim(), out, 24 * G.queryDim());
            }
        }
        return out;
    }

    private static SparseProbeBackend probe() {
        AttentionBackend dense = AttentionBackends.discover().select("dense").create(G,
                AttentionOptions.NONE.with(AttentionOptions.THREADS, "1"));
        return new SparseProbeBackend(dense);
    }

    /** Naive reference: sort the visible keys by score, keep the first {@code keep}, softmax over them. */
    private float[] reference(int pos, int head, double ratio) {
        int d = G.headDim();
        int kv = head / G.groupSize();
        int visible = pos + 1;
        double[] s = new double[visible];
        for (int j = 0; j < visible; j++) {
            float dot = 0;
            for (int i = 0; i < d; i++) {
                dot += q[(pos * G.queryHeads() + head) * d + i] * k[(j * G.kvHeads() + kv) * d + i];
            }
            s[j] = dot;
        }
        int keep = (int) Math.max(1, Math.ceil(ratio * visible - 1e-9));
        Integer[] order = IntStream.range(0, visible).boxed().sorted(Comparator.comparingDouble(j -> -s[j]))
                .toArray(Integer[]::new);
        double max = s[order[0]];
        double sum = 0;
        double[] acc = new double[d];
        for (int t = 0; t < keep; t++) {
            int j = order[t];
            double p = Math.exp((s[j] - max) / Math.sqrt(d));
            sum += p;
            for (int i = 0; i < d; i++) {
                acc[i] += p * v[(j * G.kvHeads() + kv) * d + i];
            }
        }
        float[] out = new float[d];
        for (int i = 0; i < d; i++) {
            out[i] = (float) (acc[i] / sum);
        }
        return out;
    }

    @Test
    void probedHeadsAttendToTheirTopKeysOnly() {
        float[] dense;
        float[] sparse;
        try (SparseProbeBackend b = probe()) {
            dense = run(b, 1);
            b.setProbe(1, new boolean[]{false, true, false, true}, 0.25);
            sparse = run(b, 1);
        }
        int d = G.headDim();
        for (int pos = 0; pos < N; pos++) {
            for (int h = 0; h < G.queryHeads(); h++) {
                int o = (pos * G.queryHeads() + h) * d;
                float[] expected = h % 2 == 1 ? reference(pos, h, 0.25) : Arrays.copyOfRange(dense, o, o + d);
                for (int i = 0; i < d; i++) {
                    assertEquals(expected[i], sparse[o + i], 2e-5f, "pos " + pos + " head " + h);
                }
            }
        }
    }

    @Test
    void ratioOneIsDenseAndClearingRestoresDense() {
        try (SparseProbeBackend b = probe()) {
            float[] dense = run(b, 0);
            b.setProbe(0, new boolean[]{true, true, true, true}, 1.0);
            float[] full = run(b, 0);
            for (int i = 0; i < dense.length; i++) {
                assertEquals(dense[i], full[i], 2e-5f);
            }
            b.setProbe(0, new boolean[]{true, true, true, true}, 0.1);
            b.clearProbe();
            float[] cleared = run(b, 0);
            for (int i = 0; i < dense.length; i++) {
                assertEquals(dense[i], cleared[i], 0f);
            }
            assertThrows(IllegalArgumentException.class, () -> b.setProbe(2, new boolean[4], 0.2));
            assertThrows(IllegalArgumentException.class, () -> b.setProbe(0, new boolean[3], 0.2));
            assertThrows(IllegalArgumentException.class, () -> b.setProbe(0, new boolean[4], 0));
        }
    }

    @Test
    void budgetMatchesThePluginSelection() {
        assertEquals(1, SparseProbeBackend.budget(0.01, 5));
        assertEquals(20, SparseProbeBackend.budget(0.2, 100));
        assertEquals(21, SparseProbeBackend.budget(0.2, 101));
        assertEquals(7, SparseProbeBackend.budget(1.0, 7));
    }
}
