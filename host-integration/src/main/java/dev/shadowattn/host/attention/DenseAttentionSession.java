package dev.shadowattn.host.attention;

import java.lang.foreign.Arena;
import java.util.Objects;

import dev.shadowattn.api.AttentionGeometry;
import dev.shadowattn.api.AttentionSession;
import dev.shadowattn.api.AttentionStats;
import dev.shadowattn.api.ContextOverflowException;

/**
 * One sequence of the dense backend: a {@link LayerKvCache} per layer in an arena of its own (closed by
 * {@link #close()}), and exact causal attention cut into tiles by {@link AttentionPlan}.
 */
final class DenseAttentionSession implements AttentionSession {

    private final DenseAttentionBackend backend;
    private final AttentionGeometry geometry;
    private final Arena arena = Arena.ofShared();
    private final ChunkAllocator allocator;
    private final LayerKvCache[] layers;
    private final PartialStates partials;
    private boolean closed;

    private long visibleKeys;
    private long attendNanos;

    DenseAttentionSession(DenseAttentionBackend backend) {
        this.backend = backend;
        this.geometry = backend.geometry();
        this.allocator = new ChunkAllocator(arena, backend.layout().chunkBytes(), backend.storage());
        this.layers = new LayerKvCache[geometry.layers()];
        for (int l = 0; l < layers.length; l++) {
            layers[l] = new LayerKvCache(backend.layout(), allocator);
        }
        this.partials = new PartialStates(backend.tileRows() * geometry.groupSize(), backend.layout().vStride());
    }

    @Override
    public int length() {
        checkOpen();
        return layers[0].length();
    }

    @Override
    public void append(int layer, int pos, int n, float[] k, int kOffset, float[] v, int vOffset) {
        LayerKvCache cache = layer(layer);
        checkRows(n);
        if (pos != cache.length()) {
            throw new IllegalArgumentException("append: pos " + pos + " is not layer " + layer
                    + "'s current length " + cache.length());
        }
        if ((long) pos + n > geometry.maxContext()) {
            throw new ContextOverflowException(pos + n, geometry.maxContext());
        }
        long floats = (long) n * geometry.kvDim();
        checkRange("k", k, kOffset, floats);
        checkRange("v", v, vOffset, floats);
        cache.append(n, k, kOffset, v, vOffset);
    }

    @Override
    public void attend(int layer, int pos, int n, float[] q, int qOffset, float[] out, int outOffset) {
        LayerKvCache cache = layer(layer);
        checkRows(n);
        if (pos < 0) {
            throw new IllegalArgumentException("attend: pos must be >= 0, got " + pos);
        }
        if ((long) pos + n > cache.length()) {
            if ((long) pos + n > geometry.maxContext()) {
                throw new ContextOverflowException((int) Math.min(Integer.MAX_VALUE, (long) pos + n),
                        geometry.maxContext());
            }
            throw new IllegalArgumentException("attend: positions [" + pos + ", " + (pos + n) + ") of layer " + layer
                    + " are not all appended (layer length " + cache.length() + ")");
        }
        long floats = (long) n * geometry.queryDim();
        checkRange("q", q, qOffset, floats);
        checkRange("out", out, outOffset, floats);
        long start = System.nanoTime();
        AttentionPlan plan = backend.plan(pos, n);
        if (plan.splits() > 1) {
            partials.ensureSlots(plan.tasks());
        }
        Call call = new Call(cache, plan, pos, n, q, qOffset, out, outOffset);
        if (plan.parallel()) {
            backend.runner().forEach(plan.tasks(), t -> runTask(call, t));
        } else {
            for (int t = 0; t < plan.tasks(); t++) {
                runTask(call, t);
            }
        }
        if (plan.splits() > 1) {
            mergeSplits(call);
        }
        visibleKeys += ((long) n * pos + (long) n * (n + 1) / 2) * geometry.queryHeads();
        attendNanos += System.nanoTime() - start;
    }

    /** Arguments of one attend call, shared by its tasks. */
    private record Call(LayerKvCache cache, AttentionPlan plan, int pos, int n, float[] q, int qOffset, float[] out,
                        int outOffset) {
    }

    private void runTask(Call call, int task) {
        AttentionPlan plan = call.plan();
        int kvHead = plan.kvHead(task);
        int tile = plan.tile(task);
        int row0 = tile * plan.tileRows();
        int rows = Math.min(plan.tileRows(), call.n() - row0);
        int firstPos = call.pos() + row0;
        int units = TileAttention.unitsVisible(firstPos + rows - 1);
        int split = plan.split(task);
        int unitFrom = (int) ((long) units * split / plan.splits());
        int unitTo = (int) ((long) units * (split + 1) / plan.splits());
        Workspace ws = backend.borrowWorkspace();
        try {
            TileAttention tiles = backend.tileAttention();
            tiles.run(call.cache(), kvHead, call.q(), call.qOffset() + row0 * geometry.queryDim(), firstPos, rows,
                    unitFrom, unitTo, ws);
            if (plan.splits() == 1) {
                tiles.writeOutput(ws, kvHead, rows, call.out(), call.outOffset() + row0 * geometry.queryDim());
            } else {
                partials.save(task, ws, rows * geometry.groupSize());
            }
        } finally {
            backend.releaseWorkspace(ws);
        }
    }

    private void mergeSplits(Call call) {
        AttentionPlan plan = call.plan();
        Workspace ws = backend.borrowWorkspace();
        try {
            for (int first = 0; first < plan.tasks(); first += plan.splits()) {
                int kvHead = plan.kvHead(first);
                int row0 = plan.tile(first) * plan.tileRows();
                int rows = Math.min(plan.tileRows(), call.n() - row0);
                partials.merge(first, plan.splits(), rows * geometry.groupSize(), ws);
                backend.tileAttention().writeOutput(ws, kvHead, rows, call.out(),
                        call.outOffset() + row0 * geometry.queryDim());
            }
        } finally {
            backend.releaseWorkspace(ws);
        }
    }

    @Override
    public void truncate(int length) {
        checkOpen();
        if (length < 0) {
            throw new IllegalArgumentException("truncate: length must be >= 0, got " + length);
        }
        for (LayerKvCache cache : layers) {
            cache.truncate(length);
        }
    }

    @Override
    public AttentionStats stats() {
        return new AttentionStats(visibleKeys, visibleKeys, 0, 0, attendNanos);
    }

    @Override
    public void resetStats() {
        visibleKeys = 0;
        attendNanos = 0;
    }

    @Override
    public long cacheBytes() {
        return closed ? 0 : allocator.bytes();
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            arena.close();
        }
    }

    private LayerKvCache layer(int layer) {
        checkOpen();
        if (layer < 0 || layer >= layers.length) {
            throw new IllegalArgumentException("layer " + layer + " is out of range [0, " + layers.length + ")");
        }
        return layers[layer];
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("attention session is closed");
        }
    }

    private static void checkRows(int n) {
        if (n <= 0) {
            throw new IllegalArgumentException("n (rows) must be positive, got " + n);
        }
    }

    private static void checkRange(String name, float[] array, int offset, long floats) {
        Objects.requireNonNull(array, name);
        if (offset < 0 || offset + floats > array.length) {
            throw new IllegalArgumentException(name + ": " + floats + " floats from offset " + offset
                    + " do not fit in an array of " + array.length);
        }
    }
}
