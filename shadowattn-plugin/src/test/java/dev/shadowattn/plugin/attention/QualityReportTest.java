package dev.shadowattn.plugin.attention;

import dev.shadowattn.plugin.ShadowAttnBackend;
import dev.shadowattn.plugin.testing.Backends;
import dev.shadowattn.plugin.testing.HouseQkv;
import dev.shadowattn.plugin.testing.QkvData;
import dev.shadowattn.plugin.testing.Quality;
import dev.shadowattn.plugin.testing.SessionDriver;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** Prints quality figures of many configurations on the captured layers (run on demand: -Dquality.report=true). */
class QualityReportTest {

    @Test
    void report() {
        Assumptions.assumeTrue(Boolean.getBoolean("quality.report"), "set -Dquality.report=true to print the report");
        String[] specs = System.getProperty("quality.specs", "mode=faithful|mode=faithful,estimator=exact|"
                + "mode=cpu|mode=cpu,estimator=int8|mode=cpu,estimator=blocks-int8|mode=cpu,block=32|"
                + "mode=cpu,block=16,tile=16|mode=cpu,estimator=exact").split("\\|");
        double ratio = Double.parseDouble(System.getProperty("quality.ratio", "0.2"));
        int prefill = Integer.getInteger("quality.prefill", 512);
        for (QkvData x : HouseQkv.all()) {
            for (String spec : specs) {
                try (ShadowAttnBackend b = Backends.create(x, spec + ",ratio=" + ratio)) {
                    SessionDriver.Run run = SessionDriver.run(b, x, 0, prefill, 128, true);
                    System.out.printf("%-14s %-45s %s%n", x.source(), spec,
                            Quality.measure(Quality.reference(x, 16, 1), run, ratio));
                }
            }
        }
    }
}
