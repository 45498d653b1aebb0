package dev.shadowattn.host.attention;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ServiceLoader;

import dev.shadowattn.api.AttentionBackend;
import dev.shadowattn.api.AttentionGeometry;
import dev.shadowattn.api.AttentionOptions;
import dev.shadowattn.api.AttentionProvider;
import org.junit.jupiter.api.Test;

class DenseAttentionProviderTest {

    private static final AttentionGeometry HOUSE = new AttentionGeometry(4, 6, 2, 64, 2048);

    @Test
    void discoveredByServiceLoader() {
        AttentionProvider dense = ServiceLoader.load(AttentionProvider.class).stream()
                .map(ServiceLoader.Provider::get)
                .filter(p -> p.name().equals("dense"))
                .findFirst().orElseThrow(() -> new AssertionError("dense provider not registered"));
        assertEquals(10, dense.priority());
        assertTrue(dense.isAvailable());
        assertTrue(dense instanceof DenseAttentionProvider);
    }

    @Test
    void threadsDefaultToTheEngineSettingThenTheProcessors() {
        DenseAttentionProvider p = new DenseAttentionProvider();
        try (AttentionBackend b = p.create(HOUSE, AttentionOptions.NONE.with(AttentionOptions.THREADS, "3"))) {
            assertEquals(3, ((DenseAttentionBackend) b).threads());
            assertEquals("dense", b.name());
            assertEquals(HOUSE, b.geometry());
            assertTrue(b.describe().contains("threads 3"), b.describe());
        }
        try (AttentionBackend b = p.create(HOUSE, AttentionOptions.NONE.with(AttentionOptions.THREADS, "3")
                .with("threads", "1"))) {
            assertEquals(1, ((DenseAttentionBackend) b).threads(), "the backend's own option wins");
        }
        try (AttentionBackend b = p.create(HOUSE, AttentionOptions.NONE)) {
            assertEquals(Runtime.getRuntime().availableProcessors(), ((DenseAttentionBackend) b).threads());
        }
    }

    @Test
    void badOptionsNameTheOption() {
        DenseAttentionProvider p = new DenseAttentionProvider();
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
                () -> p.create(HOUSE, AttentionOptions.NONE.with("thread", "2")));
        assertTrue(unknown.getMessage().contains("'thread'"), unknown.getMessage());
        IllegalArgumentException zero = assertThrows(IllegalArgumentException.class,
                () -> p.create(HOUSE, AttentionOptions.NONE.with("threads", "0")));
        assertTrue(zero.getMessage().contains("threads=0"), zero.getMessage());
        IllegalArgumentException notInt = assertThrows(IllegalArgumentException.class,
                () -> p.create(HOUSE, AttentionOptions.NONE.with("threads", "two")));
        assertTrue(notInt.getMessage().contains("threads=two"), notInt.getMessage());
        IllegalArgumentException kernels = assertThrows(IllegalArgumentException.class,
                () -> p.create(HOUSE, AttentionOptions.NONE.with("kernels", "gpu")));
        assertTrue(kernels.getMessage().contains("kernels=gpu"), kernels.getMessage());
        IllegalArgumentException storage = assertThrows(IllegalArgumentException.class,
                () -> p.create(HOUSE, AttentionOptions.NONE.with("storage", "disk")));
        assertTrue(storage.getMessage().contains("storage=disk"), storage.getMessage());
        // Informational keys are always accepted.
        p.create(HOUSE, AttentionOptions.NONE.with(AttentionOptions.MODEL_NAME, "house")).close();
    }
}
