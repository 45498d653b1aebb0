package dev.shadowattn.host.properties;

import dev.shadowattn.api.AttentionGeometry;
import java.util.List;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.RandomDistribution;

/**
 * Random attention inputs: a geometry, {@code positions} rows of K, V and Q per layer drawn uniformly from
 * {@code [-scale, scale]} (a large scale drives softmax to overflow unless it subtracts the maximum), and a chunking
 * of the positions (the sizes of successive append/attend calls, repeated cyclically, clipped at the end).
 *
 * @param geometry  the attention geometry; its maximum context is at least {@code positions}
 * @param positions number of positions appended per layer
 * @param scale     bound of the values
 * @param seed      seed of the values
 * @param chunks    chunk sizes, used cyclically
 */
record Workload(AttentionGeometry geometry, int positions, float scale, long seed, List<Integer> chunks) {

    /** Head dimensions: the common ones, and odd ones that leave vector-loop tails. */
    static final int[] HEAD_DIMS = {1, 3, 8, 16, 17, 32, 40, 64, 80, 96, 128};

    static Arbitrary<AttentionGeometry> geometries(int maxPositions) {
        return Combinators.combine(
                Arbitraries.integers().between(1, 2),
                Arbitraries.integers().between(1, 3),
                Arbitraries.integers().between(1, 4),
                Arbitraries.of(java.util.Arrays.stream(HEAD_DIMS).boxed().toList()),
                Arbitraries.integers().between(0, 64).withDistribution(RandomDistribution.uniform())
        ).as((layers, kvHeads, group, headDim, slack) ->
                new AttentionGeometry(layers, kvHeads * group, kvHeads, headDim, maxPositions + slack));
    }

    static Arbitrary<Workload> workloads(int maxPositions) {
        return Combinators.combine(
                geometries(maxPositions),
                Arbitraries.integers().between(1, maxPositions).withDistribution(RandomDistribution.uniform()),
                Arbitraries.of(0.01f, 1f, 4f, 30f),
                Arbitraries.longs(),
                Arbitraries.integers().between(1, 70).withDistribution(RandomDistribution.uniform())
                        .list().ofMinSize(1).ofMaxSize(6)
        ).as(Workload::new);
    }

    /** The chunk sizes covering {@code [from, positions)}: the cyclic chunking, the last one clipped. */
    List<Integer> chunkSizes(int from) {
        java.util.ArrayList<Integer> sizes = new java.util.ArrayList<>();
        int pos = from;
        for (int i = 0; pos < positions; i++) {
            int n = Math.min(chunks.get(i % chunks.size()), positions - pos);
            sizes.add(n);
            pos += n;
        }
        return sizes;
    }

    /** K of one layer, {@code [positions][kvHeads][headDim]}. */
    float[] k(int layer) {
        return values(layer, 0, geometry.kvDim());
    }

    /** V of one layer, same layout as K. */
    float[] v(int layer) {
        return values(layer, 1, geometry.kvDim());
    }

    /** Q of one layer, {@code [positions][queryHeads][headDim]}. */
    float[] q(int layer) {
        return values(layer, 2, geometry.queryDim());
    }

    /** The largest magnitude of V (outputs are convex combinations of V rows). */
    float maxAbsV() {
        return scale;
    }

    private float[] values(int layer, int which, int dim) {
        Random r = new Random(seed * 31 + layer * 7L + which);
        float[] a = new float[positions * dim];
        for (int i = 0; i < a.length; i++) {
            a[i] = (r.nextFloat() * 2 - 1) * scale;
        }
        return a;
    }

    @Override
    public String toString() {
        return "Workload[" + geometry + ", positions=" + positions + ", scale=" + scale + ", seed=" + seed
                + ", chunks=" + chunks + "]";
    }
}
