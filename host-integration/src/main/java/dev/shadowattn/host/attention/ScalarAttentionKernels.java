package dev.shadowattn.host.attention;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** The reference implementation of {@link AttentionKernels}: plain loops that follow the contract literally. */
final class ScalarAttentionKernels implements AttentionKernels {

    private static final long F = ValueLayout.JAVA_FLOAT.byteSize();

    @Override
    public String name() {
        return "scalar";
    }

    @Override
    public float touch(MemorySegment seg, long offset, long bytes) {
        return 0f;
    }

    @Override
    public void scores(float[] q, int rows, int headDim, MemorySegment chunk, long kOffset, float[] s) {
        long k0 = kOffset / F;
        for (int r = 0; r < rows; r++) {
            for (int j = 0; j < UNIT; j++) {
                long kBase = k0 + (long) (j / KvLayout.BLOCK) * KvLayout.BLOCK * headDim + j % KvLayout.BLOCK;
                float dot = 0f;
                for (int d = 0; d < headDim; d++) {
                    dot += q[r * headDim + d]
                            * chunk.getAtIndex(ValueLayout.JAVA_FLOAT, kBase + (long) d * KvLayout.BLOCK);
                }
                s[r * UNIT + j] = dot;
            }
        }
    }

    @Override
    public void softmax(float[] s, int rows, float[] max, float[] sum, float[] alpha) {
        for (int r = 0; r < rows; r++) {
            int base = r * UNIT;
            float m = max[r];
            for (int j = 0; j < UNIT; j++) {
                m = Math.max(m, s[base + j]);
            }
            if (m == Float.NEGATIVE_INFINITY) {
                for (int j = 0; j < UNIT; j++) {
                    s[base + j] = 0f;
                }
                alpha[r] = 1f;
                continue;
            }
            float a = exp2(max[r] - m);
            float total = 0f;
            for (int j = 0; j < UNIT; j++) {
                float p = exp2(s[base + j] - m);
                s[base + j] = p;
                total += p;
            }
            alpha[r] = a;
            sum[r] = sum[r] * a + total;
            max[r] = m;
        }
    }

    @Override
    public void accumulate(float[] p, float[] alpha, int rows, MemorySegment chunk, long vOffset, int vStride,
                           float[] acc) {
        long v0 = vOffset / F;
        for (int r = 0; r < rows; r++) {
            int out = r * vStride;
            for (int c = 0; c < vStride; c++) {
                acc[out + c] *= alpha[r];
            }
            for (int j = 0; j < UNIT; j++) {
                float w = p[r * UNIT + j];
                long row = v0 + (long) j * vStride;
                for (int c = 0; c < vStride; c++) {
                    acc[out + c] += w * chunk.getAtIndex(ValueLayout.JAVA_FLOAT, row + c);
                }
            }
        }
    }

    /** {@code 2^x}; {@code -Infinity} gives 0. */
    static float exp2(float x) {
        return (float) Math.exp(x * 0.6931471805599453);
    }
}
