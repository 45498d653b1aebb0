package dev.shadowattn.plugin.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vector API top-k (CPU-ATTENTION-NOTES.md, "Selection"): a threshold band from a 1-in-8 sample, one vector pass
 * counting and collecting the scores inside the band, an exact k-th value among them, then one vector compare pass
 * turning mask bits into ascending indices. Same result as {@link ScalarKernels#selectTopK}.
 */
final class VectorTopK {

    private static final VectorSpecies<Float> FS = FloatVector.SPECIES_PREFERRED;
    private static final int L = FS.length();
    /** Below this many scores, the threshold comes from a full selection (sampling would not pay). */
    private static final int SAMPLE_FROM = 4096;

    private VectorTopK() {
    }

    static int select(float[] scores, int n, int k, int[] out, SelectScratch scratch) {
        if (k <= 0 || n <= 0) {
            return 0;
        }
        if (k >= n) {
            for (int i = 0; i < n; i++) {
                out[i] = i;
            }
            return n;
        }
        float t = threshold(scores, n, k, scratch);
        int eqBudget = k - countGreater(scores, n, t);
        return emit(scores, n, t, eqBudget, out);
    }

    /** The k-th largest score. */
    private static float threshold(float[] scores, int n, int k, SelectScratch scratch) {
        float[] vals = scratch.values(n);
        if (n >= SAMPLE_FROM) {
            int ns = n >>> 3;
            for (int i = 0; i < ns; i++) {
                vals[i] = scores[i << 3];
            }
            int r = (int) ((long) k * ns / n) + 1;
            int rank = Math.min(ns, r + (int) (3 * Math.sqrt(r)) + 8);
            float lo = QuickSelect.kthLargest(vals, ns, rank);
            int c = collectAtLeast(scores, n, lo, vals, 4 * k + 4096);
            if (c >= k) {
                return QuickSelect.kthLargest(vals, c, k);
            }
        }
        System.arraycopy(scores, 0, vals, 0, n);
        return QuickSelect.kthLargest(vals, n, k);
    }

    /**
     * Copies the scores {@code >= lo} into {@code vals} and returns their count, or -1 as soon as there are more
     * than {@code limit} (band too wide: the caller falls back to a full selection).
     */
    private static int collectAtLeast(float[] scores, int n, float lo, float[] vals, int limit) {
        int c = 0;
        int i = 0;
        for (int bound = FS.loopBound(n); i < bound; i += L) {
            long bits = FloatVector.fromArray(FS, scores, i).compare(VectorOperators.GE, lo).toLong();
            while (bits != 0) {
                vals[c++] = scores[i + Long.numberOfTrailingZeros(bits)];
                bits &= bits - 1;
            }
            if (c > limit) {
                return -1;
            }
        }
        for (; i < n; i++) {
            if (scores[i] >= lo) {
                vals[c++] = scores[i];
            }
        }
        return c;
    }

    private static int countGreater(float[] scores, int n, float t) {
        int c = 0;
        int i = 0;
        for (int bound = FS.loopBound(n); i < bound; i += L) {
            c += FloatVector.fromArray(FS, scores, i).compare(VectorOperators.GT, t).trueCount();
        }
        for (; i < n; i++) {
            if (scores[i] > t) {
                c++;
            }
        }
        return c;
    }

    /** Writes, ascending, the indices of scores above {@code t} and the first {@code eqBudget} equal to it. */
    private static int emit(float[] scores, int n, float t, int eqBudget, int[] out) {
        int o = 0;
        int i = 0;
        for (int bound = FS.loopBound(n); i < bound; i += L) {
            FloatVector s = FloatVector.fromArray(FS, scores, i);
            long bits = s.compare(VectorOperators.GT, t).toLong();
            if (eqBudget > 0) {
                long eq = s.compare(VectorOperators.EQ, t).toLong();
                while (eq != 0 && eqBudget > 0) {
                    bits |= eq & -eq;
                    eq &= eq - 1;
                    eqBudget--;
                }
            }
            while (bits != 0) {
                out[o++] = i + Long.numberOfTrailingZeros(bits);
                bits &= bits - 1;
            }
        }
        for (; i < n; i++) {
            float s = scores[i];
            if (s > t || (s == t && eqBudget-- > 0)) {
                out[o++] = i;
            }
        }
        return o;
    }
}
