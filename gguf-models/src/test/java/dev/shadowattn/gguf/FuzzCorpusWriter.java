package dev.shadowattn.gguf;

import dev.shadowattn.gguf.GgufWriter.Arr;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Writes the valid seed files of the GGUF fuzz corpus ({@code src/test/resources/fuzz/gguf/valid/}): small files
 * that together reach every part of the reader and of what is loaded from it (every value type, nested arrays, the
 * tensor types, a SentencePiece tokenizer, a whole tiny llama model). Deterministic; run from {@code gguf-models}:
 *
 * <pre>
 * java -cp target/classes:target/test-classes dev.shadowattn.gguf.FuzzCorpusWriter src/test/resources/fuzz/gguf/valid
 * </pre>
 */
public final class FuzzCorpusWriter {

    /** Token ids of the tiny SentencePiece vocabulary: Llama 2 layout, then pieces. */
    private static final int UNK = 0;
    private static final int BOS = 1;
    private static final int EOS = 2;
    private static final String[] PIECES = {
            "\u2581", "e", "t", "a", "o", "h", "l", "d", "r", "w", "H", "\u2581t", "he", "\u2581the", "\u2581a", "in",
            "\u2581w", "or", "ld", "\u2581wor", "\u2581world", "\u2581H", "el", "lo", "ello", "\u2581Hello",
            "\u2581\u2581", "\u2581\u2581\u2581\u2581", "\u65e5", "\u672c", "\u65e5\u672c", "\u00e9", "caf\u00e9"
    };

    private FuzzCorpusWriter() {
    }

    public static void main(String[] args) throws IOException {
        Path root = Path.of(args.length > 0 ? args[0] : "src/test/resources/fuzz/gguf");
        write(root.resolve("valid"), seeds());
        write(root.resolve("regressions"), regressions());
    }

    private static void write(Path dir, Map<String, byte[]> files) throws IOException {
        Files.createDirectories(dir);
        for (Map.Entry<String, byte[]> e : files.entrySet()) {
            Files.write(dir.resolve(e.getKey()), e.getValue());
            System.out.println(dir.resolve(e.getKey()) + ": " + e.getValue().length + " bytes");
        }
    }

    /** The seed files by name. */
    public static Map<String, byte[]> seeds() {
        Map<String, byte[]> seeds = new LinkedHashMap<>();
        seeds.put("header-only-v3.gguf", new GgufWriter().toBytes());
        seeds.put("header-only-v2.gguf", new GgufWriter().version(2).put("k", GgufValueType.UINT8, 1).toBytes());
        seeds.put("all-value-types.gguf", allValueTypes().toBytes());
        seeds.put("tensor-types.gguf", tensorTypes().toBytes());
        seeds.put("tokenizer-spm.gguf", spmTokenizer(new GgufWriter()).toBytes());
        seeds.put("tokenizer-bpe.gguf", bpeTokenizer().toBytes());
        seeds.put("tiny-llama.gguf", tinyLlama(1, false, null).toBytes());
        return seeds;
    }

    /**
     * Hand-made reproductions of fuzz findings (docs/ROBUSTNESS.md), by name: each once crashed the model loader
     * with something other than a clear exception.
     */
    public static Map<String, byte[]> regressions() {
        Map<String, byte[]> files = new LinkedHashMap<>();
        // OutOfMemoryError: the layer list was allocated for block_count entries before any tensor was looked up.
        files.put("model-block-count-max.gguf", tinyLlama(Integer.MAX_VALUE, false, null).toBytes());
        // ArrayIndexOutOfBoundsException: the vocabulary size was read as ne[1] of a one-dimensional embedding.
        files.put("model-token-embd-one-dim.gguf", tinyLlama(1, true, null).toBytes());
        // Accepted, then NegativeArraySizeException in the engine's RoPE tables.
        files.put("model-rope-dimension-count-negative.gguf", tinyLlama(1, false, -2).toBytes());
        return files;
    }

