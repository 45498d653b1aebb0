package dev.shadowattn.plugin.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vector API top-k (CPU-ATTENTION-NOTES.md, "Selection"): a threshold band from a 1-in-8 sample, one vector pass
 * counting the scores above the band and collecting those inside it, an exact k-th value within the band (histogram refinement), then one
 * vector compare pass turning mask bits into ascending indices. Same result as {@link ScalarKernels#selectTopK}.
 */
final class VectorTopK {

    private static final VectorSpecies<Float> FS = FloatVector.SPECIES_PREFERRED;
    private static final int L = FS.length();
    /** Below this many scores, the threshold comes from a full selection (sampling would not pay). */
    private static final int SAMPLE_FROM = 768;

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
        threshold(scores, 0, n, k, scratch);
        return emit(scores, n, scratch.threshold, scratch.ties, out);
    }

    /** As {@link #select} over {@code scores[so, so+n)}, into a bit set ({@link AttentionKernels#selectBits}). */
    static void selectBits(float[] scores, int so, int n, int k, long[] bits, int bitsOff, SelectScratch scratch) {
        int words = (n + 63) >>> 6;
        if (k <= 0 || n <= 0) {
            java.util.Arrays.fill(bits, bitsOff, bitsOff + words, 0L);
            return;
        }
        if (k >= n) {
            java.util.Arrays.fill(bits, bitsOff, bitsOff + words, -1L);
            if ((n & 63) != 0) {
                bits[bitsOff + words - 1] = (1L << n) - 1;
            }
            return;
        }
        threshold(scores, so, n, k, scratch);
        emitBits(scores, so, n, scratch.threshold, scratch.ties, bits, bitsOff);
    }

    /**
     * The k-th largest of {@code scores[so, so+n)} ({@code 0 < k < n}) into {@code scratch.threshold}, and into {@code scratch.ties} how
     * many scores equal to it are kept (the lowest-indexed ones).
     */
    private static void threshold(float[] scores, int so, int n, int k, SelectScratch scratch) {
        float[] vals = scratch.values(n + L);
        if (n >= SAMPLE_FROM) {
            // Ranks around k/8 in a 1-in-8 sample bound a band [lo, hi] that holds the k-th largest score: every
            // score above hi is kept, and only the band is ordered exactly.
            int ns = n >>> 3;
            for (int i = 0; i < ns; i++) {
                vals[i] = scores[so + (i << 3)];
            }
            int r = (int) ((long) k * ns / n) + 1;
            int margin = (int) (3 * Math.sqrt(r)) + 8;
            // A selection reorders its input: the second one works on a copy of the sample.
            System.arraycopy(vals, 0, vals, ns, ns);
            float lo = HistogramSelect.kthLargest(vals, ns, Math.min(ns, r + margin), scratch.counts);
            System.arraycopy(vals, ns, vals, 0, ns);
            float hi = r - margin >= 1 ? HistogramSelect.kthLargest(vals, ns, r - margin, scratch.counts)
                    : Float.POSITIVE_INFINITY;
            long band = band(scores, so, n, lo, hi, vals, k + 8 * margin + 4096);
            int above = (int) (band >>> 32);
            int inBand = (int) band;
            if (band >= 0 && above < k && above + inBand >= k) {
                float t = HistogramSelect.kthLargest(vals, inBand, k - above, scratch.counts);
                // (The selection compacted vals: count above t over the scores themselves.)
                scratch.threshold = t;
                scratch.ties = k - countGreater(scores, so, n, t);
                return;
            }
        }
        System.arraycopy(scores, so, vals, 0, n);
        float t = HistogramSelect.kthLargest(vals, n, k, scratch.counts);
        scratch.threshold = t;
        scratch.ties = k - countGreater(scores, so, n, t);
    }

    /**
     * One vector pass: counts the scores above {@code hi} and copies those in {@code [lo, hi]} into {@code band};
     * returns {@code above << 32 | inBand}, or -1 as soon as the band holds more than {@code limit}.
     */
    private static long band(float[] scores, int so, int n, float lo, float hi, float[] band, int limit) {
        int above = 0;
        int c = 0;
        int i = 0;
        for (int bound = FS.loopBound(n); i < bound; i += L) {
            FloatVector s = FloatVector.fromArray(FS, scores, so + i);
            above += s.compare(VectorOperators.GT, hi).trueCount();
            // Branch-free: the band's lanes packed to the front of a full-vector store (band has L spare floats).
            VectorMask<Float> in = s.compare(VectorOperators.GE, lo).and(s.compare(VectorOperators.LE, hi));
            s.compress(in).intoArray(band, c);
            c += in.trueCount();
            if (c > limit) {
                return -1;
            }
        }
        for (; i < n; i++) {
            float s = scores[so + i];
            if (s > hi) {
                above++;
            } else if (s >= lo) {
                band[c++] = s;
            }
        }
        return ((long) above << 32) | c;
    }

    private static int countGreater(float[] scores, int so, int n, float t) {
        int c = 0;
        int i = 0;
        for (int bound = FS.loopBound(n); i < bound; i += L) {
            c += FloatVector.fromArray(FS, scores, so + i).compare(VectorOperators.GT, t).trueCount();
        }
        for (; i < n; i++) {
            if (scores[so + i] > t) {
                c++;
            }
        }
        return c;
    }

    /**
     * Sets the bits of the scores above {@code t} and of the first {@code eqBudget} equal to it; clears the rest of
     * the words. A vector of lanes never straddles a word: 64 is a multiple of the lane count.
     */
    private static void emitBits(float[] scores, int so, int n, float t, int eqBudget, long[] bits, int bitsOff) {
        long word = 0L;
        int i = 0;
        for (int bound = FS.loopBound(n); i < bound; i += L) {
            FloatVector s = FloatVector.fromArray(FS, scores, so + i);
            long m = s.compare(VectorOperators.GT, t).toLong();
            if (eqBudget > 0) {
                long eq = s.compare(VectorOperators.EQ, t).toLong();
                while (eq != 0 && eqBudget > 0) {
                    m |= eq & -eq;
                    eq &= eq - 1;
                    eqBudget--;
                }
            }
            word |= m << (i & 63);
            if (((i + L) & 63) == 0) {
                bits[bitsOff + (i >>> 6)] = word;
                word = 0L;
            }
        }
        for (; i < n; i++) {
            float s = scores[so + i];
            if (s > t || (s == t && eqBudget-- > 0)) {
                word |= 1L << i;
            }
            if (((i + 1) & 63) == 0) {
                bits[bitsOff + (i >>> 6)] = word;
                word = 0L;
            }
        }
        if ((n & 63) != 0) {
            bits[bitsOff + (n >>> 6)] = word;
        }
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
