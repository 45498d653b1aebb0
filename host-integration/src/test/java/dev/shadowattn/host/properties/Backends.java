package dev.shadowattn.host.properties;

import dev.shadowattn.api.AttentionBackend;
import dev.shadowattn.api.AttentionGeometry;
import dev.shadowattn.api.AttentionOptions;
import dev.shadowattn.api.AttentionProvider;
import dev.shadowattn.host.backend.AttentionBackends;
import java.util.Map;
import java.util.Optional;

/** Attention backends as the engine gets them: through {@link java.util.ServiceLoader} discovery only. */
final class Backends {

    static final String DENSE = "dense";
    static final String SHADOWATTN = "shadowattn";

    private static final AttentionBackends DISCOVERED = AttentionBackends.discover();

    private Backends() {
    }

    static Optional<AttentionProvider> provider(String name) {
        return DISCOVERED.find(name);
    }

    static AttentionProvider require(String name) {
        return provider(name).orElseThrow(() -> new AssertionError("attention provider '" + name
                + "' is not on the test class path; found " + DISCOVERED.all().stream()
                .map(AttentionProvider::name).toList()));
    }

    /** The dense backend with {@code threads} threads per call. */
    static AttentionBackend dense(AttentionGeometry g, int threads) {
        return dense(g, threads, "auto");
    }

    /** The dense backend with {@code threads} threads per call and the given kernels (auto, vector, scalar). */
    static AttentionBackend dense(AttentionGeometry g, int threads, String kernels) {
        return require(DENSE).create(g, new AttentionOptions(Map.of("threads", Integer.toString(threads),
                "kernels", kernels)));
    }

    /**
     * The shadowattn backend keeping {@code ratio} of the keys, without a model profile, with {@code threads}
     * worker threads.
     */
    static AttentionBackend shadowattn(AttentionGeometry g, double ratio, int threads) {
        return shadowattn(g, ratio, threads, "auto");
    }

    /** As {@link #shadowattn(AttentionGeometry, double, int)}, with the given kernels (auto, vector, scalar). */
    static AttentionBackend shadowattn(AttentionGeometry g, double ratio, int threads, String kernels) {
        return require(SHADOWATTN).create(g, new AttentionOptions(Map.of("ratio", Double.toString(ratio),
                "profile", "none", "threads", Integer.toString(threads), "kernels", kernels)));
    }
}
