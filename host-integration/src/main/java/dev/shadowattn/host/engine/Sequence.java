package dev.shadowattn.host.engine;

import dev.shadowattn.api.AttentionSession;
import dev.shadowattn.api.ContextOverflowException;
import dev.shadowattn.gguf.model.LayerWeights;
import dev.shadowattn.gguf.model.ModelConfig;
import dev.shadowattn.gguf.model.ModelWeights;
import dev.shadowattn.gguf.tensor.TensorKernels;

/**
 * One token sequence being evaluated: its attention session (the KV cache lives in the backend) and the scratch
 * buffers of the forward pass, sized for one prefill chunk and allocated once.
 *
 * <p>Forward pass for a chunk of {@code n} tokens at positions {@code [pos, pos+n)}, shared by the architectures
 * of {@link dev.shadowattn.gguf.model.Architecture}, whose differences are data (null when absent):
 * <pre>
 *   x = embed(tokens)
 *   per layer:  h = rmsnorm(x) * attn_norm;  q,k,v = h.Wq + bq, h.Wk + bk, h.Wv + bv     (biases: qwen2)
 *               q, k = rmsnorm(each head) * q_norm, k_norm                            (qwen3)
 *               rope(q, k)                                  (adjacent pairs: llama; half split: qwen)
 *               session.append(k, v);  a = session.attend(q);  x += a.Wo + bo
 *               h = rmsnorm(x) * ffn_norm;   x += (silu(h.Wgate) * h.Wup).Wdown
 *   logits = (rmsnorm(x) * output_norm).Wout
 * </pre>
 */
public final class Sequence implements AutoCloseable {

    private final Engine engine;
    private final ModelConfig c;
    private final ModelWeights w;
    private final AttentionSession attention;
    private final TensorKernels kernels;
    private final int chunk;

    // Scratch, [chunk][...] row-major.
    private final float[] x, xb, q, k, v, att, proj, gate, up, cos, sin;
    private float[] logitRows = new float[0];
    private boolean[][] zeroedHeads;
    private int position;
    private boolean closed;

    Sequence(Engine engine) {
        this.engine = engine;
        this.c = engine.config();
        this.w = engine.model().weights();
        this.kernels = engine.kernels();
        this.chunk = engine.chunk();
        this.attention = engine.backend().openSession();
        x = new float[chunk * c.dim()];
        xb = new float[chunk * c.dim()];
        q = new float[chunk * c.qDim()];
        k = new float[chunk * c.kvDim()];
        v = new float[chunk * c.kvDim()];
        att = new float[chunk * c.qDim()];
        proj = new float[chunk * c.dim()];
        gate = new float[chunk * c.ffnDim()];
        up = new float[chunk * c.ffnDim()];
        cos = new float[chunk * engine.rope().pairs()];
        sin = new float[chunk * engine.rope().pairs()];
    }

    /** Positions evaluated so far. */
    public int position() {
        return position;
    }

    public AttentionSession attention() {
        return attention;
    }

    public int vocabularySize() {
        return c.vocabularySize();
    }

    /**
     * Zeroes the attention output of the given heads ({@code zeroed[layer][head]}), as calibration's head ablation
     * needs; {@code null} restores normal operation.
     */
    public void setZeroedHeads(boolean[][] zeroed) {
        this.zeroedHeads = zeroed;
    }

    /** Evaluates {@code tokens} and returns the logits after the last one (a new array). */
    public float[] ingest(int[] tokens) {
        if (tokens.length == 0) {
            throw new IllegalArgumentException("no tokens to evaluate");
        }
        float[] last = new float[c.vocabularySize()];
        evaluate(tokens, 0, tokens.length, tokens.length - 1, (row, logits, off) -> System.arraycopy(logits, off, last, 0, last.length));
        return last;
    }

    /** Receives the logits of one evaluated token: {@code logits[offset .. offset+vocab)} is valid during the call. */
    @FunctionalInterface
    public interface LogitsSink {
        void accept(int index, float[] logits, int offset);
    }

    /**
     * Evaluates {@code tokens[off, off+n)} in chunks, handing the logits of every token with index
     * {@code >= logitsFrom} (relative to {@code off}) to {@code sink}.
     *
     * @throws ContextOverflowException if the sequence would exceed the engine's context size
     */
    public void evaluate(int[] tokens, int off, int n, int logitsFrom, LogitsSink sink) {
        if (closed) {
            throw new IllegalStateException("sequence is closed");
        }
        if (position + n > engine.contextSize()) {
            throw new ContextOverflowException(position + n, engine.contextSize());
        }
        for (int i = 0; i < n; i++) {
            int t = tokens[off + i];
            if (t < 0 || t >= c.vocabularySize()) {
                throw new IllegalArgumentException("token id " + t + " at index " + i + " is outside the vocabulary [0, " + c.vocabularySize() + ")");
            }
        }
        for (int start = 0; start < n; start += chunk) {
            int m = Math.min(chunk, n - start);
            int firstLogit = Math.max(0, logitsFrom - start);
            forwardChunk(tokens, off + start, m, firstLogit < m ? firstLogit : -1, start, sink);
        }
    }

