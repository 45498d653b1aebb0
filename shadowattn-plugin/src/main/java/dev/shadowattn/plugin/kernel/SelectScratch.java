package dev.shadowattn.plugin.kernel;

/** Work buffers of {@link AttentionKernels#selectTopK}, reused across calls by one thread. */
public final class SelectScratch {

    float[] values = new float[0];
    final int[] counts = new int[256];
    long[] keys = new long[0];
    /** The threshold found by the last vector selection and how many scores equal to it are kept. */
    float threshold;
    int ties;

    float[] values(int n) {
        if (values.length < n) {
            values = new float[Math.max(n, values.length * 3 / 2)];
        }
        return values;
    }

    long[] keys(int n) {
        if (keys.length < n) {
            keys = new long[Math.max(n, keys.length * 3 / 2)];
        }
        return keys;
    }
}
