package dev.shadowattn.host.engine;

import dev.shadowattn.api.AttentionBackend;
import dev.shadowattn.api.AttentionGeometry;
import dev.shadowattn.gguf.model.Model;
import dev.shadowattn.gguf.model.ModelConfig;
import dev.shadowattn.gguf.tensor.TensorKernels;

/**
 * Runs a model's forward pass with attention delegated to an {@link AttentionBackend} through the SPI.
 *
 * <p>The engine owns its worker threads and the backend (closed with it), not the model. Sequences
 * ({@link #newSequence()}) are independent; each is used by one thread at a time, and since the worker pool is
 * shared, forward passes of different sequences of one engine must not run concurrently.
 */
public final class Engine implements AutoCloseable {

    /** Default rows per prefill chunk. */
    public static final int DEFAULT_CHUNK = 64;

    private final Model model;
    private final AttentionBackend backend;
    private final WorkerPool pool;
    private final TensorKernels kernels;
    private final MatMul matmul;
    private final Rope rope;
    private final int contextSize;
    private final int chunk;

    /**
     * @param contextSize the most positions a sequence may hold (the backend's geometry uses it)
     * @param threads     threads for the matmuls, including the caller
     */
    public Engine(Model model, AttentionBackend backend, int contextSize, int threads, int chunk) {
        if (chunk < 1) {
            throw new IllegalArgumentException("chunk must be >= 1, got " + chunk);
        }
        ModelConfig c = model.config();
        AttentionGeometry g = backend.geometry();
        if (g.layers() != c.layers() || g.queryHeads() != c.heads() || g.kvHeads() != c.kvHeads() || g.headDim() != c.headDim()) {
            throw new IllegalArgumentException("backend geometry " + g + " does not match the model (" + c.layers()
                    + " layers, " + c.heads() + " heads, " + c.kvHeads() + " KV heads, head dim " + c.headDim() + ")");
        }
        if (g.maxContext() < contextSize) {
            throw new IllegalArgumentException("backend maximum context " + g.maxContext() + " < engine context " + contextSize);
        }
        // Refuse up front a context whose KV cache cannot fit: it grows lazily and would fail much later.
        ContextMemory.requireFits(geometry(c, contextSize));
        this.model = model;
        this.backend = backend;
        this.contextSize = contextSize;
        this.chunk = chunk;
        this.kernels = TensorKernels.best();
        this.pool = new WorkerPool(threads);
        this.matmul = new MatMul(kernels, pool);
        this.rope = new Rope(c.architecture().ropeStyle(), c.ropeDimensions(),
                c.ropeScaling().frequencies(c.ropeDimensions(), c.ropeBase(), model.weights().ropeFactors()));
    }

    /** The attention geometry a backend needs to serve this model with {@code contextSize} positions. */
    public static AttentionGeometry geometry(ModelConfig c, int contextSize) {
        return new AttentionGeometry(c.layers(), c.heads(), c.kvHeads(), c.headDim(), contextSize);
    }

    public Sequence newSequence() {
        return new Sequence(this);
    }

    public Model model() {
        return model;
    }

    public ModelConfig config() {
        return model.config();
    }

    public AttentionBackend backend() {
        return backend;
    }

    public int contextSize() {
        return contextSize;
    }

    public int chunk() {
        return chunk;
    }

    public int threads() {
        return pool.threads();
    }

    public TensorKernels kernels() {
        return kernels;
    }

    MatMul matmul() {
        return matmul;
    }

    Rope rope() {
        return rope;
    }

    @Override
    public void close() {
        pool.close();
        backend.close();
    }
}
