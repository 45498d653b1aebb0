package dev.shadowattn.host.attention;

import java.util.concurrent.ConcurrentLinkedQueue;

import dev.shadowattn.api.AttentionBackend;
import dev.shadowattn.api.AttentionGeometry;
import dev.shadowattn.api.AttentionSession;

/**
 * The dense backend for one geometry: the kernels chosen at start-up, the cache layout, a pool of helper threads
 * and a pool of tile workspaces shared by its sessions. Thread-safe.
 */
final class DenseAttentionBackend implements AttentionBackend {

    /** Rows (query row x query head) per tile: enough reuse of each K/V unit, small enough to stay in L1/L2. */
    static final int TILE_ROW_HEADS = 48;

    private final AttentionGeometry geometry;
    private final AttentionKernels kernels;
    private final KvLayout layout;
    private final int threads;
    private final ChunkAllocator.Storage storage;
    private final int tileRows;
    private final TileAttention tileAttention;
    private final ParallelRunner runner;
    private final ConcurrentLinkedQueue<Workspace> workspaces = new ConcurrentLinkedQueue<>();
    private volatile boolean closed;

    DenseAttentionBackend(AttentionGeometry geometry, AttentionKernels kernels, int threads,
                          ChunkAllocator.Storage storage) {
        this.geometry = geometry;
        this.kernels = kernels;
        this.threads = threads;
        this.storage = storage;
        this.layout = new KvLayout(geometry.kvHeads(), geometry.headDim());
        this.tileRows = Math.max(1, TILE_ROW_HEADS / geometry.groupSize());
        this.tileAttention = new TileAttention(kernels, layout, geometry.groupSize());
        this.runner = new ParallelRunner(threads, "dense-attention");
    }

    @Override
    public String name() {
        return DenseAttentionProvider.NAME;
    }

    @Override
    public AttentionGeometry geometry() {
        return geometry;
    }

    @Override
    public String describe() {
        return name() + " (kernels " + kernels.name() + ", threads " + threads + ", tile " + tileRows + " rows x "
                + geometry.groupSize() + " heads, K blocks of " + KvLayout.BLOCK + " keys, chunks of "
                + KvLayout.CHUNK + " positions, storage " + storage.name().toLowerCase(java.util.Locale.ROOT) + ")";
    }

    @Override
    public AttentionSession openSession() {
        if (closed) {
            throw new IllegalStateException("attention backend '" + name() + "' is closed");
        }
        return new DenseAttentionSession(this);
    }

    @Override
    public void close() {
        closed = true;
        runner.close();
        workspaces.clear();
    }

    ChunkAllocator.Storage storage() {
        return storage;
    }

    int threads() {
        return threads;
    }

    AttentionKernels kernels() {
        return kernels;
    }

    KvLayout layout() {
        return layout;
    }

    int tileRows() {
        return tileRows;
    }

    TileAttention tileAttention() {
        return tileAttention;
    }

    ParallelRunner runner() {
        return runner;
    }

    AttentionPlan plan(int pos, int n) {
        return AttentionPlan.of(geometry.kvHeads(), geometry.queryHeads(), geometry.headDim(), tileRows, threads,
                pos, n);
    }

    Workspace borrowWorkspace() {
        Workspace ws = workspaces.poll();
        return ws != null ? ws : new Workspace(tileRows * geometry.groupSize(), geometry.headDim(), layout.vStride());
    }

    void releaseWorkspace(Workspace ws) {
        if (!closed) {
            workspaces.offer(ws);
        }
    }
}
