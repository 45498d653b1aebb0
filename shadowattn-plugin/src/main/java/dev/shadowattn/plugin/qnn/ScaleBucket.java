package dev.shadowattn.plugin.qnn;

/**
 * The static quantization constants of one score graph (SHADOWATTN.md, "NPU compute-graph bucketing"): the INT8
 * scales of Q and K of a bucket of the 3x3 grid, and the output scale the HTP MatMul needs because it cannot output
 * int32 (QNN-ABI.md, "Datatype rules"). All are {@code real = level * scale}.
 *
 * @param qScale   real value of one INT8 level of Q
 * @param kScale   real value of one INT8 level of K
 * @param outScale real value of one output level; {@link #outputStep()} expresses it in integer dot-product units
 */
public record ScaleBucket(float qScale, float kScale, float outScale) {

    public ScaleBucket {
        check("qScale", qScale);
        check("kScale", kScale);
        check("outScale", outScale);
    }

    private static void check(String field, float v) {
        if (!(v > 0f) || !Float.isFinite(v)) {
            throw new IllegalArgumentException("scale bucket: " + field + " = " + v + " must be positive and finite");
        }
    }

    /** A bucket whose output level is {@code step} units of the exact int32 product {@code sum(q8 * k8)}. */
    public static ScaleBucket withOutputStep(float qScale, float kScale, double step) {
        return new ScaleBucket(qScale, kScale, (float) ((double) qScale * kScale * step));
    }

    /** The scale of the exact int32 product: {@code real(q·k) = acc * qScale * kScale}, computed in double. */
    public double productScale() {
        return (double) qScale * (double) kScale;
    }

    /** One output level in int32 dot-product units (the resolution of the scores a selection ranks). */
    public double outputStep() {
        return (double) outScale / productScale();
    }
}
