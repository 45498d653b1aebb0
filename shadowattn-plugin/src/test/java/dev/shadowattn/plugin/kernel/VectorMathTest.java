package dev.shadowattn.plugin.kernel;

import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The softmax's vector {@code e^x} against {@link Math#exp}. */
class VectorMathTest {

    @BeforeEach
    void vectorApi() {
        Assumptions.assumeTrue(KernelProvider.vectorModulePresent() && VectorKernels.supports(64),
                "Vector API kernels are not supported on this machine");
    }

    private static float[] exp(float[] x) {
        float[] out = new float[x.length];
        int l = VectorKernels.FS.length();
        for (int i = 0; i < x.length; i += l) {
            VectorMath.expNonPositive(FloatVector.fromArray(VectorKernels.FS, x, i)).intoArray(out, i);
        }
        return out;
    }

    @Test
    void relativeErrorBelowOnePpmOverTheSoftmaxRange() {
        int n = VectorKernels.FS.length() * 4096;
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = -87f * i / (n - 1);   // [-87, 0]: every value a softmax weight can take above float's underflow
        }
        float[] e = exp(x);
        double worst = 0;
        for (int i = 0; i < n; i++) {
            double want = Math.exp(x[i]);
            worst = Math.max(worst, Math.abs(e[i] - want) / want);
        }
        assertTrue(worst < 1e-6, "worst relative error " + worst);
        assertEquals(1f, e[0], "e^0");
    }

    @Test
    void underflowAndSpecialValues() {
        int l = VectorKernels.FS.length();
        float[] x = new float[l];
        x[0] = Float.NEGATIVE_INFINITY;
        x[1] = -1000f;
        x[2] = -88.5f;
        x[5] = -87.5f;
        x[3] = Float.NaN;
        x[4] = -0f;
        float[] e = exp(x);
        assertEquals(0f, e[0], "e^-inf");
        assertEquals(0f, e[1], "e^-1000");
        assertEquals(0f, e[2], "below -88: flushed to 0");
        assertEquals(Math.exp(-87.5), e[5], 1e-6 * Math.exp(-87.5), "e^-87.5 (near the smallest normal float)");
        assertTrue(Float.isNaN(e[3]), "NaN stays NaN");
        assertEquals(1f, e[4], "e^-0");
    }
}
