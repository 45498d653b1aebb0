package dev.shadowattn.plugin.attention;

import dev.shadowattn.plugin.ShadowAttnBackend;
import dev.shadowattn.plugin.testing.Backends;
import dev.shadowattn.plugin.testing.DenseReference;
import dev.shadowattn.plugin.testing.QkvData;
import dev.shadowattn.plugin.testing.SessionDriver;
import dev.shadowattn.plugin.testing.SyntheticQkv;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Ratio 1.0 is exact dense attention, and at any ratio the output is exact attention over the keys the backend
 * reports as kept: checked against the independent double-precision reference.
 */
class ExactnessTest {

    private static final QkvData DATA = SyntheticQkv.generate(7, 6, 2, 64, 300);

    @ParameterizedTest
    @ValueSource(strings = {"mode=faithful", "mode=cpu", "mode=faithful,kernels=scalar", "mode=cpu,kernels=scalar",
            "mode=cpu,threads=2", "mode=cpu,block=16,tile=16,estimator=int8", "mode=faithful,gather=rows",
            "mode=faithful,gather=groups"})
    void ratioOneIsDense(String spec) {
        float[] dense = DenseReference.attend(DATA, 0, DATA.n());
        try (ShadowAttnBackend b = Backends.create(DATA, spec + ",ratio=1.0")) {
            SessionDriver.Run run = SessionDriver.run(b, DATA, 0, 200, 64, false);
            double err = DenseReference.relativeError(run.out(), dense);
            assertTrue(err < 2e-5, spec + ": relative error " + err);
            assertEquals(run.stats().visible(), run.stats().kept(), "ratio 1 keeps every visible key");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"mode=faithful", "mode=faithful,kernels=scalar", "mode=cpu", "mode=cpu,kernels=scalar",
            "mode=cpu,estimator=int8", "mode=cpu,estimator=blocks-int8", "mode=cpu,estimator=exact,block=16,tile=16",
            "mode=faithful,share=kv", "mode=faithful,tile=8", "mode=faithful,block=32",
            "mode=cpu,share=head,tile=1", "mode=cpu,sink=4,window=32,threads=2", "mode=faithful,estimator=exact", "mode=cpu,estimator=int8,estimate-stride=4",
            "mode=cpu,estimator=blocks-int8,estimate-stride=3,shortlist=3", "mode=faithful,gather=rows",
            "mode=faithful,gather=rows,kernels=scalar", "mode=faithful,gather=groups",
            "mode=faithful,gather=groups,kernels=scalar", "mode=faithful,gather=rows,threads=2"})
    void sparseOutputIsExactOverKeptKeys(String spec) {
        // dense-below=0: mode=cpu attends densely below 512 visible keys by default, and this data has 300.
        String sparse = spec.contains("dense-below") ? spec : spec + ",dense-below=0";
        try (ShadowAttnBackend b = Backends.create(DATA, sparse + ",ratio=0.2")) {
            SessionDriver.Run run = SessionDriver.run(b, DATA, 0, 200, 64, true);
            float[] expect = new float[run.out().length];
            long kept = 0;
            for (int p = 0; p < DATA.n(); p++) {
                for (int h = 0; h < DATA.queryHeads(); h++) {
                    int[] keys = run.kept(h, p);
                    kept += keys.length;
                    for (int j = 0; j < keys.length; j++) {
                        assertTrue(keys[j] <= p && (j == 0 || keys[j] > keys[j - 1]),
                                spec + ": kept keys must be causal and ascending");
                    }
                    DenseReference.attendOne(DATA, h, p, keys, keys.length,
                            expect, (p * DATA.queryHeads() + h) * DATA.headDim());
                }
            }
            double err = DenseReference.relativeError(run.out(), expect);
            assertTrue(err < 2e-5, spec + ": relative error " + err);
            assertEquals(kept, run.stats().kept(), "stats count the reported keys");
            // Short context: the diagonal, sink and window blocks weigh a lot, but a fifth is still the aim.
            assertTrue(run.stats().kept() < 0.7 * run.stats().visible(), spec + ": kept fraction "
                    + (double) run.stats().kept() / run.stats().visible());
        }
    }
}
