package dev.shadowattn.host.properties;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.shadowattn.api.AttentionBackend;
import dev.shadowattn.api.AttentionGeometry;
import dev.shadowattn.api.AttentionSession;
import dev.shadowattn.gguf.GgufFile;
import dev.shadowattn.gguf.GgufTensor;
import dev.shadowattn.host.engine.HouseModel;
import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * Native memory (KV cache arenas and slabs, mapped model files) is released on close: opening, filling and closing
 * many sessions and backends, and mapping, reading and closing a model file many times, leaves the resident set
 * size ({@code VmRSS} of {@code /proc/self/status}) where it was, while the memory that went through is many times
 * the bound.
 */
class NativeMemoryReleaseTest {

    private static final Path STATUS = Path.of("/proc/self/status");
    private static final long ALLOWED_GROWTH = 160L << 20;
    private static final int CYCLES = 25;
    /** 8 layers x 1024 positions x 256 floats x K and V x 4 bytes = 16 MiB of cache per session. */
    private static final AttentionGeometry GEOMETRY = new AttentionGeometry(8, 8, 4, 64, 1024);

    @Test
    void sessionsAndBackendsGiveTheirCacheBack() {
        assumeTrue(Files.isReadable(STATUS), "needs Linux /proc/self/status");
        check("dense", g -> Backends.dense(g, 2));
        check("shadowattn", g -> Backends.shadowattn(g, 0.2, 2));
    }

    private static void check(String name, Function<AttentionGeometry, AttentionBackend> make) {
        Workload w = new Workload(GEOMETRY, 1024, 1f, 5, java.util.List.of(256));
        float[] k = w.k(0);
        float[] v = w.v(0);
        Runnable cycle = () -> {
            try (AttentionBackend backend = make.apply(GEOMETRY)) {
                for (int s = 0; s < 2; s++) {
                    try (AttentionSession session = backend.openSession()) {
                        for (int pos = 0; pos < 1024; pos += 256) {
                            for (int l = 0; l < GEOMETRY.layers(); l++) {
                                session.append(l, pos, 256, k, pos * GEOMETRY.kvDim(), v, pos * GEOMETRY.kvDim());
                            }
                        }
                        assertTrue(session.cacheBytes() >= 16L << 20, name + " holds " + session.cacheBytes());
                    }
                }
            }
        };
        long through = runCycles(cycle) * 2 * (16L << 20);
        System.out.printf("%s: %d MiB of KV cache allocated and released%n", name, through >> 20);
    }

    @Test
    void mappedModelFilesAreUnmapped() throws IOException {
        assumeTrue(Files.isReadable(STATUS), "needs Linux /proc/self/status");
        long size = Files.size(HouseModel.PATH);
        long through = runCycles(() -> {
            try (GgufFile f = GgufFile.open(HouseModel.PATH)) {
                long sum = 0;
                for (GgufTensor t : f.tensors()) {
                    for (long i = 0; i < t.byteSize(); i += 4096) {
                        sum += t.data().get(ValueLayout.JAVA_BYTE, i);   // touch every page
                    }
                }
                assertTrue(sum != Long.MIN_VALUE);
            }
        }) * size;
        System.out.printf("model file: %d MiB mapped, read and unmapped%n", through >> 20);
    }

    /** Runs {@code cycle} a few times to warm up, then {@link #CYCLES} times; fails if RSS grew past the bound. */
    private static long runCycles(Runnable cycle) {
        for (int i = 0; i < 3; i++) {
            cycle.run();
        }
        System.gc();
        long before = rss();
        for (int i = 0; i < CYCLES; i++) {
            cycle.run();
        }
        System.gc();
        long after = rss();
        assertTrue(after - before < ALLOWED_GROWTH, "VmRSS grew from " + (before >> 20) + " MiB to " + (after >> 20)
                + " MiB over " + CYCLES + " cycles");
        return CYCLES;
    }

    /** VmRSS of this process in bytes. */
    static long rss() {
        try {
            for (String line : Files.readAllLines(STATUS)) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        throw new AssertionError("no VmRSS in " + STATUS);
    }
}
