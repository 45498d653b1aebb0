package dev.shadowattn.plugin.attention;

import dev.shadowattn.api.AttentionGeometry;
import dev.shadowattn.api.AttentionSession;
import dev.shadowattn.api.AttentionStats;
import dev.shadowattn.api.ContextOverflowException;
import dev.shadowattn.api.SelectionListener;
import dev.shadowattn.plugin.cache.LayerCache;

/**
 * One sequence: a {@link LayerCache} per layer (float K/V, INT8 shadow K, summaries; growing with use, off-heap,
 * released by {@link #close}) and the {@link SparseAttention} that reads it.
 */
public final class ShadowAttnSession implements AttentionSession {

    private final AttentionPlan plan;
    private final AttentionGeometry g;
    private final LayerCache[] layers;
    private final SparseAttention attention;
    private AttentionStats stats = AttentionStats.NONE;
    private SelectionListener listener;
    private boolean closed;

    public ShadowAttnSession(AttentionPlan plan) {
        this.plan = plan;
        this.g = plan.geometry();
        this.layers = new LayerCache[g.layers()];
        for (int l = 0; l < layers.length; l++) {
            layers[l] = new LayerCache(l, g.kvHeads(), g.headDim(), plan.summaryBlock(),
                    plan.kScale() == null ? null : plan.kScale()[l], plan.kMean(), g.maxContext(), plan.rowKeys());
        }
        this.attention = new SparseAttention(plan);
    }

    @Override
    public int length() {
        return layers[0].length();
    }

    @Override
    public void append(int layer, int pos, int n, float[] k, int kOff, float[] v, int vOff) {
        LayerCache lc = layer(layer);
        if (n < 0) {
            throw new IllegalArgumentException("append: n = " + n + " is negative");
        }
        if (pos != lc.length()) {
            throw new IllegalArgumentException("append: layer " + layer + " holds " + lc.length()
                    + " positions, so the next append must start there, not at " + pos);
        }
        if ((long) pos + n > g.maxContext()) {
            throw new ContextOverflowException(pos + n, g.maxContext());
        }
        checkRange("k", k, kOff, (long) n * g.kvDim());
        checkRange("v", v, vOff, (long) n * g.kvDim());
        if (n > 0) {
            lc.append(pos, n, k, kOff, v, vOff);
        }
    }

    @Override
    public void attend(int layer, int pos, int n, float[] q, int qOff, float[] out, int outOff) {
        LayerCache lc = layer(layer);
        if (n < 0 || pos < 0) {
            throw new IllegalArgumentException("attend: pos = " + pos + ", n = " + n + " must not be negative");
        }
        if ((long) pos + n > lc.length()) {
            throw new IllegalArgumentException("attend: positions [" + pos + ", " + (pos + n) + ") of layer " + layer
                    + " are not all appended (it holds " + lc.length() + ")");
        }
        checkRange("q", q, qOff, (long) n * g.queryDim());
        checkRange("out", out, outOff, (long) n * g.queryDim());
        if (n > 0) {
            stats = stats.plus(attention.attend(lc, layer, pos, n, q, qOff, out, outOff, listener));
        }
    }

    @Override
    public void truncate(int length) {
        checkOpen();
        if (length < 0) {
            throw new IllegalArgumentException("truncate: length " + length + " is negative");
        }
        for (LayerCache lc : layers) {
            lc.truncate(Math.min(length, lc.length()));
        }
    }

    @Override
    public AttentionStats stats() {
        return stats;
    }

    @Override
    public void resetStats() {
        stats = AttentionStats.NONE;
    }

    @Override
    public void setSelectionListener(SelectionListener listener) {
        this.listener = listener;
    }

    @Override
    public long cacheBytes() {
        long b = 0;
        for (LayerCache lc : layers) {
            b += lc.bytes();
        }
        return b;
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            for (LayerCache lc : layers) {
                lc.close();
            }
        }
    }

    private LayerCache layer(int layer) {
        checkOpen();
        if (layer < 0 || layer >= layers.length) {
            throw new IllegalArgumentException("layer " + layer + " is outside [0, " + layers.length + ")");
        }
        return layers[layer];
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("shadowattn session is closed");
        }
    }

    private static void checkRange(String name, float[] a, int off, long len) {
        if (a == null) {
            throw new IllegalArgumentException(name + " is null");
        }
        if (off < 0 || off + len > a.length) {
            throw new IllegalArgumentException(name + ": " + len + " floats from offset " + off
                    + " do not fit in an array of " + a.length);
        }
    }
}
