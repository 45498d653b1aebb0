package dev.shadowattn.plugin.kernel;

import dev.shadowattn.plugin.cache.KeyLayout;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

import static dev.shadowattn.plugin.cache.KeyLayout.GROUP;

/** The reference implementation of every kernel: plain loops, in the order the contracts are written. */
public final class ScalarKernels implements AttentionKernels {

    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT;
    private static final ValueLayout.OfByte BYTE = ValueLayout.JAVA_BYTE;

    @Override
    public String name() {
        return "scalar";
    }

    @Override
    public float maxAbs(float[] x, int off, int len) {
        float max = 0f;
        for (int i = off; i < off + len; i++) {
            max = Math.max(max, Math.abs(x[i]));
        }
        return max;
    }

    @Override
    public float max(float[] x, int off, int len) {
        float max = Float.NEGATIVE_INFINITY;
        for (int i = off; i < off + len; i++) {
            max = Math.max(max, x[i]);
        }
        return max;
    }

    @Override
    public void scoreInt8(float[] q, int qOff, int m, float[] qScale, float[] qBias, int sOff, MemorySegment k8,
                          MemorySegment kScale, int headDim, int g0, int g1, float[] out, int outOff, int stride) {
        for (int i = 0; i < m; i++) {
            for (int g = g0; g < g1; g++) {
                float scale = qScale[sOff + i] * kScale.getAtIndex(FLOAT, g);
                for (int lane = 0; lane < GROUP; lane++) {
                    out[outOff + i * stride + (g - g0) * GROUP + lane] =
                            Math.fma(int8Dot(q, qOff + i * headDim, k8, g, lane, headDim), scale,
                                    qBias == null ? 0f : qBias[sOff + i]);
                }
            }
        }
    }

    @Override
    public void scoreInt8Max(float[] q, int qOff, int m, float[] qScale, float[] qBias, int sOff, MemorySegment k8,
                             MemorySegment kScale, int headDim, int g0, int g1, float[] out, int outOff) {
        for (int g = g0; g < g1; g++) {
            for (int lane = 0; lane < GROUP; lane++) {
                float best = Float.NEGATIVE_INFINITY;
                for (int i = 0; i < m; i++) {
                    float scale = qScale[sOff + i] * kScale.getAtIndex(FLOAT, g);
                    best = Math.max(best, Math.fma(int8Dot(q, qOff + i * headDim, k8, g, lane, headDim), scale,
                            qBias == null ? 0f : qBias[sOff + i]));
                }
                out[outOff + (g - g0) * GROUP + lane] = best;
            }
        }
    }

    private static float int8Dot(float[] q, int qo, MemorySegment k8, int g, int lane, int headDim) {
        long dot = 0;
        for (int c = 0; c < headDim; c++) {
            dot += (long) q[qo + c] * k8.get(BYTE, KeyLayout.key8Offset(g, c, headDim) + lane);
        }
        return dot;
    }

    @Override
    public void scoreExact(float[] q, int qOff, int m, MemorySegment k, int headDim, int g0, int g1, float[] out,
                           int outOff, int stride) {
        for (int i = 0; i < m; i++) {
            for (int g = g0; g < g1; g++) {
                for (int lane = 0; lane < GROUP; lane++) {
                    out[outOff + i * stride + (g - g0) * GROUP + lane] = dot(q, qOff + i * headDim, k, g, lane, headDim);
                }
            }
        }
    }

    @Override
    public void scoreExactMax(float[] q, int qOff, int m, MemorySegment k, int headDim, int g0, int g1, float[] out,
                              int outOff) {
        for (int g = g0; g < g1; g++) {
            for (int lane = 0; lane < GROUP; lane++) {
                float best = Float.NEGATIVE_INFINITY;
                for (int i = 0; i < m; i++) {
                    best = Math.max(best, dot(q, qOff + i * headDim, k, g, lane, headDim));
                }
                out[outOff + (g - g0) * GROUP + lane] = best;
            }
        }
    }

    private static float dot(float[] q, int qo, MemorySegment k, int g, int lane, int headDim) {
        float s = 0f;
        for (int c = 0; c < headDim; c++) {
            s += q[qo + c] * k.get(FLOAT, KeyLayout.keyOffset(g, c, headDim) + (long) lane * Float.BYTES);
        }
        return s;
    }

    @Override
    public void blockBounds(float[] q, int qOff, int m, MemorySegment summaries, int headDim, int b0, int b1,
                            float[] out, int outOff) {
        for (int b = b0; b < b1; b++) {
            float best = Float.NEGATIVE_INFINITY;
            for (int i = 0; i < m; i++) {
                float s = 0f;
                for (int c = 0; c < headDim; c++) {
                    float x = q[qOff + i * headDim + c];
                    float lo = summaries.get(FLOAT, KeyLayout.summaryOffset(b, c, false, headDim));
                    float hi = summaries.get(FLOAT, KeyLayout.summaryOffset(b, c, true, headDim));
                    s += Math.max(x * lo, x * hi);
                }
                best = Math.max(best, s);
            }
            out[outOff + b - b0] = best;
        }
    }

