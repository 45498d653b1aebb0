package dev.shadowattn.plugin.qnn;

/**
 * The static quantization constants of one score graph (SHADOWATTN.md, "NPU compute-graph bucketing"): the INT8
 * scales of Q and K of a bucket of the 3x3 grid, and the output step the HTP MatMul needs because it cannot output
 * int32 (QNN-ABI.md, "Datatype rules"). Scales are {@code real = level * scale}.
 *
 * @param qScale     real value of one INT8 level of Q
 * @param kScale     real value of one INT8 level of K
 * @param outputStep one output level in units of the exact int32 product {@code sum(q8 * k8)}; the graph's output
 *                   scale is {@link #outScale()}
 */
public record ScaleBucket(float qScale, float kScale, double outputStep) {

    public ScaleBucket {
        check("qScale", qScale);
        check("kScale", kScale);
        if (!(outputStep > 0) || !Double.isFinite(outputStep)) {
            throw new IllegalArgumentException("scale bucket: outputStep = " + outputStep
                    + " must be positive and finite");
        }
        check("outScale (qScale * kScale * outputStep)", (float) ((double) qScale * kScale * outputStep));
    }

    private static void check(String field, float v) {
        if (!(v > 0f) || !Float.isFinite(v)) {
            throw new IllegalArgumentException("scale bucket: " + field + " = " + v + " must be positive and finite");
        }
    }

    /** The scale of the exact int32 product: {@code real(q·k) = acc * qScale * kScale}, computed in double. */
    public double productScale() {
        return (double) qScale * (double) kScale;
    }

    /** The output tensor's scale as the graph declares it (a float, as in Qnn_ScaleOffset_t). */
    public float outScale() {
        return (float) (productScale() * outputStep);
    }
}
