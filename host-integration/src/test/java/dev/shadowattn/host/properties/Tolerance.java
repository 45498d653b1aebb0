package dev.shadowattn.host.properties;

/**
 * How far two float32 attention outputs may differ for a workload. The logits carry a float32 rounding error of
 * about {@code 2^-24 * sqrt(d) * scale^2} (a sum of {@code d} products of size {@code scale^2}, divided by
 * {@code sqrt(d)}); an output, a convex combination of V rows within {@code [-scale, scale]}, moves by at most that
 * error times its spread {@code 2 * scale}. On top, the rounding of the weighted sum itself, {@code ~1e-5 * scale}.
 */
final class Tolerance {

    private Tolerance() {
    }

    static double of(Workload w) {
        double s = w.scale();
        double d = w.geometry().headDim();
        return 1e-5 * s + 1e-7 * Math.sqrt(d) * s * s * s * Math.log(2 + w.positions());
    }
}
