package dev.shadowattn.plugin.testing;

/**
 * Exact causal attention in double precision, written independently of the backend: for query head {@code h} at
 * position {@code p}, {@code softmax(q·k_j / sqrt(d)) v_j} over {@code j <= p} (or over a given key set).
 */
public final class DenseReference {

    private DenseReference() {
    }

    /** Output rows {@code [from, to)} as {@code [to-from][queryHeads][headDim]}. */
    public static float[] attend(QkvData x, int from, int to) {
        float[] out = new float[(to - from) * x.queryDim()];
        for (int p = from; p < to; p++) {
            for (int h = 0; h < x.queryHeads(); h++) {
                int[] keys = new int[p + 1];
                for (int j = 0; j <= p; j++) {
                    keys[j] = j;
                }
                attendOne(x, h, p, keys, keys.length, out, ((p - from) * x.queryHeads() + h) * x.headDim());
            }
        }
        return out;
    }

    /** Attention of head {@code h} at {@code p} over {@code keys[0, count)} into {@code out[off, off+d)}. */
    public static void attendOne(QkvData x, int h, int p, int[] keys, int count, float[] out, int off) {
        int d = x.headDim();
        int kv = h / x.groupSize();
        double[] logits = new double[count];
        double max = Double.NEGATIVE_INFINITY;
        for (int t = 0; t < count; t++) {
            logits[t] = score(x, h, p, keys[t]) / Math.sqrt(d);
            max = Math.max(max, logits[t]);
        }
        double sum = 0;
        double[] acc = new double[d];
        for (int t = 0; t < count; t++) {
            double w = Math.exp(logits[t] - max);
            sum += w;
            int vo = (keys[t] * x.kvHeads() + kv) * d;
            for (int c = 0; c < d; c++) {
                acc[c] += w * x.v()[vo + c];
            }
        }
        for (int c = 0; c < d; c++) {
            out[off + c] = count == 0 ? 0f : (float) (acc[c] / sum);
        }
    }

    /** Exact q·k (no 1/sqrt(d)) of head {@code h} at {@code p} with key {@code j}. */
    public static double score(QkvData x, int h, int p, int j) {
        int d = x.headDim();
        int qo = (p * x.queryHeads() + h) * d;
        int ko = (j * x.kvHeads() + h / x.groupSize()) * d;
        double s = 0;
        for (int c = 0; c < d; c++) {
            s += (double) x.q()[qo + c] * x.k()[ko + c];
        }
        return s;
    }

    /** Softmax weights of head {@code h} at {@code p} over all visible keys. */
    public static double[] weights(QkvData x, int h, int p) {
        double[] w = new double[p + 1];
        double max = Double.NEGATIVE_INFINITY;
        for (int j = 0; j <= p; j++) {
            w[j] = score(x, h, p, j) / Math.sqrt(x.headDim());
            max = Math.max(max, w[j]);
        }
        double sum = 0;
        for (int j = 0; j <= p; j++) {
            w[j] = Math.exp(w[j] - max);
            sum += w[j];
        }
        for (int j = 0; j <= p; j++) {
            w[j] /= sum;
        }
        return w;
    }

    /** Largest |a - b| relative to the largest |b|. */
    public static double relativeError(float[] a, float[] b) {
        double num = 0;
        double den = 0;
        for (int i = 0; i < a.length; i++) {
            num = Math.max(num, Math.abs(a[i] - b[i]));
            den = Math.max(den, Math.abs(b[i]));
        }
        return num / Math.max(den, 1e-30);
    }
}
