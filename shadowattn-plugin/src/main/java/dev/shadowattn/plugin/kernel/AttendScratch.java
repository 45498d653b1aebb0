package dev.shadowattn.plugin.kernel;

/** Work buffers of {@link AttentionKernels#attend}, reused across calls by one thread. */
public final class AttendScratch {

    /** Groups (of 16 keys) per online-softmax chunk. */
    public static final int CHUNK_GROUPS = 16;
    public static final int CHUNK_KEYS = CHUNK_GROUPS * 16;

    float[] logits = new float[0];
    float[] acc = new float[0];
    float[] max = new float[0];
    float[] sum = new float[0];
    int[] valid = new int[0];

    /** {@link AttentionKernels#attendKeys}: the union of the heads' keys, ascending, and each key's head bits. */
    int[] keys = new int[0];
    int[] heads = new int[0];
    /** {@link AttentionKernels#attendKeys}: logits, then weights, of one chunk of the union, {@code [head][chunk]}. */
    float[] weights = new float[0];
    /** What the cache-touching pass read, kept so that the JIT cannot drop its loads. */
    float sink;

    void ensureKeys(int keys, int heads, int chunk, int headDim) {
        if (this.keys.length < keys) {
            this.keys = new int[Math.max(keys, this.keys.length * 3 / 2)];
            this.heads = new int[this.keys.length];
        }
        if (weights.length < heads * chunk) {
            weights = new float[heads * chunk];
        }
        if (acc.length < heads * headDim) {
            acc = new float[heads * headDim];
        }
        if (max.length < heads) {
            max = new float[heads];
            sum = new float[heads];
        }
    }

    void ensure(int m, int headDim) {
        if (logits.length < m * CHUNK_KEYS) {
            logits = new float[m * CHUNK_KEYS];
            valid = new int[m * CHUNK_GROUPS];
        }
        if (acc.length < m * headDim) {
            acc = new float[m * headDim];
        }
        if (max.length < m) {
            max = new float[m];
            sum = new float[m];
        }
    }
}
