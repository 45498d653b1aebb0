package dev.shadowattn.host.engine;

import dev.shadowattn.gguf.model.Model;
import dev.shadowattn.host.json.Json;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The engine with the dense backend matches independent reference logits of the house model (PyTorch, float32 over
 * exactly dequantized Q8_0 weights): at every listed position, the logsumexp and the top-20 logits within 2e-3
 * absolute, and the same top-1 token.
 */
class ReferenceLogitsTest {

    static final double TOLERANCE = 2e-3;
    static Map<String, Object> reference;
    static Model model;

    @BeforeAll
    @SuppressWarnings("unchecked")
    static void load() throws IOException {
        try (InputStream in = ReferenceLogitsTest.class.getResourceAsStream("/reference/house-25m-q8_0.logits.json")) {
            reference = (Map<String, Object>) Json.parse(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
        model = HouseModel.load();
    }

    @AfterAll
    static void close() {
        model.close();
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2})
    @SuppressWarnings("unchecked")
    void matchesReference(int index) {
        Map<String, Object> seq = ((List<Map<String, Object>>) reference.get("sequences")).get(index);
        int[] tokens = ((List<Object>) seq.get("tokens")).stream().mapToInt(o -> ((Double) o).intValue()).toArray();
        List<Map<String, Object>> positions = (List<Map<String, Object>>) seq.get("positions");
        int vocab = model.config().vocabularySize();
        float[][] logitsAt = new float[tokens.length][];
        for (Map<String, Object> p : positions) {
            logitsAt[((Double) p.get("pos")).intValue()] = new float[vocab];
        }
        try (Engine engine = HouseModel.engine(model, "dense", tokens.length, 2); Sequence s = engine.newSequence()) {
            s.evaluate(tokens, 0, tokens.length, 0, (j, logits, off) -> {
                if (logitsAt[j] != null) {
                    System.arraycopy(logits, off, logitsAt[j], 0, vocab);
                }
            });
        }
        double worst = 0;
        for (Map<String, Object> p : positions) {
            int pos = ((Double) p.get("pos")).intValue();
            float[] logits = logitsAt[pos];
            double lse = logSumExp(logits);
            double refLse = (Double) p.get("logsumexp");
            assertEquals(refLse, lse, TOLERANCE, "logsumexp at position " + pos);
            List<List<Double>> top = (List<List<Double>>) p.get("top");
            for (List<Double> pair : top) {
                int id = pair.get(0).intValue();
                double diff = Math.abs(logits[id] - pair.get(1));
                worst = Math.max(worst, diff);
                assertTrue(diff <= TOLERANCE, "logit of token " + id + " at position " + pos + ": " + logits[id] + " vs " + pair.get(1));
            }
            assertEquals(top.getFirst().get(0).intValue(), Sampler.argmax(logits), "top-1 token at position " + pos);
        }
        System.out.printf("sequence %d (%d tokens): worst logit difference %.2e%n", index, tokens.length, worst);
    }

    static double logSumExp(float[] x) {
        double max = Double.NEGATIVE_INFINITY;
        for (float v : x) {
            max = Math.max(max, v);
        }
        double s = 0;
        for (float v : x) {
            s += Math.exp(v - max);
        }
        return max + Math.log(s);
    }
}