    private void forwardChunk(int[] tokens, int off, int n, int logitsFrom, int indexBase, LogitsSink sink) {
        int dim = c.dim(), qDim = c.qDim(), kvDim = c.kvDim(), ffn = c.ffnDim();
        int pos = position;
        var emb = w.tokenEmbedding();
        for (int r = 0; r < n; r++) {
            kernels.dequantize(emb.type(), emb.tensor().data(), (long) tokens[off + r] * dim, x, r * dim, dim);
        }
        Rope rope = engine.rope();
        rope.tables(pos, n, cos, sin);
        MatMul mm = engine.matmul();
        for (int l = 0; l < c.layers(); l++) {
            LayerWeights lw = w.layers().get(l);
            rmsnorm(x, xb, lw.attnNorm(), n, dim);
            mm.apply(lw.wq(), q, lw.wk(), k, lw.wv(), v, xb, n);
            addBias(q, lw.qBias(), n);
            addBias(k, lw.kBias(), n);
            addBias(v, lw.vBias(), n);
            if (lw.qNorm() != null) {
                rmsnorm(q, q, lw.qNorm(), n * c.heads(), c.headDim());
                rmsnorm(k, k, lw.kNorm(), n * c.kvHeads(), c.headDim());
            }
            rope.apply(q, n, c.heads(), c.headDim(), cos, sin);
            rope.apply(k, n, c.kvHeads(), c.headDim(), cos, sin);
            attention.append(l, pos, n, k, 0, v, 0);
            attention.attend(l, pos, n, q, 0, att, 0);
            if (zeroedHeads != null && zeroedHeads[l] != null) {
                zeroHeads(zeroedHeads[l], n);
            }
            mm.apply(lw.wo(), att, n, proj);
            addBias(proj, lw.oBias(), n);
            add(x, proj, n * dim);
            rmsnorm(x, xb, lw.ffnNorm(), n, dim);
            mm.apply(lw.wGate(), gate, lw.wUp(), up, xb, n);
            swiglu(gate, up, n * ffn);
            mm.apply(lw.wDown(), gate, n, proj);
            add(x, proj, n * dim);
        }
        position = pos + n;
        if (logitsFrom >= 0) {
            int m = n - logitsFrom;
            int vocab = c.vocabularySize();
            if (logitRows.length < m * vocab) {
                logitRows = new float[m * vocab];
            }
            System.arraycopy(x, logitsFrom * dim, xb, 0, m * dim);
            rmsnorm(xb, proj, w.outputNorm(), m, dim);
            mm.apply(w.output(), proj, m, logitRows);
            for (int r = 0; r < m; r++) {
                sink.accept(indexBase + logitsFrom + r, logitRows, r * vocab);
            }
        }
    }

    private void zeroHeads(boolean[] zeroed, int n) {
        int hd = c.headDim();
        for (int r = 0; r < n; r++) {
            for (int h = 0; h < zeroed.length; h++) {
                if (zeroed[h]) {
                    java.util.Arrays.fill(att, (r * c.heads() + h) * hd, (r * c.heads() + h + 1) * hd, 0f);
                }
            }
        }
    }

    /** x[r] += bias for each of n rows of bias.length floats; nothing when the model has no such bias. */
    private static void addBias(float[] x, float[] bias, int n) {
        if (bias == null) {
            return;
        }
        int len = bias.length;
        for (int r = 0; r < n; r++) {
            int o = r * len;
            for (int i = 0; i < len; i++) {
                x[o + i] += bias[i];
            }
        }
    }

    /** out[r] = in[r] / sqrt(mean(in[r]^2) + eps) * weight, for each of n rows ({@code out} may be {@code in}). */
    private void rmsnorm(float[] in, float[] out, float[] weight, int n, int dim) {
        for (int r = 0; r < n; r++) {
            int o = r * dim;
            float ss = kernels.dot(in, o, in, o, dim);
            float scale = (float) (1.0 / Math.sqrt(ss / dim + c.rmsEps()));
            for (int i = 0; i < dim; i++) {
                out[o + i] = in[o + i] * scale * weight[i];
            }
        }
    }

    private static void add(float[] x, float[] y, int n) {
        for (int i = 0; i < n; i++) {
            x[i] += y[i];
        }
    }

    /** gate = silu(gate) * up, silu(g) = g / (1 + e^-g). */
    private static void swiglu(float[] gate, float[] up, int n) {
        for (int i = 0; i < n; i++) {
            float g = gate[i];
            gate[i] = g / (1f + (float) Math.exp(-g)) * up[i];
        }
    }

    /** Forgets every position at or after {@code length} (chat rollback). */
    public void truncate(int length) {
        if (length < 0 || length > position) {
            throw new IllegalArgumentException("cannot truncate a sequence of " + position + " positions to " + length);
        }
        attention.truncate(length);
        position = length;
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            attention.close();
        }
    }
}