    private static GgufWriter allValueTypes() {
        return new GgufWriter()
                .put("u8", GgufValueType.UINT8, 200)
                .put("i8", GgufValueType.INT8, -5)
                .put("u16", GgufValueType.UINT16, 60000)
                .put("i16", GgufValueType.INT16, -300)
                .put("u32", GgufValueType.UINT32, 0xfffffff0)
                .put("i32", GgufValueType.INT32, -70000)
                .put("f32", GgufValueType.FLOAT32, 1.5f)
                .put("bool", GgufValueType.BOOL, true)
                .put("string", GgufValueType.STRING, "caf\u00e9 \u65e5\u672c")
                .put("u64", GgufValueType.UINT64, -1L)
                .put("i64", GgufValueType.INT64, Long.MIN_VALUE)
                .put("f64", GgufValueType.FLOAT64, Math.PI)
                .put("empty", GgufValueType.STRING, "")
                .put("a.u8", GgufValueType.ARRAY, Arr.of(GgufValueType.UINT8, 1, 255))
                .put("a.i16", GgufValueType.ARRAY, Arr.of(GgufValueType.INT16, -1, 2))
                .put("a.u32", GgufValueType.ARRAY, Arr.of(GgufValueType.UINT32, 7, 0x80000000))
                .put("a.i32", GgufValueType.ARRAY, Arr.of(GgufValueType.INT32, 1, 2, 3))
                .put("a.u64", GgufValueType.ARRAY, Arr.of(GgufValueType.UINT64, 5L, -1L))
                .put("a.f32", GgufValueType.ARRAY, Arr.of(GgufValueType.FLOAT32, 0.5f, -2f))
                .put("a.f64", GgufValueType.ARRAY, Arr.of(GgufValueType.FLOAT64, 0.25))
                .put("a.bool", GgufValueType.ARRAY, Arr.of(GgufValueType.BOOL, true, false))
                .put("a.str", GgufValueType.ARRAY, Arr.of(GgufValueType.STRING, "x", "", "yz"))
                .put("a.nested", GgufValueType.ARRAY, Arr.of(GgufValueType.ARRAY,
                        Arr.of(GgufValueType.INT8, 1, 2),
                        Arr.of(GgufValueType.ARRAY, Arr.of(GgufValueType.STRING, "deep"))))
                .put("a.empty", GgufValueType.ARRAY, Arr.of(GgufValueType.INT64));
    }

    private static GgufWriter tensorTypes() {
        GgufWriter w = new GgufWriter().put(GgufParser.ALIGNMENT_KEY, GgufValueType.UINT32, 64);
        Random random = new Random(7);
        for (GgmlType type : new GgmlType[] {GgmlType.F32, GgmlType.F16, GgmlType.BF16, GgmlType.Q4_0, GgmlType.Q8_0,
                GgmlType.Q4_K, GgmlType.Q6_K, GgmlType.Q5_K, GgmlType.I32}) {
            long[] shape = type.blockSize() == 1 ? new long[] {4, 3, 2} : new long[] {type.blockSize(), 2};
            long elements = 1;
            for (long d : shape) {
                elements *= d;
            }
            w.tensor("t." + type.name().toLowerCase(java.util.Locale.ROOT), type, shape,
                    bytes(random, (int) type.byteSize(elements)));
        }
        return w.tensor("t.empty", GgmlType.F32, new long[] {0}, new byte[0]);
    }

    /** A SentencePiece vocabulary: unk, bos, eos, the 256 byte tokens, some pieces and one user-defined token. */
    private static GgufWriter spmTokenizer(GgufWriter w) {
        List<Object> tokens = new ArrayList<>(List.of("<unk>", "<s>", "</s>"));
        List<Object> types = new ArrayList<>(List.of(2, 3, 3));
        for (int b = 0; b < 256; b++) {
            tokens.add(String.format("<0x%02X>", b));
            types.add(6);
        }
        for (String p : PIECES) {
            tokens.add(p);
            types.add(1);
        }
        tokens.add("<|user|>");
        types.add(4);
        List<Object> scores = new ArrayList<>();
        for (int i = 0; i < tokens.size(); i++) {
            scores.add(i < 259 ? 0f : -(float) i / 10);
        }
        return w.put("tokenizer.ggml.model", GgufValueType.STRING, "llama")
                .put("tokenizer.ggml.tokens", GgufValueType.ARRAY, new Arr(GgufValueType.STRING, tokens))
                .put("tokenizer.ggml.scores", GgufValueType.ARRAY, new Arr(GgufValueType.FLOAT32, scores))
                .put("tokenizer.ggml.token_type", GgufValueType.ARRAY, new Arr(GgufValueType.INT32, types))
                .put("tokenizer.ggml.bos_token_id", GgufValueType.UINT32, BOS)
                .put("tokenizer.ggml.eos_token_id", GgufValueType.UINT32, EOS)
                .put("tokenizer.ggml.unknown_token_id", GgufValueType.UINT32, UNK)
                .put("tokenizer.ggml.add_bos_token", GgufValueType.BOOL, true)
                .put("tokenizer.chat_template", GgufValueType.STRING, "{{ messages }}");
    }

