package dev.shadowattn.gguf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Reads the project's real model, {@code models/house-25m-q8_0.gguf} (see models/README.md). */
class GgufHouseModelTest {

    static final Path MODEL = Path.of("models/house-25m-q8_0.gguf");
    static GgufFile file;

    @BeforeAll
    static void open() {
        file = GgufFile.open(MODEL);
    }

    @AfterAll
    static void close() {
        file.close();
    }

    @Test
    void headerAndHyperparameters() throws Exception {
        assertEquals(3, file.version());
        assertEquals(Files.size(MODEL), file.fileSize());
        assertEquals(32, file.alignment());
        assertEquals(0, file.dataOffset() % file.alignment());
        GgufMetadata md = file.metadata();
        assertEquals("llama", md.getString("general.architecture"));
        assertEquals(8, md.getInt("llama.block_count"));
        assertEquals(384, md.getInt("llama.embedding_length"));
        assertEquals(6, md.getInt("llama.attention.head_count"));
        assertEquals(2, md.getInt("llama.attention.head_count_kv"));
        assertEquals(1024, md.getInt("llama.feed_forward_length"));
        assertEquals(4096, md.getInt("llama.context_length"));
        assertEquals(10000f, md.getFloat("llama.rope.freq_base"));
        assertEquals(1e-5f, md.getFloat("llama.attention.layer_norm_rms_epsilon"));
        assertEquals(1e-5f, md.getFloat("llama.attention.layer_norm_rms_epsilon", 1e-6f));
    }

    @Test
    void vocabulary() {
        GgufMetadata md = file.metadata();
        List<String> tokens = md.getStringArray("tokenizer.ggml.tokens");
        assertEquals(32000, tokens.size());
        assertEquals(32000, md.getFloatArray("tokenizer.ggml.scores").length);
        assertEquals(32000, md.getIntArray("tokenizer.ggml.token_type").length);
        assertEquals("<s>", tokens.get(md.getInt("tokenizer.ggml.bos_token_id")));
        assertEquals("</s>", tokens.get(md.getInt("tokenizer.ggml.eos_token_id")));
        assertEquals(32000, new HashSet<>(tokens).size()); // SentencePiece pieces are distinct
    }

    @Test
    void tensorsOfALlamaWithTiedEmbeddings() {
        GgufMetadata md = file.metadata();
        int layers = md.getInt("llama.block_count");
        int dim = md.getInt("llama.embedding_length");
        int vocab = md.getStringArray("tokenizer.ggml.tokens").size();
        List<String> perLayer = List.of("attn_norm", "attn_q", "attn_k", "attn_v", "attn_output", "ffn_norm",
                "ffn_gate", "ffn_up", "ffn_down");
        assertEquals(2 + perLayer.size() * layers, file.tensors().size()); // + token_embd, output_norm
        assertTrue(file.findTensor("output.weight").isEmpty());
        Set<String> names = new HashSet<>();
        file.tensors().forEach(t -> names.add(t.name()));
        for (int l = 0; l < layers; l++) {
            for (String p : perLayer) {
                assertTrue(names.contains("blk." + l + "." + p + ".weight"), "blk." + l + "." + p);
            }
        }

        GgufTensor embd = file.tensor("token_embd.weight");
        assertEquals(GgmlType.Q8_0, embd.type());
        assertArrayEquals(new long[] {dim, vocab}, embd.shape());
        assertEquals(dim, embd.rowLength());
        assertEquals(vocab, embd.rows());
        assertEquals((long) dim * vocab / 32 * 34, embd.data().byteSize());

        int kvDim = dim / md.getInt("llama.attention.head_count") * md.getInt("llama.attention.head_count_kv");
        assertArrayEquals(new long[] {dim, kvDim}, file.tensor("blk.0.attn_k.weight").shape());
        assertArrayEquals(new long[] {md.getInt("llama.feed_forward_length"), dim},
                file.tensor("blk.7.ffn_down.weight").shape());
        GgufTensor norm = file.tensor("output_norm.weight");
        assertEquals(GgmlType.F32, norm.type());
        assertArrayEquals(new long[] {dim}, norm.shape());
        for (int i = 0; i < dim; i++) {
            float w = norm.data().get(ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 4L * i);
            assertTrue(Float.isFinite(w) && w != 0f, "output_norm[" + i + "] = " + w);
        }
    }

    @Test
    void dataSectionIsExactlyTheTensorsAtTheAlignment() {
        // Tensors laid out back to back in file order, each at the next aligned offset, the last ending the file.
        long expected = 0;
        for (GgufTensor t : file.tensors()) {
            assertEquals(GgufWriter.align(expected, file.alignment()), t.offset(), t.name());
            assertEquals(t.type().byteSize(t.elementCount()), t.data().byteSize(), t.name());
            expected = t.offset() + t.data().byteSize();
        }
        assertEquals(file.fileSize() - file.dataOffset(), expected);
        assertEquals(expected, file.dataSection().byteSize());
    }
}
