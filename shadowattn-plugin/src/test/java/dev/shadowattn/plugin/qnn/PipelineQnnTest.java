package dev.shadowattn.plugin.qnn;

import dev.shadowattn.api.AttentionGeometry;
import dev.shadowattn.api.AttentionOptions;
import dev.shadowattn.plugin.ShadowAttnBackend;
import dev.shadowattn.plugin.ShadowAttnProvider;
import dev.shadowattn.plugin.profile.ModelProfile;
import dev.shadowattn.plugin.testing.QkvData;
import dev.shadowattn.plugin.testing.SessionDriver;
import dev.shadowattn.plugin.testing.SyntheticQkv;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The head pipeline with the QNN device (our reference library) as its scorer stage: same output as sequential. */
class PipelineQnnTest {

    @TempDir
    Path tmp;

    private static final QkvData DATA = SyntheticQkv.generate(9, 8, 4, 64, 220);

    /** Static scales: each head's largest |q| and |k| over the data maps to 127. */
    private static ModelProfile profile(QkvData x) {
        float[][] q = {new float[x.queryHeads()]};
        float[][] k = {new float[x.kvHeads()]};
        int d = x.headDim();
        for (int p = 0; p < x.n(); p++) {
            for (int h = 0; h < x.queryHeads(); h++) {
                for (int c = 0; c < d; c++) {
                    q[0][h] = Math.max(q[0][h], Math.abs(x.q()[(p * x.queryHeads() + h) * d + c]) / 127f);
                }
            }
            for (int h = 0; h < x.kvHeads(); h++) {
                for (int c = 0; c < d; c++) {
                    k[0][h] = Math.max(k[0][h], Math.abs(x.k()[(p * x.kvHeads() + h) * d + c]) / 127f);
                }
            }
        }
        return new ModelProfile(null, q, k, "pipeline-test-profile");
    }

    private SessionDriver.Run run(String spec) {
        List<String> pairs = new ArrayList<>(List.of(spec.split(",")));
        pairs.add("qnn.cache=" + tmp.resolve("cache"));
        pairs.add("qnn.library=" + RefLibrary.path());
        AttentionGeometry g = new AttentionGeometry(1, DATA.queryHeads(), DATA.kvHeads(), DATA.headDim(), DATA.n());
        try (ShadowAttnBackend b = ShadowAttnProvider.create(g, AttentionOptions.parse(pairs), profile(DATA))) {
            SessionDriver.Run run = SessionDriver.run(b, DATA, 0, 160, 64, false);
            FallbackScoringDevice f = (FallbackScoringDevice) b.plan().device();
            assertFalse(f.failedOver(), "the QNN device kept working");
            assertTrue(((QnnScoringDevice) f.primary()).scorer().stats().launches() > 0, "QNN did the scoring");
            return run;
        }
    }

    @Test
    void qnnScorerStageMatchesSequential() {
        String base = "mode=faithful,scales=static,ratio=0.2,scorer=qnn,kernels=scalar";
        SessionDriver.Run off = run(base + ",threads=1");
        for (String pipe : new String[]{"pipeline=fifo,cpu-threads=1", "pipeline=greedy,cpu-threads=2"}) {
            SessionDriver.Run got = run(base + "," + pipe);
            assertArrayEquals(off.out(), got.out(), pipe + ": output differs from the sequential backend");
        }
    }
}
