package dev.shadowattn.plugin.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * Vector API form of {@link AttentionKernels#attendKeys}: exact attention of the G query heads of one KV head, each
 * over its own single selected keys (the paper's per-head, per-row top-k), with row-major K.
 *
 * <p>The heads' key sets are merged into one ascending list with a head bit mask per key, so a key that several
 * heads selected is read once (the heads of a GQA group overlap: on the house model the union of three 20% sets is
 * 32-40% of the keys, not 60%). The list is processed in chunks of {@link #chunk} keys (16 KB of V) with an online
 * softmax per head: logits of up to four heads per K row (one pass over the row), weights by a vector {@code exp},
 * then P·V with the chunk's V rows read once for up to three heads from four accumulators per head. Unselected
 * (key, head) pairs carry weight zero, so the loops have no data-dependent branches.
 */
final class VectorKeyAttention {

    private static final VectorSpecies<Float> FS = FloatVector.SPECIES_PREFERRED;
    private static final int L = FS.length();
    private static final ByteOrder ORDER = ByteOrder.nativeOrder();
    private static final float NEG_INF = Float.NEGATIVE_INFINITY;

    private VectorKeyAttention() {
    }

    /** Keys per chunk: 16 KB of V rows (kept in L1 across the channel passes of P·V), a multiple of the lanes. */
    static int chunk(int d) {
        return Math.max(2 * L, (4096 / d) / L * L);
    }

    static void attend(float[] q, int qOff, int heads, long[] bits, int bitsOff, int words, MemorySegment kRows,
                       MemorySegment v, int d, float[] out, int outOff, AttendScratch s) {
        int chunk = chunk(d);
        s.ensureKeys(words * 64, heads, chunk, d);
        int n = union(bits, bitsOff, heads, words, s.keys, s.heads);
        Arrays.fill(s.acc, 0, heads * d, 0f);
        Arrays.fill(s.max, 0, heads, NEG_INF);
        Arrays.fill(s.sum, 0, heads, 0f);
        for (int t0 = 0; t0 < n; t0 += chunk) {
            int tn = Math.min(chunk, n - t0);
            for (int h0 = 0; h0 < heads; h0 += 4) {
                logits(q, qOff, h0, Math.min(4, heads - h0), kRows, d, s.keys, s.heads, t0, tn, s.weights, chunk);
            }
            for (int h = 0; h < heads; h++) {
                weights(h, tn, chunk, d, s);
            }
            for (int h0 = 0; h0 < heads; h0 += 4) {
                pv(h0, Math.min(4, heads - h0), v, d, t0, tn, chunk, s);
            }
        }
        for (int h = 0; h < heads; h++) {
            float sum = s.sum[h];
            float inv = sum > 0f ? 1f / sum : 0f;
            for (int c = 0; c < d; c += L) {
                FloatVector.fromArray(FS, s.acc, h * d + c).mul(inv).intoArray(out, outOff + h * d + c);
            }
        }
    }

    /** The ascending union of the heads' keys into {@code keys}, each key's head bits into {@code headBits}. */
    private static int union(long[] bits, int off, int heads, int words, int[] keys, int[] headBits) {
        int n = 0;
        for (int w = 0; w < words; w++) {
            long any = 0L;
            for (int h = 0; h < heads; h++) {
                any |= bits[off + h * words + w];
            }
            while (any != 0L) {
                int b = Long.numberOfTrailingZeros(any);
                any &= any - 1;
                int hb = 0;
                for (int h = 0; h < heads; h++) {
                    hb |= (int) (bits[off + h * words + w] >>> b & 1L) << h;
                }
                keys[n] = w << 6 | b;
                headBits[n++] = hb;
            }
        }
        return n;
    }

    /**
     * Logits of heads {@code [h0, h0+hn)} ({@code hn <= 4}) for union keys {@code [t0, t0+tn)} into
     * {@code W[h * chunk + t]}, {@code -Infinity} where the head did not select the key. Heads past {@code hn} repeat
     * the last one (computed, not stored).
     */
    private static void logits(float[] q, int qOff, int h0, int hn, MemorySegment kRows, int d, int[] keys,
                               int[] headBits, int t0, int tn, float[] W, int chunk) {
        int q0 = qOff + h0 * d;
        int q1 = qOff + (h0 + Math.min(1, hn - 1)) * d;
        int q2 = qOff + (h0 + Math.min(2, hn - 1)) * d;
        int q3 = qOff + (h0 + Math.min(3, hn - 1)) * d;
        long rowBytes = (long) d * Float.BYTES;
        for (int t = 0; t < tn; t++) {
            long base = keys[t0 + t] * rowBytes;
            FloatVector a0 = FloatVector.zero(FS);
            FloatVector a1 = a0;
            FloatVector a2 = a0;
            FloatVector a3 = a0;
            for (int c = 0; c < d; c += L) {
                FloatVector k = FloatVector.fromMemorySegment(FS, kRows, base + (long) c * Float.BYTES, ORDER);
                a0 = FloatVector.fromArray(FS, q, q0 + c).fma(k, a0);
                a1 = FloatVector.fromArray(FS, q, q1 + c).fma(k, a1);
                a2 = FloatVector.fromArray(FS, q, q2 + c).fma(k, a2);
                a3 = FloatVector.fromArray(FS, q, q3 + c).fma(k, a3);
            }
            int hb = headBits[t0 + t] >>> h0;
            float r0 = a0.reduceLanes(VectorOperators.ADD);
            W[h0 * chunk + t] = (hb & 1) != 0 ? r0 : NEG_INF;
            if (hn > 1) {
                float r1 = a1.reduceLanes(VectorOperators.ADD);
                W[(h0 + 1) * chunk + t] = (hb & 2) != 0 ? r1 : NEG_INF;
            }
            if (hn > 2) {
                float r2 = a2.reduceLanes(VectorOperators.ADD);
                W[(h0 + 2) * chunk + t] = (hb & 4) != 0 ? r2 : NEG_INF;
            }
            if (hn > 3) {
                float r3 = a3.reduceLanes(VectorOperators.ADD);
                W[(h0 + 3) * chunk + t] = (hb & 8) != 0 ? r3 : NEG_INF;
            }
        }
    }

    /**
     * Online softmax step of head {@code h} over this chunk: folds its logits into the running max and sum,
     * rescales its accumulator, and leaves the weights (relative to the new max; 0 for unselected keys) in place.
     */
    private static void weights(int h, int tn, int chunk, int d, AttendScratch s) {
        float[] W = s.weights;
        int o = h * chunk;
        int padded = (tn + L - 1) / L * L;
        Arrays.fill(W, o + tn, o + padded, NEG_INF);
        FloatVector vmax = FloatVector.broadcast(FS, NEG_INF);
        for (int i = o; i < o + padded; i += L) {
            vmax = vmax.max(FloatVector.fromArray(FS, W, i));
        }
        VectorKernels.onlineSoftmax(W, o, o + padded, vmax.reduceLanes(VectorOperators.MAX), h, d, s);
    }

    /** P·V of heads {@code [h0, h0+hn)} for this chunk: four channel vectors per pass, then single vectors. */
    private static void pv(int h0, int hn, MemorySegment v, int d, int t0, int tn, int chunk, AttendScratch s) {
        int c = 0;
        for (; c + 4 * L <= d; c += 4 * L) {
            if (hn == 1) {
                pv1x4(h0, c, v, d, t0, tn, chunk, s);
            } else {
                // Four heads: three in one pass, the fourth alone over the same (cached) V rows.
                pv3x4(h0, Math.min(hn, 3), c, v, d, t0, tn, chunk, s);
                if (hn == 4) {
                    pv1x4(h0 + 3, c, v, d, t0, tn, chunk, s);
                }
            }
        }
        for (; c < d; c += L) {
            for (int h = h0; h < h0 + hn; h++) {
                pvTail(h, c, v, d, t0, tn, chunk, s);
            }
        }
    }

    /**
     * Channels {@code [c, c+4L)} of two or three heads (the 3 query heads of a GQA group): 12 accumulators; with
     * two heads the third repeats the second (same start, same weights, same result stored twice).
     */
    private static void pv3x4(int h0, int hn, int c, MemorySegment v, int d, int t0, int tn, int chunk,
                              AttendScratch s) {
        float[] acc = s.acc;
        float[] W = s.weights;
        int[] keys = s.keys;
        int h2 = h0 + hn - 1;
        int o0 = h0 * d + c;
        int o1 = o0 + d;
        int o2 = h2 * d + c;
        FloatVector a00 = FloatVector.fromArray(FS, acc, o0);
        FloatVector a01 = FloatVector.fromArray(FS, acc, o0 + L);
        FloatVector a02 = FloatVector.fromArray(FS, acc, o0 + 2 * L);
        FloatVector a03 = FloatVector.fromArray(FS, acc, o0 + 3 * L);
        FloatVector a10 = FloatVector.fromArray(FS, acc, o1);
        FloatVector a11 = FloatVector.fromArray(FS, acc, o1 + L);
        FloatVector a12 = FloatVector.fromArray(FS, acc, o1 + 2 * L);
        FloatVector a13 = FloatVector.fromArray(FS, acc, o1 + 3 * L);
        FloatVector a20 = FloatVector.fromArray(FS, acc, o2);
        FloatVector a21 = FloatVector.fromArray(FS, acc, o2 + L);
        FloatVector a22 = FloatVector.fromArray(FS, acc, o2 + 2 * L);
        FloatVector a23 = FloatVector.fromArray(FS, acc, o2 + 3 * L);
        long rowBytes = (long) d * Float.BYTES;
        long cOff = (long) c * Float.BYTES;
        long step = (long) L * Float.BYTES;
        int w0 = h0 * chunk;
        int w1 = w0 + chunk;
        int w2 = h2 * chunk;
        for (int t = 0; t < tn; t++) {
            long vo = keys[t0 + t] * rowBytes + cOff;
            FloatVector v0 = FloatVector.fromMemorySegment(FS, v, vo, ORDER);
            FloatVector v1 = FloatVector.fromMemorySegment(FS, v, vo + step, ORDER);
            FloatVector v2 = FloatVector.fromMemorySegment(FS, v, vo + 2 * step, ORDER);
            FloatVector v3 = FloatVector.fromMemorySegment(FS, v, vo + 3 * step, ORDER);
            FloatVector p0 = FloatVector.broadcast(FS, W[w0 + t]);
            FloatVector p1 = FloatVector.broadcast(FS, W[w1 + t]);
            FloatVector p2 = FloatVector.broadcast(FS, W[w2 + t]);
            a00 = v0.fma(p0, a00);
            a01 = v1.fma(p0, a01);
            a02 = v2.fma(p0, a02);
            a03 = v3.fma(p0, a03);
            a10 = v0.fma(p1, a10);
            a11 = v1.fma(p1, a11);
            a12 = v2.fma(p1, a12);
            a13 = v3.fma(p1, a13);
            a20 = v0.fma(p2, a20);
            a21 = v1.fma(p2, a21);
            a22 = v2.fma(p2, a22);
            a23 = v3.fma(p2, a23);
        }
        a00.intoArray(acc, o0);
        a01.intoArray(acc, o0 + L);
        a02.intoArray(acc, o0 + 2 * L);
        a03.intoArray(acc, o0 + 3 * L);
        a10.intoArray(acc, o1);
        a11.intoArray(acc, o1 + L);
        a12.intoArray(acc, o1 + 2 * L);
        a13.intoArray(acc, o1 + 3 * L);
        a20.intoArray(acc, o2);
        a21.intoArray(acc, o2 + L);
        a22.intoArray(acc, o2 + 2 * L);
        a23.intoArray(acc, o2 + 3 * L);
    }

    /** Channels {@code [c, c+4L)} of one head (MHA, or the last head of a larger group). */
    private static void pv1x4(int h, int c, MemorySegment v, int d, int t0, int tn, int chunk, AttendScratch s) {
        float[] acc = s.acc;
        float[] W = s.weights;
        int[] keys = s.keys;
        int o = h * d + c;
        FloatVector a0 = FloatVector.fromArray(FS, acc, o);
        FloatVector a1 = FloatVector.fromArray(FS, acc, o + L);
        FloatVector a2 = FloatVector.fromArray(FS, acc, o + 2 * L);
        FloatVector a3 = FloatVector.fromArray(FS, acc, o + 3 * L);
        long rowBytes = (long) d * Float.BYTES;
        long cOff = (long) c * Float.BYTES;
        long step = (long) L * Float.BYTES;
        int w = h * chunk;
        for (int t = 0; t < tn; t++) {
            float p = W[w + t];
            if (p == 0f) {
                continue; // a key another head selected: weight 0
            }
            long vo = keys[t0 + t] * rowBytes + cOff;
            FloatVector pb = FloatVector.broadcast(FS, p);
            a0 = FloatVector.fromMemorySegment(FS, v, vo, ORDER).fma(pb, a0);
            a1 = FloatVector.fromMemorySegment(FS, v, vo + step, ORDER).fma(pb, a1);
            a2 = FloatVector.fromMemorySegment(FS, v, vo + 2 * step, ORDER).fma(pb, a2);
            a3 = FloatVector.fromMemorySegment(FS, v, vo + 3 * step, ORDER).fma(pb, a3);
        }
        a0.intoArray(acc, o);
        a1.intoArray(acc, o + L);
        a2.intoArray(acc, o + 2 * L);
        a3.intoArray(acc, o + 3 * L);
    }

    /** One channel vector {@code [c, c+L)} of one head (head dimensions not a multiple of 4L). */
    private static void pvTail(int h, int c, MemorySegment v, int d, int t0, int tn, int chunk, AttendScratch s) {
        long rowBytes = (long) d * Float.BYTES;
        long cOff = (long) c * Float.BYTES;
        FloatVector a = FloatVector.fromArray(FS, s.acc, h * d + c);
        for (int t = 0; t < tn; t++) {
            long vo = s.keys[t0 + t] * rowBytes + cOff;
            FloatVector p = FloatVector.broadcast(FS, s.weights[h * chunk + t]);
            a = FloatVector.fromMemorySegment(FS, v, vo, ORDER).fma(p, a);
        }
        a.intoArray(s.acc, h * d + c);
    }
}
