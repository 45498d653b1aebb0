package dev.shadowattn.plugin.attention;

import dev.shadowattn.plugin.ShadowAttnBackend;
import dev.shadowattn.plugin.ShadowAttnProvider;
import dev.shadowattn.plugin.profile.ModelProfile;
import dev.shadowattn.plugin.testing.Backends;
import dev.shadowattn.plugin.testing.DenseReference;
import dev.shadowattn.plugin.testing.HouseQkv;
import dev.shadowattn.plugin.testing.QkvData;
import dev.shadowattn.plugin.testing.Quality;
import dev.shadowattn.plugin.testing.SessionDriver;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Recall and output error on real Q/K/V captured from the house model (layers 1, 4, 7 over 1024 tokens of
 * Persuasion; 512 positions of prefill in chunks of 128, then decode), at a 20% keep ratio.
 */
class HouseQualityTest {

    private static final double RATIO = 0.2;
    private static List<QkvData> layers;
    private static Map<QkvData, Quality.Reference> references;

    @BeforeAll
    static void load() {
        layers = HouseQkv.all();
        assertFalse(layers.isEmpty(), "captured house layers are missing from src/test/resources/qkv");
        references = new IdentityHashMap<>();
        for (QkvData x : layers) {
            // Every 4th position from 17: prefill rows of every chunk offset, and decode rows.
            references.put(x, Quality.reference(x, 17, 4));
        }
    }

    private static Quality measure(QkvData x, ShadowAttnBackend b) {
        try (b) {
            return Quality.measure(references.get(x), SessionDriver.run(b, x, 0, 512, 128, true), RATIO);
        }
    }

    @Test
    void faithfulInt8RecallIsAtLeast99Percent() {
        for (QkvData x : layers) {
            Quality q = measure(x, Backends.create(x, "mode=faithful,ratio=" + RATIO));
            Quality oracle = measure(x, Backends.create(x, "mode=faithful,estimator=exact,ratio=" + RATIO));
            assertTrue(q.meanRecall() >= 0.99, x.source() + ": " + q);
            assertTrue(q.worstHeadRecall() >= 0.985, x.source() + ": " + q);
            assertTrue(oracle.meanRecall() >= 0.9999, x.source() + " oracle: " + oracle);
            // INT8 selection loses almost nothing against the exact top-k at the same budget.
            assertTrue(q.meanMass() >= oracle.meanMass() - 0.002, x.source() + ": " + q + " vs " + oracle);
            assertTrue(q.meanOutputError() <= oracle.meanOutputError() * 1.03 + 0.002,
                    x.source() + ": " + q + " vs " + oracle);
            assertEquals(RATIO, q.keptFraction(), 0.01);
        }
    }

    @Test
    void staticScalesFromAProfileKeepRecallHigh() {
        for (QkvData x : layers) {
            // Calibrate per-head scales on the data itself (max |q|, max |k| / 127), snapped to the bucket grid.
            float[][] qs = new float[1][x.queryHeads()];
            float[][] ks = new float[1][x.kvHeads()];
            for (int p = 0; p < x.n(); p++) {
                for (int i = 0; i < x.queryDim(); i++) {
                    qs[0][i / x.headDim()] = Math.max(qs[0][i / x.headDim()], Math.abs(x.q()[p * x.queryDim() + i]) / 127);
                }
                for (int i = 0; i < x.kvDim(); i++) {
                    ks[0][i / x.headDim()] = Math.max(ks[0][i / x.headDim()], Math.abs(x.k()[p * x.kvDim() + i]) / 127);
                }
            }
            ShadowAttnBackend b = ShadowAttnProvider.create(Backends.geometry(x, 1),
                    Backends.options("mode=faithful,ratio=" + RATIO), new ModelProfile(null, qs, ks, "calibrated"));
            assertTrue(b.describe().contains("scales=static"), b.describe());
            Quality q = measure(x, b);
            assertTrue(q.meanRecall() >= 0.97, x.source() + " static: " + q);
        }
    }

    @Test
    void cpuDefaultCoversMostOfTheAttentionMass() {
        for (QkvData x : layers) {
            // dense-below=0: every row selects (by default the first 512 positions attend densely).
            Quality cpu = measure(x, Backends.create(x, "dense-below=0,ratio=" + RATIO));
            Quality oracle = measure(x, Backends.create(x, "dense-below=0,estimator=exact,ratio=" + RATIO));
            // Block bounds pick nearly what exact scores would pick at the same structure (blocks, shared tiles).
            assertTrue(cpu.meanMass() >= oracle.meanMass() - 0.03, x.source() + ": " + cpu + " vs " + oracle);
            assertTrue(cpu.keptFraction() <= RATIO + 0.03, x.source() + ": " + cpu);
        }
    }

    @Test
    void outputErrorShrinksAsTheRatioGrows() {
        QkvData x = layers.get(0);
        float[] dense = DenseReference.attend(x, 0, x.n());
        double last = Double.MAX_VALUE;
        for (double r : new double[]{0.1, 0.3, 0.6, 1.0}) {
            try (ShadowAttnBackend b = Backends.create(x, "mode=faithful,ratio=" + r)) {
                float[] out = SessionDriver.run(b, x, 0, 512, 128, false).out();
                double err = DenseReference.relativeError(out, dense);
                assertTrue(err < last, "ratio " + r + ": error " + err + " not below " + last);
                last = err;
            }
        }
        assertTrue(last < 1e-5, "ratio 1 is exact: " + last);
    }
}
