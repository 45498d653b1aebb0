package dev.shadowattn.gguf.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

import java.nio.ByteOrder;

/**
 * The species of the vector kernels. All have {@link #L} lanes, the lane count of
 * {@link FloatVector#SPECIES_PREFERRED} (8 with AVX2, 16 with AVX-512), so one byte or short vector of quants widens
 * to exactly one float vector. Only loaded when {@code L >= 8} (see {@link KernelSelection}).
 *
 * <p>Writing rule for the kernels: inside a kernel method, vector values are produced only by Vector API calls
 * written out in place, never by helper methods of this project. C2 stops inlining ordinary methods once a
 * compilation has created {@code NodeCountInliningCutoff} (18000) nodes, which a Vector API kernel reaches after a
 * few dozen operations (a segment load or a 16-bit shift costs 600-1200 nodes before optimization); a helper that
 * is then left as a call returns its vector boxed on the heap and the kernel becomes ten times slower. The
 * {@code @ForceInline} methods of the Vector API are instead inlined later, incrementally, so kernels made of them
 * alone stay intact even when C2 inlines the kernel into a large caller. Helpers returning scalars are harmless.
 *
 * <p>Idioms used: a 16-bit lane shift of reinterpreted bytes replaces a byte shift (which x86 lacks; the bits it
 * pulls in from the neighbouring byte are masked off afterwards), and {@code convertShape(B2F, F, 0)} widens L
 * signed bytes to L floats (vpmovsxbd + vcvtdq2ps).
 */
final class VectorShapes {

    private VectorShapes() {
    }

    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    static final int L = F.length();
    static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, F.vectorShape());
    static final VectorSpecies<Short> S = VectorSpecies.of(short.class, VectorShape.forBitSize(L * 16));
    static final VectorSpecies<Byte> B = VectorSpecies.of(byte.class, VectorShape.forBitSize(L * 8));
    static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
}