    /**
     * A byte-level BPE vocabulary (GGUF {@code gpt2}, Llama 3 pre-tokenizer): the 256 byte characters of GPT-2's
     * byte-to-unicode alphabet, a few merges, an end-of-text control token and a user-defined token.
     */
    private static GgufWriter bpeTokenizer() {
        List<Object> tokens = new ArrayList<>();
        List<Object> types = new ArrayList<>();
        int next = 256;
        for (int b = 0; b < 256; b++) {
            boolean printable = b >= 33 && b <= 126 || b >= 161 && b <= 172 || b >= 174;
            tokens.add(String.valueOf((char) (printable ? b : next++)));
            types.add(1);
        }
        String[] merges = {"\u0120 t", "h e", "\u0120t he", "i n", "\u0120 a", "e r", "o r", "\u0120 w", "\u0120w or",
                "l d", "\u0120wor ld", "1 2", "12 3"};
        for (String m : merges) {
            tokens.add(m.replace(" ", ""));
            types.add(1);
        }
        tokens.add("<|endoftext|>");
        types.add(3);
        tokens.add("<|user|>");
        types.add(4);
        return new GgufWriter()
                .put("tokenizer.ggml.model", GgufValueType.STRING, "gpt2")
                .put("tokenizer.ggml.pre", GgufValueType.STRING, "llama-bpe")
                .put("tokenizer.ggml.tokens", GgufValueType.ARRAY, new Arr(GgufValueType.STRING, tokens))
                .put("tokenizer.ggml.token_type", GgufValueType.ARRAY, new Arr(GgufValueType.INT32, types))
                .put("tokenizer.ggml.merges", GgufValueType.ARRAY, Arr.of(GgufValueType.STRING, (Object[]) merges))
                .put("tokenizer.ggml.bos_token_id", GgufValueType.UINT32, tokens.size() - 2)
                .put("tokenizer.ggml.eos_token_id", GgufValueType.UINT32, tokens.size() - 2);
    }

    /**
     * A whole llama model: dim 32, one layer, 2 query heads and 1 KV head of 16, FFN 64, Q8_0 matrices; with
     * {@code blockCount} written as {@code llama.block_count} (the tensors are those of one layer), the token
     * embedding flattened to one dimension if {@code flatEmbedding}, and {@code llama.rope.dimension_count} if not null.
     */
    private static GgufWriter tinyLlama(int blockCount, boolean flatEmbedding, Integer ropeDimensions) {
        int dim = 32;
        int ffn = 64;
        int kvDim = 16;
        int vocab = 3 + 256 + PIECES.length + 1;
        Random random = new Random(11);
        GgufWriter w = new GgufWriter()
                .put("general.architecture", GgufValueType.STRING, "llama")
                .put("general.name", GgufValueType.STRING, "tiny fuzz seed")
                .put("llama.block_count", GgufValueType.UINT32, blockCount)
                .put("llama.embedding_length", GgufValueType.UINT32, dim)
                .put("llama.feed_forward_length", GgufValueType.UINT32, ffn)
                .put("llama.attention.head_count", GgufValueType.UINT32, 2)
                .put("llama.attention.head_count_kv", GgufValueType.UINT32, 1)
                .put("llama.context_length", GgufValueType.UINT32, 64)
                .put("llama.rope.freq_base", GgufValueType.FLOAT32, 10000f)
                .put("llama.attention.layer_norm_rms_epsilon", GgufValueType.FLOAT32, 1e-5f);
        if (ropeDimensions != null) {
            w.put("llama.rope.dimension_count", GgufValueType.INT32, ropeDimensions);
        }
        spmTokenizer(w);
        w.tensor("token_embd.weight", GgmlType.Q8_0, flatEmbedding ? new long[] {(long) dim * vocab}
                : new long[] {dim, vocab}, q8(random, (long) dim * vocab));
        w.tensor("blk.0.attn_norm.weight", GgmlType.F32, new long[] {dim}, bytes(random, dim * 4));
        w.tensor("blk.0.attn_q.weight", GgmlType.Q8_0, new long[] {dim, dim}, q8(random, dim * dim));
        w.tensor("blk.0.attn_k.weight", GgmlType.Q8_0, new long[] {dim, kvDim}, q8(random, dim * kvDim));
        w.tensor("blk.0.attn_v.weight", GgmlType.Q8_0, new long[] {dim, kvDim}, q8(random, dim * kvDim));
        w.tensor("blk.0.attn_output.weight", GgmlType.Q8_0, new long[] {dim, dim}, q8(random, dim * dim));
        w.tensor("blk.0.ffn_norm.weight", GgmlType.F32, new long[] {dim}, bytes(random, dim * 4));
        w.tensor("blk.0.ffn_gate.weight", GgmlType.Q8_0, new long[] {dim, ffn}, q8(random, dim * ffn));
        w.tensor("blk.0.ffn_up.weight", GgmlType.Q8_0, new long[] {dim, ffn}, q8(random, dim * ffn));
        w.tensor("blk.0.ffn_down.weight", GgmlType.Q8_0, new long[] {ffn, dim}, q8(random, ffn * dim));
        return w.tensor("output_norm.weight", GgmlType.F32, new long[] {dim}, bytes(random, dim * 4));
    }

    private static byte[] bytes(Random random, int n) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        return b;
    }

    /** Q8_0 blocks with a small finite fp16 scale (0x2000 ~ 0.0078) and random quants. */
    private static byte[] q8(Random random, long elements) {
        byte[] b = bytes(random, (int) GgmlType.Q8_0.byteSize(elements));
        for (int i = 0; i < b.length; i += 34) {
            b[i] = 0;
            b[i + 1] = 0x20;
        }
        return b;
    }
}
