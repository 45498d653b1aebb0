package dev.shadowattn.host.attention;

import java.lang.foreign.MemorySegment;
import java.util.Locale;

/**
 * The three inner steps of flash-style attention over one {@link KvLayout#CHUNK}-key unit of the cache, for a
 * group of query rows ("rows" here are query row x query head pairs sharing one KV head).
 *
 * <p>Scores are in base-2 log units: callers scale queries by {@code log2(e) / sqrt(headDim)} so that
 * {@link #softmax} can use {@code 2^x}. A score of {@code -Infinity} masks a key (its probability is exactly 0).
 *
 * <p>Implementations (as Lucene's vectorization provider): {@link ScalarAttentionKernels}, the plain reference, and
 * {@link VectorAttentionKernels}, chosen by {@link #select} when the Vector API is present. Both are stateless and
 * thread-safe; all buffers belong to the caller.
 */
interface AttentionKernels {

    /** Keys in one unit. */
    int UNIT = KvLayout.CHUNK;

    String name();

    /**
     * {@code s[r*UNIT + j] = sum_d q[r*headDim + d] * K[j][d]} for {@code r < rows}, {@code j < UNIT}, where K is
     * the unit's transposed blocks ({@link KvLayout}) starting at byte {@code kOffset} of {@code chunk}.
     */
    void scores(float[] q, int rows, int headDim, MemorySegment chunk, long kOffset, float[] s);

    /**
     * One online-softmax step per row {@code r < rows}: with {@code m = max(max[r], max_j s[r*UNIT+j])},
     * sets {@code alpha[r] = 2^(max[r] - m)} (0 when {@code max[r]} was {@code -Infinity}), replaces each score by
     * {@code p = 2^(s - m)}, sets {@code sum[r] = sum[r]*alpha[r] + sum_j p} and {@code max[r] = m}. A row whose
     * scores and running max are all {@code -Infinity} gets {@code p = 0} and {@code alpha = 1}.
     */
    void softmax(float[] s, int rows, float[] max, float[] sum, float[] alpha);

    /**
     * {@code acc[r*vStride + c] = acc[r*vStride + c]*alpha[r] + sum_j p[r*UNIT + j] * V[j][c]} for
     * {@code r < rows}, {@code c < vStride}, where V is the unit's rows of {@code vStride} floats (a multiple of 16)
     * starting at byte {@code vOffset} of {@code chunk}.
     */
    void accumulate(float[] p, float[] alpha, int rows, MemorySegment chunk, long vOffset, int vStride, float[] acc);

    /**
     * Reads {@code seg[offset, offset+bytes)} one cache line at a time and returns a value computed from what it read
     * (callers keep it, so the reads are not dropped). A loop this light keeps many line misses in flight, so a unit
     * read this way just before it is computed on arrives faster than the compute loops would fetch it: Java has no
     * prefetch instruction. The scalar reference does nothing.
     */
    float touch(MemorySegment seg, long offset, long bytes);

    /**
     * Picks kernels by name: {@code vector}, {@code scalar}, or {@code auto} (vector when the
     * {@code jdk.incubator.vector} module is present and vectors hold at least 4 floats).
     */
    static AttentionKernels select(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "scalar" -> new ScalarAttentionKernels();
            case "vector" -> {
                if (!vectorApiPresent()) {
                    throw new IllegalArgumentException(
                            "kernels=vector needs the jdk.incubator.vector module (--add-modules jdk.incubator.vector)");
                }
                yield VectorKernelsHolder.create();
            }
            case "auto" -> vectorApiPresent() && VectorKernelsHolder.usable()
                    ? VectorKernelsHolder.create() : new ScalarAttentionKernels();
            default -> throw new IllegalArgumentException(
                    "option kernels=" + name + " is not one of auto, vector, scalar");
        };
    }

    private static boolean vectorApiPresent() {
        return ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
    }

    /** Keeps Vector API classes unloaded until the module is known to be present. */
    final class VectorKernelsHolder {
        private VectorKernelsHolder() {
        }

        static boolean usable() {
            return VectorAttentionKernels.lanes() >= 4;
        }

        static AttentionKernels create() {
            return new VectorAttentionKernels();
        }
    }
}
