package dev.shadowattn.host.engine;

import dev.shadowattn.gguf.model.Architecture;
import dev.shadowattn.gguf.model.Model;
import dev.shadowattn.gguf.model.RopeScaling;
import dev.shadowattn.host.json.Json;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The engine on tiny random-weight models of the architectures users bring (Llama 3 with Llama 3.1 RoPE scaling,
 * Qwen2 with biases and NeoX RoPE, Qwen3 with per-head q/k norms and head dim from key_length) against logits
 * computed by llama.cpp: at every listed position, the logsumexp and the top-20 logits within 1e-3 absolute
 * (the tolerance of the reference README), and the same top-1 token. The token sequences, tokenized by llama.cpp,
 * also come back from decoding and re-encoding them with our tokenizers.
 */
class ArchitectureReferenceTest {

    static final double TOLERANCE = 1e-3;

    /** Each model is loaded once for the class. */
    static final Map<String, Model> MODELS = new HashMap<>();

    static Model model(String name) {
        return MODELS.computeIfAbsent(name, n -> Model.load(resource(n + ".gguf")));
    }

    @AfterAll
    static void close() {
        MODELS.values().forEach(Model::close);
        MODELS.clear();
    }

    static Path resource(String name) {
        try {
            return Path.of(Objects.requireNonNull(ArchitectureReferenceTest.class.getResource("/reference/" + name),
                    "missing test resource /reference/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> reference(String name) {
        try (InputStream in = ArchitectureReferenceTest.class.getResourceAsStream("/reference/" + name + ".logits.json")) {
            return (Map<String, Object>) Json.parse(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @ParameterizedTest(name = "{0} sequence {1}")
    @CsvSource({"tiny-llama3, 0", "tiny-llama3, 1", "tiny-qwen2, 0", "tiny-qwen2, 1", "tiny-qwen3, 0", "tiny-qwen3, 1"})
    @SuppressWarnings("unchecked")
    void matchesLlamaCpp(String name, int index) {
        Map<String, Object> seq = ((List<Map<String, Object>>) reference(name).get("sequences")).get(index);
        int[] tokens = ((List<Object>) seq.get("tokens")).stream().mapToInt(o -> ((Double) o).intValue()).toArray();
        List<Map<String, Object>> positions = (List<Map<String, Object>>) seq.get("positions");
        Model model = model(name);
        int vocab = model.config().vocabularySize();
        float[][] logitsAt = new float[tokens.length][];
        for (Map<String, Object> p : positions) {
            logitsAt[((Double) p.get("pos")).intValue()] = new float[vocab];
        }
        // Evaluate up to each listed position in turn, asking for the logits of that position only (the
        // vocabularies are large), which also varies where prefill chunks start.
        try (Engine engine = HouseModel.engine(model, "dense", tokens.length, 2); Sequence s = engine.newSequence()) {
            for (Map<String, Object> p : positions) {
                int pos = ((Double) p.get("pos")).intValue();
                int from = s.position();
                s.evaluate(tokens, from, pos + 1 - from, pos - from,
                        (j, logits, off) -> System.arraycopy(logits, off, logitsAt[pos], 0, vocab));
            }
        }
        double worst = 0;
        for (Map<String, Object> p : positions) {
            int pos = ((Double) p.get("pos")).intValue();
            float[] logits = logitsAt[pos];
            double lse = ReferenceLogitsTest.logSumExp(logits);
            worst = Math.max(worst, Math.abs(lse - (Double) p.get("logsumexp")));
            assertEquals((Double) p.get("logsumexp"), lse, TOLERANCE, "logsumexp at position " + pos);
            List<List<Double>> top = (List<List<Double>>) p.get("top");
            for (List<Double> pair : top) {
                int id = pair.get(0).intValue();
                double diff = Math.abs(logits[id] - pair.get(1));
                worst = Math.max(worst, diff);
                assertTrue(diff <= TOLERANCE, "logit of token " + id + " at position " + pos + ": " + logits[id] + " vs " + pair.get(1));
            }
            assertEquals(top.getFirst().get(0).intValue(), Sampler.argmax(logits), "top-1 token at position " + pos);
        }
        System.out.printf("%s sequence %d (%d tokens, %d positions): worst logit difference %.2e%n",
                name, index, tokens.length, positions.size(), worst);

        // Our tokenizer gives back llama.cpp's tokens for the text they spell.
        var tokenizer = model.tokenizer();
        boolean bos = tokens[0] == tokenizer.bos() && tokenizer.addBosToken();
        String text = tokenizer.decode(tokens);
        assertArrayEquals(tokens, tokenizer.encode(text, bos), "re-encoding " + text);
    }

    @Test
    void configurationsFollowTheArchitectures() {
        Model llama = model("tiny-llama3");
        Model qwen2 = model("tiny-qwen2");
        Model qwen3 = model("tiny-qwen3");
        assertEquals(Architecture.LLAMA, llama.config().architecture());
        assertEquals(8, llama.config().headDim());
        assertNotNull(llama.weights().ropeFactors());
        assertNull(llama.weights().layers().getFirst().qBias());
        assertEquals(RopeScaling.NONE, llama.config().ropeScaling());
        assertTrue(llama.weights().output() != llama.weights().tokenEmbedding(), "separate output matrix");

        assertEquals(Architecture.QWEN2, qwen2.config().architecture());
        assertEquals(16, qwen2.config().headDim());
        assertNotNull(qwen2.weights().layers().getFirst().qBias());
        assertNull(qwen2.weights().layers().getFirst().qNorm());
        assertEquals(qwen2.weights().tokenEmbedding(), qwen2.weights().output(), "tied output");

        assertEquals(Architecture.QWEN3, qwen3.config().architecture());
        assertEquals(32, qwen3.config().headDim(), "key_length, not 64 / 4");
        assertEquals(128, qwen3.config().qDim());
        assertNotNull(qwen3.weights().layers().getFirst().kNorm());
    }

    @Test
    void llama31FactorsFromMetadataMatchTheConvertedTensor() {
        // tiny-llama3 carries Llama 3.1-style scaling as rope_freqs.weight (what llama.cpp's converter writes); the
        // same factors come out of the Hugging Face parameters of Llama 3.2 (factor 32, low 1, high 4, original 8192).
        Model llama = model("tiny-llama3");
        var c = llama.config();
        RopeScaling meta = new RopeScaling(RopeScaling.Type.LLAMA3, 32, 1, 4, 8192);
        double[] fromTensor = c.ropeScaling().frequencies(c.ropeDimensions(), c.ropeBase(), llama.weights().ropeFactors());
        double[] fromMetadata = meta.frequencies(c.ropeDimensions(), c.ropeBase(), null);
        double[] unscaled = RopeScaling.NONE.frequencies(c.ropeDimensions(), c.ropeBase(), null);
        for (int i = 0; i < fromTensor.length; i++) {
            assertEquals(fromTensor[i], fromMetadata[i], fromTensor[i] * 1e-6, "pair " + i);
        }
        assertEquals(unscaled[unscaled.length - 1] / 32, fromTensor[fromTensor.length - 1], 1e-12, "low frequencies divided by 32");
        assertEquals(unscaled[0], fromTensor[0], 0, "the highest frequency is kept");
    }
}
