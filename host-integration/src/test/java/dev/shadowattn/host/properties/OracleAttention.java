package dev.shadowattn.host.properties;

import dev.shadowattn.api.AttentionGeometry;

/** Causal grouped-query attention in double precision from its definition, with the maximum subtracted. */
final class OracleAttention {

    private OracleAttention() {
    }

    /** Outputs of one layer for all positions of the workload. */
    static float[] attend(Workload w, int layer) {
        AttentionGeometry g = w.geometry();
        float[] k = w.k(layer);
        float[] v = w.v(layer);
        float[] q = w.q(layer);
        int d = g.headDim();
        float[] out = new float[w.positions() * g.queryDim()];
        double scale = 1 / Math.sqrt(d);
        double[] p = new double[w.positions()];
        for (int row = 0; row < w.positions(); row++) {
            for (int h = 0; h < g.queryHeads(); h++) {
                int kvHead = h / g.groupSize();
                int qBase = row * g.queryDim() + h * d;
                double max = Double.NEGATIVE_INFINITY;
                for (int t = 0; t <= row; t++) {
                    double dot = 0;
                    for (int i = 0; i < d; i++) {
                        dot += (double) q[qBase + i] * k[t * g.kvDim() + kvHead * d + i];
                    }
                    p[t] = dot * scale;
                    max = Math.max(max, p[t]);
                }
                double sum = 0;
                for (int t = 0; t <= row; t++) {
                    p[t] = Math.exp(p[t] - max);
                    sum += p[t];
                }
                for (int i = 0; i < d; i++) {
                    double acc = 0;
                    for (int t = 0; t <= row; t++) {
                        acc += p[t] * v[t * g.kvDim() + kvHead * d + i];
                    }
                    out[qBase + i] = (float) (acc / sum);
                }
            }
        }
        return out;
    }
}
