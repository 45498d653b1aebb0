package dev.shadowattn.plugin.qnn;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The finalized score graphs of one runtime, one per {@link MatMulGraphKey} (SHADOWATTN.md: static graphs per scale
 * bucket and shape, prebuilt rather than built online). A graph is looked up, or restored from the context-binary
 * cache at start-up, or built and finalized on first use into a "build context"; {@link #save} writes each build
 * context that gained graphs as one cache entry, keyed by profile id and backend build (see
 * {@link ContextBinaryCache}). A failed build makes its context unsaveable (it holds an unfinalized graph) and the
 * next build goes into a fresh context.
 *
 * <p>Thread-safe. Closing closes the graphs' memory and frees the contexts, not the runtime.
 */
public final class QnnGraphManager implements AutoCloseable {

    /**
     * @param cacheDir  root of the context-binary cache, or {@code null} for no cache
     * @param profileId identifies the model profile the scale buckets come from (part of the cache path)
     */
    public record Options(Path cacheDir, String profileId) {

        public Options {
            if (cacheDir != null) {
                ContextBinaryCache.safeName(profileId);
            }
        }

        public static Options noCache() {
            return new Options(null, "none");
        }
    }

    /** Counters: graphs built here, restored from the cache, contexts restored, cache entries written. */
    public record Stats(int built, int restored, int restoredContexts, int saved) {
    }

    private static final class BuildContext {
        final QnnContext context;
        final int index;
        final List<ContextBinaryCache.GraphRecord> records = new ArrayList<>();
        boolean dirty;
        boolean tainted;

        BuildContext(QnnContext context, int index) {
            this.context = context;
            this.index = index;
        }
    }

    private final QnnRuntime runtime;
    private final ContextBinaryCache cache;
    private final Map<MatMulGraphKey, MatMulGraph> graphs = new HashMap<>();
    private final List<QnnContext> restoredContexts = new ArrayList<>();
    private final List<BuildContext> buildContexts = new ArrayList<>();
    private final List<ContextBinaryCache.Entry> validEntries = new ArrayList<>();
    private final List<String> notices = new ArrayList<>();
    private int built;
    private int restored;
    private int saved;
    private boolean closed;

    /** Restores every valid cache entry for this profile and backend build (problems become notices). */
    public QnnGraphManager(QnnRuntime runtime, Options options) {
        this.runtime = runtime;
        this.cache = options.cacheDir() == null ? null : new ContextBinaryCache(options.cacheDir(),
                options.profileId(), runtime);
        if (cache != null) {
            List<ContextBinaryCache.Entry> entries;
            try {
                entries = cache.load(notices);
            } catch (UncheckedIOException e) {
                notices.add(e.getMessage());
                entries = List.of();
            }
            for (ContextBinaryCache.Entry e : entries) {
                restore(e);
            }
        }
    }

    private void restore(ContextBinaryCache.Entry entry) {
        QnnContext ctx = null;
        List<MatMulGraph> got = new ArrayList<>();
        try (Arena arena = Arena.ofConfined()) {
            ctx = runtime.restoreContext(ContextBinaryCache.map(entry.binary(), arena));
            for (ContextBinaryCache.GraphRecord r : entry.graphs()) {
                got.add(MatMulGraph.retrieve(ctx, r.key(), r.tensorIds()));
            }
        } catch (IOException | RuntimeException e) {
            got.forEach(MatMulGraph::close);
            if (ctx != null) {
                try {
                    ctx.close();
                } catch (RuntimeException suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            notices.add("QNN graph cache entry " + entry.binary() + " not restored: " + e.getMessage());
            return;
        }
        restoredContexts.add(ctx);
        validEntries.add(entry);
        for (MatMulGraph g : got) {
            graphs.putIfAbsent(g.key(), g);
        }
        restored += got.size();
    }

    /** The graph for {@code key}: cached, restored, or built and finalized now. */
    public synchronized MatMulGraph graph(MatMulGraphKey key) {
        if (closed) {
            throw new IllegalStateException("QNN graph manager is closed");
        }
        MatMulGraph g = graphs.get(key);
        if (g != null) {
            return g;
        }
        BuildContext bc = buildContext();
        try {
            g = MatMulGraph.build(bc.context, key);
        } catch (RuntimeException e) {
            bc.tainted = true;
            throw e;
        }
        bc.records.add(new ContextBinaryCache.GraphRecord(key, g.tensorIds()));
        bc.dirty = true;
        graphs.put(key, g);
        built++;
        return g;
    }

    /** Builds (or restores) every graph of {@code keys} now, e.g. the whole bucket grid at start-up. */
    public void prepare(Collection<MatMulGraphKey> keys) {
        for (MatMulGraphKey k : keys) {
            graph(k);
        }
    }

    private BuildContext buildContext() {
        if (!buildContexts.isEmpty() && !buildContexts.getLast().tainted) {
            return buildContexts.getLast();
        }
        List<Integer> taken = buildContexts.stream().map(b -> b.index).toList();
        int index = cache == null ? buildContexts.size() : cache.freeIndex(validEntries, taken);
        BuildContext bc = new BuildContext(runtime.createContext(), index);
        buildContexts.add(bc);
        return bc;
    }

    /**
     * Writes every build context that gained graphs since the last save as a cache entry. Returns the number of
     * entries written (0 without a cache).
     *
     * @throws QnnException         if the backend cannot serialize a context
     * @throws UncheckedIOException if the cache directory cannot be written
     */
    public synchronized int save() {
        if (cache == null || closed) {
            return 0;
        }
        int written = 0;
        for (BuildContext bc : buildContexts) {
            if (!bc.dirty || bc.tainted) {
                continue;
            }
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment binary = bc.context.saveBinary(arena);
                cache.store(bc.index, binary, bc.records);
            }
            bc.dirty = false;
            written++;
            saved++;
        }
        return written;
    }

    /** The cache directory of this profile and backend build, or {@code null} without a cache. */
    public Path cacheDirectory() {
        return cache == null ? null : cache.directory();
    }

    public synchronized Stats stats() {
        return new Stats(built, restored, restoredContexts.size(), saved);
    }

    /** Cache entries ignored or not restored, one line each. */
    public synchronized List<String> notices() {
        return List.copyOf(notices);
    }

    public QnnRuntime runtime() {
        return runtime;
    }

    /** Releases every graph's memory and frees the contexts (restored and built). Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        graphs.values().forEach(MatMulGraph::close);
        graphs.clear();
        RuntimeException first = null;
        List<QnnContext> all = new ArrayList<>(restoredContexts);
        buildContexts.forEach(b -> all.add(b.context));
        for (QnnContext c : all) {
            try {
                c.close();
            } catch (RuntimeException e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }
}
