package dev.shadowattn.plugin.scoring;

/**
 * Where the INT8 Q·K^T estimation of shadowAttn runs: {@link CpuScoringDevice} (Vector API) here; an NPU device
 * (QNN through Panama FFM) implements the same contract with static per-head scales snapped to the 3x3 bucket grid
 * and heads of one bucket fused per launch.
 *
 * <p>Scores are estimates of {@code q·k} in real units (the integer dot product times both scales, or an NPU's
 * requantized output converted back): selection only ranks them, and compares them across the heads and rows of a
 * batch. Devices are shared by all sessions of a backend and must be thread-safe.
 */
public interface ScoringDevice extends AutoCloseable {

    /** Short name for logs ({@code cpu}, {@code qnn-htp}, ...). */
    String name();

    /** Whether the device only supports static scales (an NPU graph bakes the scales in). */
    boolean requiresStaticScales();

    /** Query rows per request the device works best with (an NPU graph's chunk); the caller may send fewer. */
    int preferredRows();

    /**
     * Scores every head and row of the batch: {@code out[outOff + (h * rows + r) * stride + j]} for
     * {@code j < keyCount}; entries of keys row {@code r} cannot see ({@code j > firstPos + r}) are unspecified.
     *
     * @param stride at least {@link ScoreRequest#minStride()}
     */
    void score(ScoreRequest request, float[] out, int outOff, int stride);

    /**
     * Scores reduced over the whole batch: {@code out[outOff + j] = max over heads and rows} for
     * {@code j < keyCount}, which every row must see ({@code keyCount <= firstPos + 1}). {@code out} has room for
     * {@link ScoreRequest#minStride()} entries. The default scores row by row on this thread and reduces.
     */
    default void scoreMax(ScoreRequest request, float[] out, int outOff) {
        int stride = request.minStride();
        float[] row = new float[request.heads() * request.rows() * stride];
        score(request, row, 0, stride);
        java.util.Arrays.fill(out, outOff, outOff + request.keyCount(), Float.NEGATIVE_INFINITY);
        for (int i = 0; i < request.heads() * request.rows(); i++) {
            for (int j = 0; j < request.keyCount(); j++) {
                out[outOff + j] = Math.max(out[outOff + j], row[i * stride + j]);
            }
        }
    }

    @Override
    void close();
}
