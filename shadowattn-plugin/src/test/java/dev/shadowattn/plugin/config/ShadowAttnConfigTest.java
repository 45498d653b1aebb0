package dev.shadowattn.plugin.config;

import dev.shadowattn.api.AttentionOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ShadowAttnConfigTest {

    private static ShadowAttnConfig parse(String... pairs) {
        return ShadowAttnConfig.parse(AttentionOptions.parse(List.of(pairs)));
    }

    @Test
    void modesSupplyDefaults() {
        ShadowAttnConfig f = parse("mode=faithful");
        assertEquals(Estimator.INT8, f.estimator());
        assertEquals(Sharing.HEAD, f.sharing());
        assertEquals(1, f.block());
        assertEquals(1, f.tile());
        assertTrue(Double.isNaN(f.ratio()));
        assertNull(f.scales());
        ShadowAttnConfig c = parse();
        assertEquals(Mode.CPU, c.mode());
        assertEquals(Sharing.KV, c.sharing());
        assertTrue(c.block() >= 16);
        assertFalse(c.prefillOnly());
        // The CPU defaults chosen by measurement (docs/SHADOWATTN-BACKEND.md), all named in the log line.
        assertEquals(32, c.summary());
        assertEquals(1.25, c.shortlist());
        String line = c.describe(0.2, ScaleMode.DYNAMIC, true, "vector", 2);
        assertTrue(line.contains("summary=32 shortlist=1.25 estimate-stride=2 "), line);
        assertTrue(parse("shortlist=2").describe(0.2, ScaleMode.DYNAMIC, true, "vector", 2).contains("shortlist=2 "));
    }

    @Test
    void explicitOptionsOverrideTheMode() {
        ShadowAttnConfig c = parse("mode=faithful", "share=kv", "block=32", "tile=16", "estimator=blocks",
                "scales=dynamic", "sink=4", "window=64", "dense-below=128", "prefill-only=yes", "ratio=0.35",
                "kmean=off", "threads=3", "kernels=scalar", "model.path=/x.gguf", "engine.threads=2");
        assertEquals(Sharing.KV, c.sharing());
        assertEquals(32, c.block());
        assertEquals(16, c.tile());
        assertEquals(Estimator.BLOCKS, c.estimator());
        assertEquals(ScaleMode.DYNAMIC, c.scales());
        assertEquals(4, c.sink());
        assertEquals(64, c.window());
        assertEquals(128, c.denseBelow());
        assertTrue(c.prefillOnly());
        assertEquals(0.35, c.ratio());
        assertEquals(Boolean.FALSE, c.kMean());
        assertNull(parse().kMean(), "kmean defaults by scale mode");
        assertEquals(3, c.threads());
        assertEquals("scalar", c.kernels());
    }

    @ParameterizedTest
    @CsvSource(delimiter = ';', value = {
            "mode=fast; must be one of faithful, cpu",
            "estimator=int4; must be one of int8, blocks, blocks-int8, exact",
            "share=all; must be one of head, kv",
            "scales=auto; must be one of static, dynamic",
            "block=24; block=24 must be 1 or a power of two between 16 and 256",
            "block=512; must be 1 or a power of two",
            "block=8; must be 1 or a power of two",
            "tile=0; tile=0 must be between 1 and 256",
            "tile=300; must be between 1 and 256",
            "sink=-1; sink=-1 must not be negative",
            "window=-5; window=-5 must not be negative",
            "dense-below=-1; must not be negative",
            "prefill-only=maybe; prefill-only=maybe is not a boolean",
            "kernels=gpu; must be one of auto, vector, scalar",
            "scorer=npu; scorer=npu must be one of cpu (or java), qnn, auto",
            "tile=x; tile=x is not an integer",
            "kmean=2; kmean=2 is not a boolean",
            "summary=128; summary=128 must be a power of two between 16 and block (64)",
            "summary=24; must be a power of two between 16 and block"})
    void badValuesAreRejectedNamingTheOption(String pair, String expected) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> parse(pair));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }

    @Test
    void blockEstimatorsNeedBlocks() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> parse("mode=faithful", "estimator=blocks"));
        assertTrue(e.getMessage().contains("needs block >= 16"), e.getMessage());
    }

    @Test
    void everyKeyIsDocumented() throws Exception {
        // The module's tests run in shadowattn-plugin/; the project's docs are one level up.
        String doc = java.nio.file.Files.readString(java.nio.file.Path.of("../docs/SHADOWATTN-BACKEND.md"));
        String qnn = java.nio.file.Files.readString(java.nio.file.Path.of("../docs/QNN.md"));
        for (String key : ShadowAttnConfig.KEYS) {
            assertTrue((key.startsWith("qnn.") ? qnn : doc).contains("`" + key),
                    "option " + key + " is not documented");
        }
    }
}
