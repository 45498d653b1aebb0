package dev.shadowattn.plugin.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Vector math for the softmax of {@link VectorKernels} and {@link VectorKeyAttention}: {@code e^x} for the
 * non-positive arguments a softmax feeds it ({@code score - running max}), in plain vector arithmetic. The Vector
 * API's {@code EXP} is a call into a math library per vector; this inlines into the caller's loop (the softmax of
 * the CPU default's decode took a third of its hot compute time with {@code EXP}).
 */
final class VectorMath {

    private static final float LOG2E = 1.4426950408889634f;
    /** {@code ln 2 = LN2_HI + LN2_LO}; {@code LN2_HI} has few mantissa bits, so {@code n * LN2_HI} is exact. */
    private static final float LN2_HI = 0.693359375f;
    private static final float LN2_LO = -2.12194440e-4f;
    /** {@code 1.5 * 2^23}: adding it rounds a float in [-2^22, 2^22] to an integer held in the low mantissa bits. */
    private static final float ROUND = 0x1.8p23f;

    private VectorMath() {
    }

    /**
     * {@code e^x} for {@code x <= 0}, relative error below 1e-6 (exact 0 below about -88, and for
     * {@code -Infinity}; NaN stays NaN). {@code x = n ln2 + r} with {@code n} the integer nearest {@code x log2(e)}
     * and {@code r} in {@code [-ln2/2, ln2/2]} computed with {@code ln2} split in two parts (Cody and Waite), so
     * {@code r} is accurate for every {@code n}; {@code e^r} by its degree-6 Taylor polynomial (truncation
     * {@code |r|^7/7! < 2e-7}); {@code 2^n} written into the exponent bits (IEEE 754 binary32: biased exponent
     * {@code n + 127} in bits 23-30, all zero for {@code n = -127}, which makes the result exactly 0).
     */
    static FloatVector expNonPositive(FloatVector x) {
        x = x.max(-88f);
        FloatVector t = x.mul(LOG2E).add(ROUND);
        FloatVector n = t.sub(ROUND);
        FloatVector r = n.fma(FloatVector.broadcast(x.species(), -LN2_HI), x);
        r = n.fma(FloatVector.broadcast(x.species(), -LN2_LO), r);
        FloatVector p = r.fma(1f / 720, 1f / 120);
        p = p.fma(r, FloatVector.broadcast(x.species(), 1f / 24));
        p = p.fma(r, FloatVector.broadcast(x.species(), 1f / 6));
        p = p.fma(r, FloatVector.broadcast(x.species(), 0.5f));
        p = p.fma(r, FloatVector.broadcast(x.species(), 1f));
        p = p.fma(r, FloatVector.broadcast(x.species(), 1f));
        // t's bits are 0x4B400000 + n (n >= -127 since x >= -88).
        IntVector bits = t.reinterpretAsInts().sub(0x4B400000 - 127).lanewise(VectorOperators.LSHL, 23);
        return p.mul(bits.reinterpretAsFloats());
    }
}
