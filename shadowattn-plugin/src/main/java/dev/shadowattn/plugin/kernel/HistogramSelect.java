package dev.shadowattn.plugin.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The k-th largest float by histogram refinement: count the values into 256 equal-width bins between their min and
 * max, find the bin holding the k-th largest, keep only that bin's values and repeat (sorting when few are left).
 * Counting is a branch-free increment per value, so unlike quickselect it does not pay a branch misprediction per
 * comparison on fresh data. Infinities are handled apart; values must not be NaN. The min/max and the keep-one-bin
 * passes use the Vector API (this class serves {@link VectorTopK}); bins are computed the same way in both, and
 * only their order matters: {@code bin} is monotonic in the value.
 */
final class HistogramSelect {

    private static final VectorSpecies<Float> FS = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Integer> IS = FS.withLanes(int.class);
    private static final int L = FS.length();

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
            FloatVector vmin = FloatVector.broadcast(FS, Float.POSITIVE_INFINITY);
            FloatVector vmax = FloatVector.broadcast(FS, Float.NEGATIVE_INFINITY);
            int i0 = 0;
            for (int bound = FS.loopBound(n); i0 < bound; i0 += L) {
                FloatVector x = FloatVector.fromArray(FS, a, i0);
                vmin = vmin.min(x);
                vmax = vmax.max(x);
            }
            float min = vmin.reduceLanes(VectorOperators.MIN);
            float max = vmax.reduceLanes(VectorOperators.MAX);
            for (int i = i0; i < n; i++) {
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
            float scale = (float) (BINS / ((double) max - min));
            java.util.Arrays.fill(counts, 0, BINS, 0);
            for (int i = 0; i < n; i++) {
                counts[bin(a[i], min, scale)]++;
            }
            int b = BINS - 1;
            int above = 0;
            while (above + counts[b] < k) {
                above += counts[b--];
            }
            int m = keepBin(a, n, min, scale, b);
            if (m == n) {
                // Rounding put everything in one bin although min < max: finish by sorting.
                java.util.Arrays.sort(a, 0, n);
                return a[n - k];
            }
            n = m;
            k -= above;
        }
    }

    /** The bin of {@code x}: monotonic in {@code x}, whatever the rounding. */
    private static int bin(float x, float min, float scale) {
        return Math.min(BINS - 1, (int) ((x - min) * scale));
    }

    /**
     * Moves the values of bin {@code b} to the front of {@code a[0, n)} and returns their count. A value is written at
     * or below its own index, so none is overwritten before it is read.
     */
    private static int keepBin(float[] a, int n, float min, float scale, int b) {
        int m = 0;
        int i = 0;
        for (int bound = FS.loopBound(n); i < bound; i += L) {
            FloatVector x = FloatVector.fromArray(FS, a, i);
            IntVector bins = ((IntVector) x.sub(min).mul(scale).convert(VectorOperators.F2I, 0)).min(BINS - 1);
            VectorMask<Integer> in = bins.compare(VectorOperators.EQ, b);
            long bits = in.toLong();
            while (bits != 0) {
                a[m++] = a[i + Long.numberOfTrailingZeros(bits)];
                bits &= bits - 1;
            }
        }
        for (; i < n; i++) {
            float x = a[i];
            if (bin(x, min, scale) == b) {
                a[m++] = x;
            }
        }
        return m;
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
