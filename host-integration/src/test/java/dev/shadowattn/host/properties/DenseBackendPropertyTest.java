package dev.shadowattn.host.properties;

import dev.shadowattn.api.AttentionBackend;
import dev.shadowattn.api.AttentionSession;
import java.util.List;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;
import net.jqwik.api.constraints.IntRange;

/**
 * Properties of the {@code dense} backend, obtained through the SPI, over random geometries, positions, value
 * scales, chunkings and thread counts (jqwik; tries per property: {@code jqwik.tries.default} in
 * {@code junit-platform.properties}).
 */
class DenseBackendPropertyTest {

    static final int MAX_POSITIONS = 160;

    @Provide
    Arbitrary<Workload> workloads() {
        return Workload.workloads(MAX_POSITIONS);
    }

    @Property
    void outputsAreFiniteAndMatchTheDoublePrecisionDefinition(@ForAll("workloads") Workload w,
                                                              @ForAll @IntRange(min = 1, max = 3) int threads) {
        Statistics.label("positions").collect(w.positions() / 40 * 40);
        Statistics.label("head dim").collect(w.geometry().headDim());
        try (AttentionBackend dense = Backends.dense(w.geometry(), threads)) {
            float[][] out = Runs.run(dense, w);
            Outputs.requireFinite(out, "dense " + w);
            for (int l = 0; l < out.length; l++) {
                Outputs.requireClose(out[l], OracleAttention.attend(w, l), Tolerance.of(w), "dense vs oracle " + w);
            }
        }
    }

    @Property
    void chunkedAppendAndAttendEqualsOneChunk(@ForAll("workloads") Workload w,
                                              @ForAll @IntRange(min = 1, max = 3) int threads) {
        try (AttentionBackend dense = Backends.dense(w.geometry(), threads)) {
            Outputs.requireClose(Runs.run(dense, w), Runs.runOneChunk(dense, w), Tolerance.of(w),
                    "chunked vs one chunk " + w);
        }
    }

    @Property
    void truncatingAndReappendingEqualsNeverHavingAppended(@ForAll("workloads") Workload w,
                                                           @ForAll @IntRange(min = 0, max = 100) int cutPercent,
                                                           @ForAll @IntRange(min = 1, max = 80) int junk,
                                                           @ForAll @IntRange(min = 1, max = 3) int threads) {
        try (AttentionBackend dense = Backends.dense(w.geometry(), threads, "scalar")) {
            // Bit-exact comparison: scalar kernels (Vector API lane reductions may round differently before and
            // after C2 compiles them, so two vector runs in one JVM can differ in the last bit).
            TruncationCheck.check(dense, w, cutPercent, junk);
        }
    }

    @Property(tries = 5)
    void truncateToZeroEmptiesTheSession(@ForAll("workloads") Workload w) {
        try (AttentionBackend dense = Backends.dense(w.geometry(), 1);
             AttentionSession s = dense.openSession()) {
            Runs.run(s, w, 0, w.chunkSizes(0));
            s.truncate(0);
            if (s.length() != 0) {
                throw new AssertionError("length " + s.length() + " after truncate(0)");
            }
            Outputs.requireIdentical(Runs.run(s, w, 0, w.chunkSizes(0)), Runs.run(dense, w), "after truncate(0)");
        }
    }

    /** Chunk sizes are used cyclically; the last chunk is clipped to the positions. */
    @Property(tries = 5)
    void chunkSizesCoverThePositions(@ForAll("workloads") Workload w) {
        List<Integer> sizes = w.chunkSizes(0);
        int sum = sizes.stream().mapToInt(Integer::intValue).sum();
        if (sum != w.positions() || sizes.stream().anyMatch(n -> n < 1)) {
            throw new AssertionError(sizes + " for " + w.positions() + " positions");
        }
    }
}
