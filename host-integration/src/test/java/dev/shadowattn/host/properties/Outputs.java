package dev.shadowattn.host.properties;

/** Comparisons of attention outputs, with messages that locate the first difference. */
final class Outputs {

    private Outputs() {
    }

    /** Fails unless every value is finite. */
    static void requireFinite(float[][] out, String what) {
        for (int l = 0; l < out.length; l++) {
            for (int i = 0; i < out[l].length; i++) {
                if (!Float.isFinite(out[l][i])) {
                    throw new AssertionError(what + ": layer " + l + " output[" + i + "] = " + out[l][i]);
                }
            }
        }
    }

    /** Fails unless {@code |a - b| <= tolerance} everywhere. */
    static void requireClose(float[][] a, float[][] b, double tolerance, String what) {
        for (int l = 0; l < a.length; l++) {
            requireClose(a[l], b[l], tolerance, what + ", layer " + l);
        }
    }

    static void requireClose(float[] a, float[] b, double tolerance, String what) {
        if (a.length != b.length) {
            throw new AssertionError(what + ": lengths " + a.length + " and " + b.length);
        }
        for (int i = 0; i < a.length; i++) {
            if (!(Math.abs(a[i] - b[i]) <= tolerance)) {
                throw new AssertionError(what + ": output[" + i + "] " + a[i] + " vs " + b[i] + " (tolerance "
                        + tolerance + ")");
            }
        }
    }

    /** Fails unless the two are bit-for-bit equal. */
    static void requireIdentical(float[][] a, float[][] b, String what) {
        for (int l = 0; l < a.length; l++) {
            if (!java.util.Arrays.equals(a[l], b[l])) {
                requireClose(a[l], b[l], 0, what + " (bitwise), layer " + l);
            }
        }
    }
}
