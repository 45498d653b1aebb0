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
