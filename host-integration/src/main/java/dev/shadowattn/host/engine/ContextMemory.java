package dev.shadowattn.host.engine;

import dev.shadowattn.api.AttentionGeometry;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * The up-front memory check of a context size. Backends grow their KV cache lazily, so a context that cannot fit
 * would otherwise be accepted and fail much later, mid-conversation, with an OutOfMemoryError or a failed native
 * allocation. The engine refuses such a context when it is created, naming the size and the memory.
 *
 * <p>Estimate: K and V in float32 for every layer and position, {@code layers x positions x kvDim x 2 x 4} bytes,
 * plus {@value #BACKEND_EXTRA_EIGHTHS}/8 of that for backend structures beside them (shadowattn's INT8 shadow keys
 * take one eighth of K and V). Available: the memory the OS reports available ({@code MemAvailable} of
 * {@code /proc/meminfo}), capped by the control group's limit ({@code memory.max - memory.current}, cgroup v2),
 * else the OS's free memory; unknown means unlimited. Native (off-heap) caches count against it directly; the Java
 * heap is carved from the same memory.
 */
public final class ContextMemory {

    /** Eighths of the K/V bytes allowed for backend structures beside them. */
    static final int BACKEND_EXTRA_EIGHTHS = 1;

    private ContextMemory() {
    }

    /** Bytes of float32 K and V that a full context of {@code g} holds; saturates at Long.MAX_VALUE. */
    public static long kvCacheBytes(AttentionGeometry g) {
        try {
            return Math.multiplyExact(Math.multiplyExact(Math.multiplyExact((long) g.layers(), g.maxContext()),
                    (long) g.kvDim()), 2L * Float.BYTES);
        } catch (ArithmeticException overflow) {
            return Long.MAX_VALUE;
        }
    }

    /** {@link #kvCacheBytes} plus the allowance for backend structures; saturates at Long.MAX_VALUE. */
    public static long requiredBytes(AttentionGeometry g) {
        long kv = kvCacheBytes(g);
        long extra = kv / 8 * BACKEND_EXTRA_EIGHTHS;
        return kv > Long.MAX_VALUE - extra ? Long.MAX_VALUE : kv + extra;
    }

    /**
     * Fails unless a full context of {@code g} fits in {@code availableBytes}.
     *
     * @throws IllegalArgumentException naming the context size, the bytes it needs and those available, and the
     *                                  {@code --ctx-size} option that sets it
     */
    public static void requireFits(AttentionGeometry g, long availableBytes) {
        long required = requiredBytes(g);
        if (required > availableBytes) {
            throw new IllegalArgumentException(String.format(Locale.ROOT,
                    "a context of %d positions needs %s of KV cache (%d layers x %d positions x %d floats x K and V"
                            + " x 4 bytes, plus 1/8 for backend structures), but only %s of memory is available;"
                            + " choose a smaller context size (--ctx-size)",
                    g.maxContext(), gib(required), g.layers(), g.maxContext(), g.kvDim(), gib(availableBytes)));
        }
    }

    /** {@link #requireFits(AttentionGeometry, long)} against the memory available now. */
    public static void requireFits(AttentionGeometry g) {
        requireFits(g, availableBytes());
    }

    /** Memory available for new allocations: see the class comment; Long.MAX_VALUE when it cannot be told. */
    public static long availableBytes() {
        long available = meminfoAvailable();
        if (available < 0 && ManagementFactory.getOperatingSystemMXBean()
                instanceof com.sun.management.OperatingSystemMXBean os) {
            available = os.getFreeMemorySize();
        }
        long cgroup = cgroupRemaining();
        if (cgroup >= 0) {
            available = available < 0 ? cgroup : Math.min(available, cgroup);
        }
        return available < 0 ? Long.MAX_VALUE : available;
    }

    /** {@code MemAvailable} of /proc/meminfo in bytes, or -1. */
    private static long meminfoAvailable() {
        for (String line : lines(Path.of("/proc/meminfo"))) {
            if (line.startsWith("MemAvailable:")) {
                String[] parts = line.trim().split("\\s+");
                try {
                    return Long.parseLong(parts[1]) * 1024;   // reported in kB
                } catch (RuntimeException e) {
                    return -1;
                }
            }
        }
        return -1;
    }

    /** {@code memory.max - memory.current} of this process's cgroup v2, or -1 when unlimited or unknown. */
    private static long cgroupRemaining() {
        List<String> max = lines(Path.of("/sys/fs/cgroup/memory.max"));
        List<String> current = lines(Path.of("/sys/fs/cgroup/memory.current"));
        if (max.isEmpty() || current.isEmpty() || max.getFirst().trim().equals("max")) {
            return -1;
        }
        try {
            return Math.max(0, Long.parseLong(max.getFirst().trim()) - Long.parseLong(current.getFirst().trim()));
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static List<String> lines(Path p) {
        try {
            return Files.isReadable(p) ? Files.readAllLines(p) : List.of();
        } catch (IOException | RuntimeException e) {
            return List.of();
        }
    }

    private static String gib(long bytes) {
        return bytes == Long.MAX_VALUE ? "more than 8 EiB"
                : String.format(Locale.ROOT, "%.1f GiB", bytes / (double) (1L << 30));
    }
}
