package dev.shadowattn.plugin.scoring;

import dev.shadowattn.plugin.cache.KeyLayout;
import dev.shadowattn.plugin.kernel.AttentionKernels;

/**
 * The scoring device of a machine without an NPU: the INT8 kernels of {@link AttentionKernels} on the calling
 * thread. Heads of the batch reading the same KV head are scored together, so each INT8 key group is loaded once
 * for all of them. Any scales (static or dynamic per group) are supported.
 */
public final class CpuScoringDevice implements ScoringDevice {

    private final AttentionKernels kernels;

    public CpuScoringDevice(AttentionKernels kernels) {
        this.kernels = kernels;
    }

    @Override
    public String name() {
        return "cpu";
    }

    @Override
    public boolean requiresStaticScales() {
        return false;
    }

    @Override
    public int preferredRows() {
        return 8;
    }

    @Override
    public void score(ScoreRequest r, float[] out, int outOff, int stride) {
        if (stride < r.minStride()) {
            throw new IllegalArgumentException("score: stride " + stride + " < " + r.minStride());
        }
        int d = r.keys().headDim();
        int groups = KeyLayout.groupsFor(r.keyCount());
        for (int h0 = 0; h0 < r.heads(); ) {
            int h1 = runEnd(r, h0);
            int kv = r.kvHead()[h0];
            int first = h0 * r.rows();
            kernels.scoreInt8(r.q(), r.qOff() + first * d, (h1 - h0) * r.rows(), r.qScale(), r.qBias(),
                    r.sOff() + first,
                    r.keys().keys8(kv), r.keys().scales(kv), d, 0, groups, out, outOff + first * stride, stride);
            h0 = h1;
        }
    }

    @Override
    public void scoreMax(ScoreRequest r, float[] out, int outOff) {
        if (r.keyCount() > r.firstPos() + 1) {
            throw new IllegalArgumentException("scoreMax: keyCount " + r.keyCount() + " is not visible to row 0 at "
                    + r.firstPos());
        }
        int d = r.keys().headDim();
        int groups = KeyLayout.groupsFor(r.keyCount());
        float[] tmp = null;
        for (int h0 = 0; h0 < r.heads(); ) {
            int h1 = runEnd(r, h0);
            int kv = r.kvHead()[h0];
            int first = h0 * r.rows();
            float[] dst = h0 == 0 ? out : (tmp == null ? tmp = new float[groups * KeyLayout.GROUP] : tmp);
            kernels.scoreInt8Max(r.q(), r.qOff() + first * d, (h1 - h0) * r.rows(), r.qScale(), r.qBias(),
                    r.sOff() + first,
                    r.keys().keys8(kv), r.keys().scales(kv), d, 0, groups, dst, h0 == 0 ? outOff : 0);
            if (h0 != 0) {
                for (int j = 0; j < r.keyCount(); j++) {
                    out[outOff + j] = Math.max(out[outOff + j], tmp[j]);
                }
            }
            h0 = h1;
        }
    }

    /** End of the run of batch heads starting at {@code h0} that read the same KV head. */
    private static int runEnd(ScoreRequest r, int h0) {
        int h1 = h0 + 1;
        while (h1 < r.heads() && r.kvHead()[h1] == r.kvHead()[h0]) {
            h1++;
        }
        return h1;
    }

    @Override
    public void close() {
    }
}
