package dev.shadowattn.host.backend;

import dev.shadowattn.api.AttentionProvider;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.stream.Collectors;

/**
 * Discovers attention backends with {@link ServiceLoader} and picks one: by name (the {@code --backend} flag,
 * else the system property {@value #PROPERTY}), otherwise the available provider of highest priority.
 */
public final class AttentionBackends {

    /** System property naming the backend when no flag does. */
    public static final String PROPERTY = "shadowattn.backend";

    private final List<AttentionProvider> providers;

    private AttentionBackends(List<AttentionProvider> providers) {
        this.providers = providers;
    }

    /** Providers visible to the given class loader, sorted by decreasing priority then name. */
    public static AttentionBackends discover(ClassLoader loader) {
        List<AttentionProvider> found = new ArrayList<>();
        for (AttentionProvider p : ServiceLoader.load(AttentionProvider.class, loader)) {
            found.add(p);
        }
        found.sort(Comparator.comparingInt(AttentionProvider::priority).reversed().thenComparing(AttentionProvider::name));
        return new AttentionBackends(List.copyOf(found));
    }

    public static AttentionBackends discover() {
        return discover(AttentionBackends.class.getClassLoader());
    }

    public List<AttentionProvider> all() {
        return providers;
    }

    public Optional<AttentionProvider> find(String name) {
        return providers.stream().filter(p -> p.name().equals(name)).findFirst();
    }

    /**
     * The provider to use: {@code requested} if non-null, else the system property, else the highest-priority
     * available one. An unknown or unavailable name fails listing the available providers.
     */
    public AttentionProvider select(String requested) {
        String name = requested != null ? requested : System.getProperty(PROPERTY);
        if (name != null && !name.isBlank()) {
            AttentionProvider p = find(name.trim()).orElseThrow(() -> new IllegalArgumentException(
                    "unknown attention backend '" + name + "'; available: " + availableNames()));
            if (!p.isAvailable()) {
                throw new IllegalArgumentException("attention backend '" + name + "' is not available on this machine; available: " + availableNames());
            }
            return p;
        }
        return providers.stream().filter(AttentionProvider::isAvailable).findFirst()
                .orElseThrow(() -> new IllegalStateException("no attention backend found on the class path"));
    }

    public String availableNames() {
        return providers.stream().filter(AttentionProvider::isAvailable).map(AttentionProvider::name)
                .collect(Collectors.joining(", "));
    }
}
