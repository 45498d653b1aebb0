package dev.shadowattn.plugin.qnn;

/**
 * The requantization of a MatMul accumulator to a fixed-point output, as our reference library performs it and as a
 * QNN backend is asked to (QNN-ABI.md: {@code real = (q + offset) * scale} for every tensor):
 * {@code real = acc * (qScale * kScale)}, {@code stored = rint(real / outScale) - offset}, saturated to the stored
 * range. IEEE double throughout with round-half-even, so the Java and C results agree bit for bit. Real backends
 * may round differently in the last level (fixed-point multipliers); tests against them compare within one level.
 */
public final class Requantization {

    private Requantization() {
    }

    /** The stored output value for an exact accumulator. */
    public static int stored(long acc, ScaleBucket bucket, QuantEncoding output) {
        return stored(acc, bucket.productScale(), bucket.outScale(), output);
    }

    /** The stored output value for an exact accumulator, given {@code scale0 * scale1} and the output scale. */
    public static int stored(long acc, double productScale, float outScale, QuantEncoding output) {
        double real = (double) acc * productScale;
        double q = Math.rint(real / (double) outScale) - (double) output.offset();
        return (int) Math.max(output.minStored(), Math.min(output.maxStored(), q));
    }

    /** The output level (stored + offset) for an exact accumulator. */
    public static int level(long acc, ScaleBucket bucket, QuantEncoding output) {
        return stored(acc, bucket, output) + output.offset();
    }

    /** An output level back in int32 dot-product units: {@code level * outputStep}. */
    public static float score(int level, ScaleBucket bucket) {
        return (float) (level * bucket.outputStep());
    }
}
