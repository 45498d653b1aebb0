package dev.shadowattn.host.properties;

import dev.shadowattn.api.AttentionBackend;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.IntRange;

/**
 * Properties of the {@code shadowattn} backend, obtained through the SPI (it is on host-integration's test class
 * path as a run-time dependency): at keep ratio 1.0 it is dense attention; at any ratio its outputs are finite and
 * a truncated and re-appended session equals one that never appended.
 */
class ShadowAttnBackendPropertyTest {

    static final int MAX_POSITIONS = 160;

    @Provide
    Arbitrary<Workload> workloads() {
        return Workload.workloads(MAX_POSITIONS);
    }

    @Property
    void atRatioOneItEqualsDense(@ForAll("workloads") Workload w, @ForAll @IntRange(min = 1, max = 3) int threads) {
        try (AttentionBackend shadow = Backends.shadowattn(w.geometry(), 1.0, threads);
             AttentionBackend dense = Backends.dense(w.geometry(), threads)) {
            float[][] s = Runs.run(shadow, w);
            Outputs.requireFinite(s, "shadowattn " + w);
            Outputs.requireClose(s, Runs.run(dense, w), Tolerance.of(w), "shadowattn(1.0) vs dense " + w);
        }
    }

    @Property
    void atRatioOneChunkingDoesNotChangeTheResult(@ForAll("workloads") Workload w) {
        try (AttentionBackend shadow = Backends.shadowattn(w.geometry(), 1.0, 2)) {
            Outputs.requireClose(Runs.run(shadow, w), Runs.runOneChunk(shadow, w), Tolerance.of(w),
                    "shadowattn(1.0) chunked vs one chunk " + w);
        }
    }

    @Property
    void outputsAreFiniteAtAnyRatio(@ForAll("workloads") Workload w,
                                    @ForAll @DoubleRange(min = 0.01, max = 1.0) double ratio) {
        try (AttentionBackend shadow = Backends.shadowattn(w.geometry(), ratio, 2)) {
            Outputs.requireFinite(Runs.run(shadow, w), "shadowattn(" + ratio + ") " + w);
        }
    }

    @Property
    void truncatingAndReappendingEqualsNeverHavingAppended(@ForAll("workloads") Workload w,
                                                           @ForAll @DoubleRange(min = 0.01, max = 1.0) double ratio,
                                                           @ForAll @IntRange(min = 0, max = 100) int cutPercent,
                                                           @ForAll @IntRange(min = 1, max = 80) int junk) {
        try (AttentionBackend shadow = Backends.shadowattn(w.geometry(), ratio, 2, "scalar")) {
            // Bit-exact comparison: scalar kernels (see DenseBackendPropertyTest).
            TruncationCheck.check(shadow, w, cutPercent, junk);
        }
    }
}
