package dev.shadowattn.gguf;

import dev.shadowattn.gguf.model.Architecture;
import dev.shadowattn.gguf.model.ModelConfig;
import dev.shadowattn.gguf.model.ModelWeights;
import dev.shadowattn.gguf.model.RopeScaling;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Set;
import java.util.function.UnaryOperator;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link ModelConfig} and {@link ModelWeights} of each {@link Architecture} on small hand-written GGUF files (in this
 * package for {@link GgufWriter}): which tensors each requires, accepts and rejects, the head dimension, RoPE
 * scaling metadata, and errors naming the file and the key or tensor at fault.
 */
class ArchitectureLoadingTest {

    static final int DIM = 8, HEADS = 2, KV_HEADS = 1, FFN = 16, VOCAB = 4;

    @TempDir
    Path dir;

    /**
     * A one-layer model of {@code arch} with head dim {@code headDim}; {@code extra} names the optional tensors to
     * add: "bias" (q/k/v), "obias", "qknorm", "ropefreqs".
     */
    Path model(String name, String arch, int headDim, Set<String> extra, UnaryOperator<GgufWriter> more) {
        int q = HEADS * headDim, kv = KV_HEADS * headDim;
        String p = arch + ".";
        GgufWriter w = new GgufWriter()
                .put("general.architecture", GgufValueType.STRING, arch)
                .put(p + "embedding_length", GgufValueType.UINT32, DIM)
                .put(p + "block_count", GgufValueType.UINT32, 1)
                .put(p + "attention.head_count", GgufValueType.UINT32, HEADS)
                .put(p + "attention.head_count_kv", GgufValueType.UINT32, KV_HEADS)
                .put(p + "feed_forward_length", GgufValueType.UINT32, FFN)
                .put(p + "context_length", GgufValueType.UINT32, 64);
        if (headDim != DIM / HEADS) {
            w.put(p + "attention.key_length", GgufValueType.UINT32, headDim)
                    .put(p + "attention.value_length", GgufValueType.UINT32, headDim);
        }
        w = more.apply(w);
        matrix(w, "token_embd.weight", VOCAB, DIM);
        vector(w, "blk.0.attn_norm.weight", DIM);
        matrix(w, "blk.0.attn_q.weight", q, DIM);
        matrix(w, "blk.0.attn_k.weight", kv, DIM);
        matrix(w, "blk.0.attn_v.weight", kv, DIM);
        matrix(w, "blk.0.attn_output.weight", DIM, q);
        vector(w, "blk.0.ffn_norm.weight", DIM);
        matrix(w, "blk.0.ffn_gate.weight", FFN, DIM);
        matrix(w, "blk.0.ffn_up.weight", FFN, DIM);
        matrix(w, "blk.0.ffn_down.weight", DIM, FFN);
        vector(w, "output_norm.weight", DIM);
        if (extra.contains("bias")) {
            vector(w, "blk.0.attn_q.bias", q);
            vector(w, "blk.0.attn_k.bias", kv);
            vector(w, "blk.0.attn_v.bias", kv);
        }
        if (extra.contains("obias")) {
            vector(w, "blk.0.attn_output.bias", DIM);
        }
        if (extra.contains("qknorm")) {
            vector(w, "blk.0.attn_q_norm.weight", headDim);
            vector(w, "blk.0.attn_k_norm.weight", headDim);
        }
        if (extra.contains("ropefreqs")) {
            vector(w, "rope_freqs.weight", headDim / 2);
        }
        return w.writeTo(dir.resolve(name));
    }

    Path model(String name, String arch, int headDim, Set<String> extra) {
        return model(name, arch, headDim, extra, w -> w);
    }

    private static void matrix(GgufWriter w, String name, int rows, int cols) {
        w.tensor(name, GgmlType.F32, new long[] {cols, rows}, ones(rows * cols));
    }

    private static void vector(GgufWriter w, String name, int n) {
        w.tensor(name, GgmlType.F32, new long[] {n}, ones(n));
    }

