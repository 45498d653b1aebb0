package dev.shadowattn.host.calibrate;

import dev.shadowattn.api.AttentionBackend;
import dev.shadowattn.api.AttentionGeometry;
import dev.shadowattn.api.AttentionSession;
import dev.shadowattn.api.AttentionStats;
import dev.shadowattn.api.SelectionListener;

/**
 * A decorator over an exact backend that makes chosen query heads of one layer sparse: their output is replaced by
 * attention over only the {@code ceil(ratio * visible)} keys of largest float {@code q·k} (the selection rule of
 * SHADOWATTN.md with exact estimation), computed here from copies of the appended K and V. Calibration uses it to
 * measure how much the loss suffers when a head, or a layer, is made sparse ({@link Importance#SPARSE}).
 * With no probe set it only delegates (and keeps its copies of K and V).
 */
public final class SparseProbeBackend implements AttentionBackend {

    private final AttentionBackend delegate;
    private final AttentionGeometry g;
    private int probeLayer = -1;
    private boolean[] probeHeads;
    private double probeRatio;

    public SparseProbeBackend(AttentionBackend delegate) {
        this.delegate = delegate;
        this.g = delegate.geometry();
    }

    /** Makes {@code heads[h]} of {@code layer} sparse at {@code ratio} in the calls that follow. */
    public void setProbe(int layer, boolean[] heads, double ratio) {
        if (layer < 0 || layer >= g.layers() || heads.length != g.queryHeads() || !(ratio > 0 && ratio <= 1)) {
            throw new IllegalArgumentException("bad probe: layer " + layer + ", " + heads.length + " heads, ratio "
                    + ratio);
        }
        this.probeLayer = layer;
        this.probeHeads = heads.clone();
        this.probeRatio = ratio;
    }

    /** Back to exact attention everywhere. */
    public void clearProbe() {
        probeLayer = -1;
        probeHeads = null;
    }

    @Override
    public String name() {
        return delegate.name();
    }

    @Override
    public AttentionGeometry geometry() {
        return g;
    }

    @Override
    public String describe() {
        return delegate.describe();
    }

    @Override
    public AttentionSession openSession() {
        return new Session(delegate.openSession());
    }

    @Override
    public void close() {
        delegate.close();
    }

    /** Keys kept of {@code visible}: {@code max(1, ceil(ratio * visible))}, as the plug-in's selection. */
    static int budget(double ratio, int visible) {
        return (int) Math.min(visible, Math.max(1, (long) Math.ceil(ratio * visible - 1e-9)));
    }

    private final class Session implements AttentionSession {

        private final AttentionSession s;
        private final float[][] keys = new float[g.layers()][];
        private final float[][] values = new float[g.layers()][];
        private final float[] scores = new float[g.maxContext()];
        private final float[] scratch = new float[g.maxContext()];
        private final float[] acc = new float[g.headDim()];

        Session(AttentionSession s) {
            this.s = s;
        }

        @Override
        public int length() {
            return s.length();
        }

        @Override
        public void append(int layer, int pos, int n, float[] k, int kOffset, float[] v, int vOffset) {
            s.append(layer, pos, n, k, kOffset, v, vOffset);
            int kvDim = g.kvDim();
            if (keys[layer] == null) {
                keys[layer] = new float[g.maxContext() * kvDim];
                values[layer] = new float[g.maxContext() * kvDim];
            }
            System.arraycopy(k, kOffset, keys[layer], pos * kvDim, n * kvDim);
            System.arraycopy(v, vOffset, values[layer], pos * kvDim, n * kvDim);
        }

        @Override
        public void attend(int layer, int pos, int n, float[] q, int qOffset, float[] out, int outOffset) {
            s.attend(layer, pos, n, q, qOffset, out, outOffset);
            if (layer != probeLayer) {
                return;
            }
            for (int h = 0; h < g.queryHeads(); h++) {
                if (probeHeads[h]) {
                    for (int r = 0; r < n; r++) {
                        int o = (r * g.queryHeads() + h) * g.headDim();
                        sparseRow(layer, h, pos + r, q, qOffset + o, out, outOffset + o);
                    }
                }
            }
        }

        /** Exact attention of one query head and row over its top-k keys by float score. */
        private void sparseRow(int layer, int head, int position, float[] q, int qo, float[] out, int oo) {
            int d = g.headDim();
            int kvHead = head / g.groupSize();
            int visible = position + 1;
            float[] k = keys[layer];
            float[] v = values[layer];
            for (int j = 0; j < visible; j++) {
                int ko = (j * g.kvHeads() + kvHead) * d;
                float dot = 0;
                for (int i = 0; i < d; i++) {
                    dot += q[qo + i] * k[ko + i];
                }
                scores[j] = dot;
            }
            int keep = budget(probeRatio, visible);
            System.arraycopy(scores, 0, scratch, 0, visible);
            float kth = Selection.kthLargest(scratch, visible, keep);
            float max = Float.NEGATIVE_INFINITY;
            for (int j = 0; j < visible; j++) {
                max = Math.max(max, scores[j]);
            }
            double scale = 1.0 / Math.sqrt(d);
            java.util.Arrays.fill(acc, 0f);
            double sum = 0;
            int taken = 0;
            int ties = keep;
            for (int j = 0; j < visible; j++) {
                if (scores[j] > kth) {
                    ties--;
                }
            }
            for (int j = 0; j < visible && taken < keep; j++) {
                float sj = scores[j];
                if (sj > kth || (sj == kth && ties-- > 0)) {
                    float p = (float) Math.exp((sj - max) * scale);
                    sum += p;
                    int vo = (j * g.kvHeads() + kvHead) * d;
                    for (int i = 0; i < d; i++) {
                        acc[i] += p * v[vo + i];
                    }
                    taken++;
                }
            }
            float inv = (float) (1.0 / sum);
            for (int i = 0; i < d; i++) {
                out[oo + i] = acc[i] * inv;
            }
        }

        @Override
        public void truncate(int length) {
            s.truncate(length);
        }

        @Override
        public AttentionStats stats() {
            return s.stats();
        }

        @Override
        public void resetStats() {
            s.resetStats();
        }

        @Override
        public void setSelectionListener(SelectionListener listener) {
            s.setSelectionListener(listener);
        }

        @Override
        public long cacheBytes() {
            return s.cacheBytes() + 2L * keys.length * g.maxContext() * g.kvDim() * Float.BYTES;
        }

        @Override
        public void close() {
            s.close();
        }
    }
}
