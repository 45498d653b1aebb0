package dev.shadowattn.host.engine;

import dev.shadowattn.gguf.model.Model;
import dev.shadowattn.host.eval.Perplexity;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Perplexity of the house model on held-out Persuasion, -c 1024, 8 chunks, within 0.5% of llama.cpp's 61.51. */
class PerplexityTest {

    static final double LLAMA_CPP = 61.51;

    @Test
    void matchesLlamaCpp() throws IOException {
        String text;
        try (InputStream in = PerplexityTest.class.getResourceAsStream("/data/persuasion.txt")) {
            text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        try (Model model = HouseModel.load(); Engine engine = HouseModel.engine(model, "dense", 1024, 2)) {
            int[] tokens = model.tokenizer().encode(text, true);
            Perplexity.Result r = Perplexity.compute(engine, tokens, 1024, 8, null);
            System.out.printf("perplexity %.4f (llama.cpp %.2f), %.1f s%n", r.perplexity(), LLAMA_CPP, r.seconds());
            assertEquals(8, r.chunks());
            assertEquals(8L * (1024 - 1 - 512), r.count());
            assertEquals(LLAMA_CPP, r.perplexity(), LLAMA_CPP * 0.005);
        }
    }
}