    private static byte[] ones(int n) {
        ByteBuffer b = ByteBuffer.allocate(4 * n).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < n; i++) {
            b.putFloat(2f);
        }
        return b.array();
    }

    private static ModelWeights load(Path file) {
        try (GgufFile gguf = GgufFile.open(file)) {
            return ModelWeights.load(gguf, ModelConfig.fromGguf(gguf));
        }
    }

    private static ModelConfig config(Path file) {
        try (GgufFile gguf = GgufFile.open(file)) {
            return ModelConfig.fromGguf(gguf);
        }
    }

    private static void assertFails(Path file, String... fragments) {
        RuntimeException e = assertThrows(RuntimeException.class, () -> load(file));
        assertTrue(e.getMessage().contains(file.getFileName().toString()), e.getMessage());
        for (String f : fragments) {
            assertTrue(e.getMessage().contains(f), "'" + f + "' in: " + e.getMessage());
        }
    }

    @Test
    void eachArchitectureLoadsWhatItUses() {
        ModelWeights llama = load(model("llama.gguf", "llama", 4, Set.of()));
        assertNull(llama.layers().getFirst().qBias());
        assertNull(llama.ropeFactors());
        ModelWeights llamaAll = load(model("llama-all.gguf", "llama", 4, Set.of("bias", "obias", "ropefreqs")));
        assertArrayEquals(new float[] {2, 2}, llamaAll.ropeFactors());
        assertEquals(DIM, llamaAll.layers().getFirst().oBias().length);

        ModelWeights qwen2 = load(model("qwen2.gguf", "qwen2", 4, Set.of("bias")));
        assertEquals(8, qwen2.layers().getFirst().qBias().length);
        assertEquals(4, qwen2.layers().getFirst().vBias().length);
        assertNull(qwen2.layers().getFirst().qNorm());

        Path qwen3File = model("qwen3.gguf", "qwen3", 6, Set.of("qknorm"));
        ModelConfig qwen3 = config(qwen3File);
        assertEquals(Architecture.QWEN3, qwen3.architecture());
        assertEquals(6, qwen3.headDim(), "key_length");
        assertEquals(12, qwen3.qDim());
        assertEquals(6, qwen3.ropeDimensions());
        assertNotNull(load(qwen3File).layers().getFirst().kNorm());
    }

    @Test
    void requiredTensorsMustBePresentAndUnusedOnesAbsent() {
        assertFails(model("qwen2-nobias.gguf", "qwen2", 4, Set.of()), "blk.0.attn_q.bias");
        assertFails(model("qwen3-nonorm.gguf", "qwen3", 4, Set.of()), "blk.0.attn_q_norm.weight");
        assertFails(model("llama-qknorm.gguf", "llama", 4, Set.of("qknorm")), "'llama' does not use",
                "blk.0.attn_q_norm.weight", "blk.0.attn_k_norm.weight");
        assertFails(model("qwen2-obias.gguf", "qwen2", 4, Set.of("bias", "obias")), "blk.0.attn_output.bias");
        assertFails(model("qwen3-freqs.gguf", "qwen3", 4, Set.of("qknorm", "ropefreqs")), "rope_freqs.weight");
    }

    @Test
    void unsupportedArchitectureListsTheSupported() {
        assertFails(model("gemma.gguf", "gemma2", 4, Set.of()), "'gemma2'", "llama, qwen2, qwen3");
    }

    @Test
    void valueLengthMustEqualKeyLength() {
        assertFails(model("vlen.gguf", "qwen3", 4, Set.of("qknorm"), w -> w
                .put("qwen3.attention.key_length", GgufValueType.UINT32, 4)
                .put("qwen3.attention.value_length", GgufValueType.UINT32, 6)), "value_length 6");
    }

    @Test
    void ropeScalingMetadata() {
        ModelConfig linear = config(model("linear.gguf", "llama", 4, Set.of(), w -> w
                .put("llama.rope.scaling.type", GgufValueType.STRING, "linear")
                .put("llama.rope.scaling.factor", GgufValueType.FLOAT32, 4f)));
        assertEquals(RopeScaling.Type.LINEAR, linear.ropeScaling().type());
        double[] f = linear.ropeScaling().frequencies(4, 10000, null);
        assertEquals(0.25, f[0], 1e-12);
        assertEquals(Math.pow(10000, -0.5) / 4, f[1], 1e-12);

        ModelConfig legacy = config(model("legacy.gguf", "llama", 4, Set.of(), w -> w
                .put("llama.rope.scale_linear", GgufValueType.FLOAT32, 2f)));
        assertEquals(new RopeScaling(RopeScaling.Type.LINEAR, 2, 1, 4, 8192), legacy.ropeScaling());

        ModelConfig llama3 = config(model("llama3.gguf", "llama", 4, Set.of(), w -> w
                .put("llama.rope.scaling.type", GgufValueType.STRING, "llama3")
                .put("llama.rope.scaling.factor", GgufValueType.FLOAT32, 32f)
                .put("llama.rope.scaling.original_context_length", GgufValueType.UINT32, 8192)));
        assertEquals(new RopeScaling(RopeScaling.Type.LLAMA3, 32, 1, 4, 8192), llama3.ropeScaling());
        // Wavelength 2*pi/f: kept under 8192/4, divided by the factor over 8192, interpolated in between.
        assertEquals(1, llama3.ropeScaling().llama3Factor(2 * Math.PI / 1000), 0);
        assertEquals(32, llama3.ropeScaling().llama3Factor(2 * Math.PI / 10000), 0);
        double mid = llama3.ropeScaling().llama3Factor(2 * Math.PI / 4096);   // smooth = (2 - 1) / 3
        assertEquals(1 / ((1 - 1 / 3.0) / 32 + 1 / 3.0), mid, 1e-12);

        assertFails(model("yarn.gguf", "qwen2", 4, Set.of("bias"), w -> w
                .put("qwen2.rope.scaling.type", GgufValueType.STRING, "yarn")), "qwen2.rope.scaling.type", "'yarn'",
                "none, linear, llama3");
        assertFails(model("badfreqs.gguf", "llama", 4, Set.of(), w -> w
                .put("llama.rope.scaling.type", GgufValueType.STRING, "llama3")
                .put("llama.rope.scaling.low_freq_factor", GgufValueType.FLOAT32, 5f)), "low_freq_factor");
    }
}
