package dev.shadowattn.host.attention;

import dev.shadowattn.api.AttentionGeometry;

/** Plain causal grouped-query attention in double precision, straight from the definition: the test oracle. */
final class ReferenceAttention {

    private ReferenceAttention() {
    }

    /**
     * @param k   every appended position of one layer, {@code [positions][kvHeads][headDim]}
     * @param v   same layout
     * @param q   {@code [n][queryHeads][headDim]} for positions {@code [pos, pos + n)}
     * @return    {@code [n][queryHeads][headDim]}
     */
    static float[] attend(AttentionGeometry g, float[] k, float[] v, int pos, int n, float[] q) {
        int dim = g.headDim();
        float[] out = new float[n * g.queryDim()];
        double scale = 1.0 / Math.sqrt(dim);
        for (int r = 0; r < n; r++) {
            int p = pos + r;
            for (int h = 0; h < g.queryHeads(); h++) {
                int kvh = h / g.groupSize();
                int qBase = r * g.queryDim() + h * dim;
                double[] scores = new double[p + 1];
                double max = Double.NEGATIVE_INFINITY;
                for (int t = 0; t <= p; t++) {
                    int kBase = t * g.kvDim() + kvh * dim;
                    double dot = 0;
                    for (int d = 0; d < dim; d++) {
                        dot += (double) q[qBase + d] * k[kBase + d];
                    }
                    scores[t] = dot * scale;
                    max = Math.max(max, scores[t]);
                }
                double total = 0;
                for (int t = 0; t <= p; t++) {
                    scores[t] = Math.exp(scores[t] - max);
                    total += scores[t];
                }
                for (int d = 0; d < dim; d++) {
                    double acc = 0;
                    for (int t = 0; t <= p; t++) {
                        acc += scores[t] * v[t * g.kvDim() + kvh * dim + d];
                    }
                    out[qBase + d] = (float) (acc / total);
                }
            }
        }
        return out;
    }
}
