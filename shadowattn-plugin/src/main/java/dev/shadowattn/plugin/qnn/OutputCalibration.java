package dev.shadowattn.plugin.qnn;

import java.util.Arrays;

/**
 * Choosing the static output scale of a score graph. An HTP MatMul outputs u8/s8/u16 only (QNN-ABI.md), so the exact
 * int32 score {@code acc} becomes {@code clamp(rint(acc / step))} levels of {@code step} int32 units each. Two effects
 * on ranking:
 * <ul>
 *   <li>resolution: keys whose scores differ by less than a step may tie or swap; this hurts only near the
 *       selection threshold;</li>
 *   <li>saturation: scores beyond {@code maxLevel * step} collapse to the top level; harmless while fewer keys
 *       saturate than the selection keeps (they are all kept either way).</li>
 * </ul>
 * A step that maps a high quantile of |score| to the top level keeps both small. With U8 the step is about 1/127 of
 * that range; U16 (available as an HTP MatMul output) is 256 times finer and ranks almost exactly.
 */
public final class OutputCalibration {

    /** Default quantile of |score| mapped to the top output level. */
    public static final double DEFAULT_QUANTILE = 0.999;

    private OutputCalibration() {
    }

    /**
     * The step (int32 units per output level) mapping the {@code quantile} of {@code |score|} over a calibration
     * sample of exact int32 scores to the output's top level.
     */
    public static double stepFromSample(int[] exactScores, double quantile, QuantEncoding output) {
        if (exactScores.length == 0) {
            throw new IllegalArgumentException("output calibration: the score sample is empty");
        }
        if (!(quantile > 0 && quantile <= 1)) {
            throw new IllegalArgumentException("output calibration: quantile " + quantile + " must be in (0, 1]");
        }
        long[] abs = new long[exactScores.length];
        for (int i = 0; i < abs.length; i++) {
            abs[i] = Math.abs((long) exactScores[i]);
        }
        Arrays.sort(abs);
        long q = abs[(int) Math.min(abs.length - 1, Math.floor(quantile * (abs.length - 1)))];
        return Math.max(1.0, q) / output.maxLevel();
    }

    /**
     * {@link #stepFromSample} rounded up to a power of two: at most twice coarser than asked (saturation hurts
     * ranking more than resolution does: rows with larger scores than the sample's would tie at the top), and stable
     * across runs whose samples differ slightly, so graphs cached on disk (keyed by the step) are found again.
     */
    public static double calibratedStep(int[] exactScores, QuantEncoding output) {
        double step = stepFromSample(exactScores, DEFAULT_QUANTILE, output);
        double pow2 = Math.scalb(1.0, Math.getExponent(step));
        return pow2 == step ? step : 2 * pow2;
    }

    /**
     * A step for when no calibration sample exists: full scale at {@code 127^2 * sqrt(headDim) / 4} int32 units,
     * about four standard deviations of the dot product of two Gaussian vectors quantized with their maximum at
     * level 127 (element deviation about 127/4).
     */
    public static double defaultStep(int headDim, QuantEncoding output) {
        return 127.0 * 127.0 * Math.sqrt(headDim) / 4.0 / output.maxLevel();
    }
}
