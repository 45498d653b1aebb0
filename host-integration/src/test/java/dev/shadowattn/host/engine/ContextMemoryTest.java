package dev.shadowattn.host.engine;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shadowattn.api.AttentionBackend;
import dev.shadowattn.api.AttentionGeometry;
import dev.shadowattn.api.AttentionOptions;
import dev.shadowattn.gguf.model.Model;
import dev.shadowattn.host.backend.AttentionBackends;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The up-front memory check of a context size, alone and as the engine applies it. */
class ContextMemoryTest {

    @Test
    void kvCacheBytesAreLayersTimesPositionsTimesKvDimTimesKAndVTimesFour() {
        AttentionGeometry g = new AttentionGeometry(8, 6, 2, 64, 4096);
        assertEquals(8L * 4096 * 128 * 2 * 4, ContextMemory.kvCacheBytes(g));
        assertEquals(ContextMemory.kvCacheBytes(g) * 9 / 8, ContextMemory.requiredBytes(g));
    }

    @Test
    void hugeGeometriesSaturateInsteadOfOverflowing() {
        AttentionGeometry g = new AttentionGeometry(1 << 20, 1 << 10, 1 << 10, 1 << 10, Integer.MAX_VALUE);
        assertEquals(Long.MAX_VALUE, ContextMemory.kvCacheBytes(g));
        assertEquals(Long.MAX_VALUE, ContextMemory.requiredBytes(g));
        assertThrows(IllegalArgumentException.class, () -> ContextMemory.requireFits(g, Long.MAX_VALUE - 1));
    }

    @Test
    void aContextThatDoesNotFitIsRefusedNamingSizesAndTheOption() {
        AttentionGeometry g = new AttentionGeometry(32, 32, 8, 128, 100_000);
        long required = ContextMemory.requiredBytes(g);
        assertDoesNotThrow(() -> ContextMemory.requireFits(g, required));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ContextMemory.requireFits(g, required - 1));
        String m = e.getMessage();
        assertTrue(m.contains("100000 positions") && m.contains("--ctx-size") && m.contains("32 layers")
                && m.contains("GiB"), m);
    }

    @Test
    void availableMemoryIsPositiveAndAtMostThePhysicalMemory() {
        long available = ContextMemory.availableBytes();
        assertTrue(available > 0, "available " + available);
        if (java.lang.management.ManagementFactory.getOperatingSystemMXBean()
                instanceof com.sun.management.OperatingSystemMXBean os) {
            assertTrue(available <= os.getTotalMemorySize(), available + " > " + os.getTotalMemorySize());
        }
    }

    @Test
    void theEngineRefusesAContextOfAHundredMillionPositionsUpFront() {
        try (Model model = HouseModel.load()) {
            AttentionGeometry g = Engine.geometry(model.config(), 100_000_000);
            try (AttentionBackend backend = AttentionBackends.discover().select("dense")
                    .create(g, AttentionOptions.NONE)) {
                IllegalArgumentException e = assertTimeoutPreemptively(Duration.ofSeconds(30), () ->
                        assertThrows(IllegalArgumentException.class,
                                () -> new Engine(model, backend, 100_000_000, 1, Engine.DEFAULT_CHUNK)));
                assertTrue(e.getMessage().contains("100000000 positions") && e.getMessage().contains("--ctx-size"),
                        e.getMessage());
            }
            // A context that fits is still accepted.
            assertDoesNotThrow(() -> HouseModel.engine(model, "dense", 4096, 1).close());
        }
    }
}