    @Override
    public int selectTopK(float[] scores, int n, int k, int[] out, SelectScratch scratch) {
        if (k <= 0 || n <= 0) {
            return 0;
        }
        if (k >= n) {
            for (int i = 0; i < n; i++) {
                out[i] = i;
            }
            return n;
        }
        // Sort by (score descending, index ascending), packed into one long per element.
        long[] keys = scratch.keys(n);
        for (int i = 0; i < n; i++) {
            keys[i] = ((long) ~sortable(scores[i]) << 32) | i;
        }
        Arrays.sort(keys, 0, n);
        for (int i = 0; i < k; i++) {
            out[i] = (int) keys[i];
        }
        Arrays.sort(out, 0, k);
        return k;
    }

    @Override
    public float touchBlocks(MemorySegment seg, int[] blocks, int from, int to, long blockBytes) {
        return 0f;
    }

    @Override
    public void selectBits(float[] scores, int so, int n, int k, long[] bits, int bitsOff, SelectScratch scratch) {
        int words = (n + 63) >>> 6;
        Arrays.fill(bits, bitsOff, bitsOff + words, 0L);
        int[] chosen = new int[Math.max(0, Math.min(k, n))];
        int count = selectTopK(Arrays.copyOfRange(scores, so, so + n), n, k, chosen, scratch);
        for (int i = 0; i < count; i++) {
            bits[bitsOff + (chosen[i] >>> 6)] |= 1L << chosen[i];
        }
    }

    @Override
    public void attendKeys(float[] q, int qOff, int heads, long[] bits, int bitsOff, int words, MemorySegment kRows,
                           MemorySegment v, int headDim, float[] out, int outOff, AttendScratch scratch) {
        float[] logits = new float[words * 64];
        int[] index = new int[words * 64];
        for (int h = 0; h < heads; h++) {
            int n = 0;
            float max = Float.NEGATIVE_INFINITY;
            for (int j = 0; j < words * 64; j++) {
                if ((bits[bitsOff + h * words + (j >>> 6)] >>> j & 1) != 0) {
                    long ko = KeyLayout.valueOffset(j, headDim);
                    float dot = 0f;
                    for (int c = 0; c < headDim; c++) {
                        dot += q[qOff + h * headDim + c] * kRows.get(FLOAT, ko + (long) c * Float.BYTES);
                    }
                    logits[n] = dot;
                    index[n++] = j;
                    max = Math.max(max, dot);
                }
            }
            softmaxV(logits, index, n, max, v, headDim, out, outOff + h * headDim);
        }
    }

    /** {@code out[outOff, +headDim) = softmax(logits[0, n)) · V[index[t]]} (zeros when {@code n == 0}). */
    private static void softmaxV(float[] logits, int[] index, int n, float max, MemorySegment v, int headDim,
                                 float[] out, int outOff) {
        float sum = 0f;
        float[] acc = new float[headDim];
        for (int t = 0; t < n; t++) {
            float p = (float) Math.exp(logits[t] - max);
            sum += p;
            long vo = KeyLayout.valueOffset(index[t], headDim);
            for (int c = 0; c < headDim; c++) {
                acc[c] += p * v.get(FLOAT, vo + (long) c * Float.BYTES);
            }
        }
        for (int c = 0; c < headDim; c++) {
            out[outOff + c] = n == 0 ? 0f : acc[c] / sum;
        }
    }

    /** A signed int ordered like the float (with -0.0 taken as 0.0). */
    static int sortable(float f) {
        int bits = Float.floatToRawIntBits(f + 0.0f);
        return bits ^ ((bits >> 31) & 0x7fffffff);
    }

    @Override
    public void attend(float[] q, int qOff, int m, int[] pos, int posOff, MemorySegment k, MemorySegment v,
                       int headDim, int[] groups, int[] masks, int maskStride, int count, float[] out, int outOff,
                       AttendScratch scratch) {
        int keys = count * GROUP;
        float[] logits = new float[keys];
        int[] index = new int[keys];
        for (int i = 0; i < m; i++) {
            int n = 0;
            float max = Float.NEGATIVE_INFINITY;
            for (int t = 0; t < count; t++) {
                int g = groups[t];
                int bits = masks == null ? 0xFFFF : masks[i * maskStride + t];
                for (int lane = 0; lane < GROUP; lane++) {
                    int j = g * GROUP + lane;
                    if ((bits >>> lane & 1) != 0 && j <= pos[posOff + i]) {
                        logits[n] = dot(q, qOff + i * headDim, k, g, lane, headDim);
                        index[n++] = j;
                        max = Math.max(max, logits[n - 1]);
                    }
                }
            }
            softmaxV(logits, index, n, max, v, headDim, out, outOff + i * headDim);
        }
    }
}
