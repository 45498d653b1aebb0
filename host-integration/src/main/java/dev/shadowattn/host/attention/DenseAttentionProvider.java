package dev.shadowattn.host.attention;

import java.util.Set;

import dev.shadowattn.api.AttentionBackend;
import dev.shadowattn.api.AttentionGeometry;
import dev.shadowattn.api.AttentionOptions;
import dev.shadowattn.api.AttentionProvider;

/**
 * The built-in exact attention, {@code dense}: the baseline every other backend is measured against.
 *
 * <p>Options:
 * <ul>
 *   <li>{@code threads}: threads per attention call, the caller included (default: {@value AttentionOptions#THREADS}
 *       when the engine sets it, else the available processors);</li>
 *   <li>{@code kernels}: {@code auto} (default), {@code vector} or {@code scalar};</li>
 *   <li>{@code storage}: {@code hugepages} (default: past the first 2 MiB, 2 MiB {@code mmap} slabs advised as
 *       transparent huge pages; Linux with native access, else the same as {@code offheap}), {@code offheap} (one
 *       64-byte aligned native allocation per chunk) or {@code heap} ({@code float[]} chunks, kept to measure the
 *       difference).</li>
 * </ul>
 */
public final class DenseAttentionProvider implements AttentionProvider {

    public static final String NAME = "dense";
    public static final String THREADS = "threads";
    public static final String KERNELS = "kernels";
    public static final String STORAGE = "storage";
    private static final int MAX_THREADS = 256;

    public DenseAttentionProvider() {
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "exact causal GQA attention, blocked K, flash-style Vector API kernels";
    }

    @Override
    public int priority() {
        return 10;
    }

    @Override
    public AttentionBackend create(AttentionGeometry geometry, AttentionOptions options) {
        options.requireKnown(NAME, Set.of(THREADS, KERNELS, STORAGE));
        int defaultThreads = options.getInt(AttentionOptions.THREADS, Runtime.getRuntime().availableProcessors());
        int threads = options.getInt(THREADS, defaultThreads);
        if (threads < 1 || threads > MAX_THREADS) {
            String key = options.get(THREADS).isPresent() ? THREADS : AttentionOptions.THREADS;
            throw new IllegalArgumentException("backend option " + key + "=" + threads + " for attention backend '"
                    + NAME + "' must be in [1, " + MAX_THREADS + "]");
        }
        AttentionKernels kernels = AttentionKernels.select(options.getString(KERNELS, "auto"));
        String storageName = options.getString(STORAGE, "hugepages");
        ChunkAllocator.Storage storage;
        try {
            storage = ChunkAllocator.Storage.parse(storageName);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("backend option " + STORAGE + "=" + storageName
                    + " for attention backend '" + NAME + "' " + e.getMessage());
        }
        return new DenseAttentionBackend(geometry, kernels, threads, storage);
    }
}
