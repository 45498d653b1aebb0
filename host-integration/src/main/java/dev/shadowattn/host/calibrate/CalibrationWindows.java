package dev.shadowattn.host.calibrate;

/**
 * The token windows calibration evaluates: {@code count} windows of {@code length} tokens spread evenly over the
 * tokenized text (the first at its start, the last at its end, none overlapping), the first token of each replaced
 * by BOS as in llama.cpp's perplexity. Each window is scored on its second half ({@link #firstScored}), where the
 * model attends over the longest contexts.
 *
 * @param windows    the token windows, {@code [count][length]}
 * @param starts     offset of each window in the text's tokens
 * @param textTokens tokens in the whole text
 */
public record CalibrationWindows(int[][] windows, int[] starts, int textTokens) {

    public static CalibrationWindows evenlySpaced(int[] tokens, int count, int length, int bos) {
        if (count < 1) {
            throw new IllegalArgumentException("--windows must be at least 1, got " + count);
        }
        if (length < 8) {
            throw new IllegalArgumentException("--window-length must be at least 8 tokens, got " + length);
        }
        if ((long) count * length > tokens.length) {
            throw new IllegalArgumentException("the calibration text has " + tokens.length + " tokens, fewer than "
                    + "--windows " + count + " x --window-length " + length + " = " + (long) count * length);
        }
        int[][] windows = new int[count][length];
        int[] starts = new int[count];
        long span = tokens.length - length;
        for (int i = 0; i < count; i++) {
            starts[i] = count == 1 ? 0 : (int) (span * i / (count - 1));
            System.arraycopy(tokens, starts[i], windows[i], 0, length);
            windows[i][0] = bos;
        }
        return new CalibrationWindows(windows, starts, tokens.length);
    }

    public int count() {
        return windows.length;
    }

    public int length() {
        return windows[0].length;
    }

    /** Index of the first row whose logits are scored (predicting the token after it). */
    public int firstScored() {
        return length() / 2;
    }

    /** Tokens scored per window: rows {@code [firstScored, length-1)}. */
    public int scoredPerWindow() {
        return length() - 1 - firstScored();
    }
}
