package dev.shadowattn.plugin.qnn;

/**
 * Plain scalar references for the QNN tests: exact integer matrix products of levels, and the requantization of
 * {@link Requantization} applied element by element. Deliberately naive.
 */
final class Int8Reference {

    private Int8Reference() {
    }

    /**
     * Exact INT8 scores of one head: {@code S[r][j] = sum_c q[r][c] * k[j][c]} for {@code q} of {@code [rows][d]}
     * and {@code k} of {@code [keys][d]}, both row-major.
     */
    static int[] scores(byte[] q, byte[] k, int rows, int keys, int d) {
        int[] s = new int[rows * keys];
        for (int r = 0; r < rows; r++) {
            for (int j = 0; j < keys; j++) {
                int acc = 0;
                for (int c = 0; c < d; c++) {
                    acc += q[r * d + c] * k[j * d + c];
                }
                s[r * keys + j] = acc;
            }
        }
        return s;
    }

    /**
     * Batched product of levels: {@code a} is {@code [batch][m][k]} ({@code [batch][k][m]} if {@code t0}),
     * {@code b} is {@code [batch][k][n]} ({@code [batch][n][k]} if {@code t1}); returns {@code [batch][m][n]}.
     */
    static long[] matmul(int[] a, int[] b, int batch, int m, int k, int n, boolean t0, boolean t1) {
        long[] out = new long[batch * m * n];
        for (int bt = 0; bt < batch; bt++) {
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    long acc = 0;
                    for (int p = 0; p < k; p++) {
                        int av = a[bt * m * k + (t0 ? p * m + i : i * k + p)];
                        int bv = b[bt * k * n + (t1 ? j * k + p : p * n + j)];
                        acc += (long) av * bv;
                    }
                    out[bt * m * n + i * n + j] = acc;
                }
            }
        }
        return out;
    }

    /** Output levels of exact accumulators for input scales {@code s0, s1} and output scale {@code so}. */
    static int[] requantize(long[] acc, float s0, float s1, float so, QuantEncoding output) {
        int[] levels = new int[acc.length];
        for (int i = 0; i < acc.length; i++) {
            levels[i] = Requantization.stored(acc[i], (double) s0 * (double) s1, so, output) + output.offset();
        }
        return levels;
    }

    static long[] widen(int[] v) {
        long[] out = new long[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = v[i];
        }
        return out;
    }
}
