package dev.shadowattn.plugin.kernel;

import java.util.Arrays;

/** In-place selection of the k-th largest float (Hoare partitioning, median-of-three pivots). */
final class QuickSelect {

    private QuickSelect() {
    }

    /**
     * The {@code k}-th largest of {@code a[0, n)}, {@code 1 <= k <= n}; reorders {@code a}. Values must not be NaN.
     */
    static float kthLargest(float[] a, int n, int k) {
        int lo = 0;
        int hi = n - 1;
        int target = k - 1;
        for (int round = 0; lo < hi; round++) {
            if (round > 64) {
                // Pathological pivots: finish by sorting what is left (ascending, so count from the top).
                Arrays.sort(a, lo, hi + 1);
                return a[hi - (target - lo)];
            }
            float x = a[lo];
            float y = a[(lo + hi) >>> 1];
            float z = a[hi];
            float pivot = Math.max(Math.min(x, y), Math.min(Math.max(x, y), z));
            int i = lo;
            int j = hi;
            while (i <= j) {
                while (a[i] > pivot) {
                    i++;
                }
                while (a[j] < pivot) {
                    j--;
                }
                if (i <= j) {
                    float t = a[i];
                    a[i] = a[j];
                    a[j] = t;
                    i++;
                    j--;
                }
            }
            // a[lo..j] >= pivot, a[i..hi] <= pivot, a[j+1..i-1] == pivot
            if (target <= j) {
                hi = j;
            } else if (target >= i) {
                lo = i;
            } else {
                return pivot;
            }
        }
        return a[target];
    }
}
