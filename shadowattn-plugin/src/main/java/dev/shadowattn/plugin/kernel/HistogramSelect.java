package dev.shadowattn.plugin.kernel;

/**
 * The k-th largest float by histogram refinement: count the values into 256 equal-width bins between their min and
 * max, find the bin holding the k-th largest, keep only that bin's values and repeat (sorting when few are left).
 * Counting is a branch-free increment per value, so unlike quickselect it does not pay a branch misprediction per
 * comparison on fresh data. Infinities are handled apart; values must not be NaN.
 */
final class HistogramSelect {

    private static final int BINS = 256;
    private static final int SMALL = 24;

    private HistogramSelect() {
    }

    /**
     * The {@code k}-th largest of {@code a[0, n)}, {@code 1 <= k <= n}; reorders {@code a}. {@code counts} needs
     * {@value #BINS} entries.
     */
    static float kthLargest(float[] a, int n, int k, int[] counts) {
        while (true) {
            if (n <= SMALL) {
                insertionSortDescending(a, n);
                return a[k - 1];
            }
            float min = Float.POSITIVE_INFINITY;
            float max = Float.NEGATIVE_INFINITY;
            for (int i = 0; i < n; i++) {
                min = Math.min(min, a[i]);
                max = Math.max(max, a[i]);
            }
            if (min == max) {
                return min;
            }
            if (max == Float.POSITIVE_INFINITY || min == Float.NEGATIVE_INFINITY) {
                // Move the infinities out of the way; +Inf are the largest, -Inf the smallest.
                int plus = 0;
                int finite = 0;
                for (int i = 0; i < n; i++) {
                    float x = a[i];
                    if (x == Float.POSITIVE_INFINITY) {
                        plus++;
                    } else if (x != Float.NEGATIVE_INFINITY) {
                        a[finite++] = x;
                    }
                }
                if (k <= plus) {
                    return Float.POSITIVE_INFINITY;
                }
                if (k > plus + finite) {
                    return Float.NEGATIVE_INFINITY;
                }
                n = finite;
                k -= plus;
                continue;
            }
            double scale = BINS / ((double) max - min);
            java.util.Arrays.fill(counts, 0, BINS, 0);
            for (int i = 0; i < n; i++) {
                counts[bin(a[i], min, scale)]++;
            }
            int b = BINS - 1;
            int above = 0;
            while (above + counts[b] < k) {
                above += counts[b--];
            }
            int m = 0;
            for (int i = 0; i < n; i++) {
                float x = a[i];
                if (bin(x, min, scale) == b) {
                    a[m++] = x;
                }
            }
            if (m == n) {
                // Rounding put everything in one bin although min < max: finish by sorting.
                java.util.Arrays.sort(a, 0, n);
                return a[n - k];
            }
            n = m;
            k -= above;
        }
    }

    private static int bin(float x, float min, double scale) {
        return Math.min(BINS - 1, (int) ((x - (double) min) * scale));
    }

    private static void insertionSortDescending(float[] a, int n) {
        for (int i = 1; i < n; i++) {
            float x = a[i];
            int j = i - 1;
            while (j >= 0 && a[j] < x) {
                a[j + 1] = a[j];
                j--;
            }
            a[j + 1] = x;
        }
    }
}
