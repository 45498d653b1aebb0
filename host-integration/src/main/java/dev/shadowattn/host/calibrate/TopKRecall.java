package dev.shadowattn.host.calibrate;

import dev.shadowattn.api.AttentionGeometry;
import dev.shadowattn.api.SelectionListener;

/**
 * Quality of a selecting backend's key choice against exact float attention, per query head and row: <em>recall</em>
 * is the fraction of the kept keys that are among the {@code count} keys of largest float {@code q·k} (the kept set
 * compared with the float top-k set of the same size, SHADOWATTN.md "Key observation"); <em>mass</em> is the share
 * of the exact softmax weight that falls on the kept keys.
 *
 * <p>It observes Q and K through an {@link ObservingBackend} (keys are stored per layer as they are appended) and the
 * kept keys through the SPI's {@link SelectionListener}, which the backend calls during {@code attend}, after the
 * observer saw that call's queries. One sequence at a time; positions restart with each new sequence.
 */
public final class TopKRecall implements QkObserver, SelectionListener {

    private final AttentionGeometry g;
    private final float[][] keys;
    private final float[][] queries;
    private final int[] queryPos;
    private final float[] scores;
    private final float[] scratch;
    private final double[] recallSum;
    private final double[] massSum;
    private final long[] rows;

    public TopKRecall(AttentionGeometry g) {
        this.g = g;
        keys = new float[g.layers()][];
        queries = new float[g.layers()][];
        queryPos = new int[g.layers()];
        scores = new float[g.maxContext()];
        scratch = new float[g.maxContext()];
        recallSum = new double[g.layers()];
        massSum = new double[g.layers()];
        rows = new long[g.layers()];
    }

    @Override
    public void keys(int layer, int pos, int n, float[] k, int off) {
        int kvDim = g.kvDim();
        if (keys[layer] == null) {
            keys[layer] = new float[g.maxContext() * kvDim];
        }
        System.arraycopy(k, off, keys[layer], pos * kvDim, n * kvDim);
    }

    @Override
    public void queries(int layer, int pos, int n, float[] q, int off) {
        int qDim = g.queryDim();
        if (queries[layer] == null || queries[layer].length < n * qDim) {
            queries[layer] = new float[n * qDim];
        }
        System.arraycopy(q, off, queries[layer], 0, n * qDim);
        queryPos[layer] = pos;
    }

    @Override
    public void selected(int layer, int queryHead, int position, int[] keyPositions, int count) {
        int d = g.headDim();
        int visible = position + 1;
        if (count <= 0 || count > visible) {
            throw new IllegalStateException("backend kept " + count + " keys of " + visible + " at layer " + layer
                    + " head " + queryHead + " position " + position);
        }
        int qo = ((position - queryPos[layer]) * g.queryHeads() + queryHead) * d;
        int kvHead = queryHead / g.groupSize();
        float[] q = queries[layer];
        float[] k = keys[layer];
        float max = Float.NEGATIVE_INFINITY;
        for (int j = 0; j < visible; j++) {
            int ko = (j * g.kvHeads() + kvHead) * d;
            float s = 0;
            for (int i = 0; i < d; i++) {
                s += q[qo + i] * k[ko + i];
            }
            scores[j] = s;
            max = Math.max(max, s);
        }
        float kth = kthLargest(visible, count);
        int hits = 0;
        double scale = 1.0 / Math.sqrt(d);
        double keptMass = 0;
        for (int c = 0; c < count; c++) {
            float s = scores[keyPositions[c]];
            if (s >= kth) {
                hits++;
            }
            keptMass += Math.exp((s - max) * scale);
        }
        double total = 0;
        for (int j = 0; j < visible; j++) {
            total += Math.exp((scores[j] - max) * scale);
        }
        recallSum[layer] += Math.min(1.0, (double) hits / count);
        massSum[layer] += keptMass / total;
        rows[layer]++;
    }

    /** The {@code count}-th largest of {@code scores[0, n)}. */
    private float kthLargest(int n, int count) {
        System.arraycopy(scores, 0, scratch, 0, n);
        return Selection.kthLargest(scratch, n, count);
    }

    /** Mean recall per layer (NaN for a layer with no reported selection). */
    public double[] layerRecall() {
        double[] r = new double[recallSum.length];
        for (int l = 0; l < r.length; l++) {
            r[l] = recallSum[l] / rows[l];
        }
        return r;
    }

    /** Mean recall over every reported selection. */
    public double recall() {
        return sum(recallSum) / sum(rows);
    }

    /** Mean share of the exact softmax weight on the kept keys. */
    public double mass() {
        return sum(massSum) / sum(rows);
    }

    /** Selections reported (query head x row). */
    public long selections() {
        return (long) sum(rows);
    }

    private static double sum(double[] v) {
        double s = 0;
        for (double x : v) {
            s += x;
        }
        return s;
    }

    private static double sum(long[] v) {
        double s = 0;
        for (long x : v) {
            s += x;
        }
        return s;
    }
}
