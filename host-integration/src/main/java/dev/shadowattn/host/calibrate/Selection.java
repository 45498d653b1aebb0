package dev.shadowattn.host.calibrate;

/** Order statistics for top-k selection over float scores. */
final class Selection {

    private Selection() {
    }

    /**
     * The {@code count}-th largest of {@code a[0, n)} ({@code 1 <= count <= n}); reorders {@code a} (quickselect,
     * Hoare partition, descending).
     */
    static float kthLargest(float[] a, int n, int count) {
        if (count < 1 || count > n) {
            throw new IllegalArgumentException("count " + count + " outside [1, " + n + "]");
        }
        int lo = 0;
        int hi = n - 1;
        int target = count - 1;
        while (lo < hi) {
            float pivot = a[(lo + hi) >>> 1];
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
            if (target <= j) {
                hi = j;
            } else if (target >= i) {
                lo = i;
            } else {
                break;
            }
        }
        return a[target];
    }
}
