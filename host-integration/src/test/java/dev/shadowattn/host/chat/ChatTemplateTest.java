package dev.shadowattn.host.chat;

import dev.shadowattn.gguf.GgufFile;
import dev.shadowattn.gguf.tokenizer.SpecialTokens;
import dev.shadowattn.gguf.tokenizer.Tokenizer;
import dev.shadowattn.host.engine.HouseModel;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Choosing the chat format from a model, the markup of each format, and the default system prompt. */
class ChatTemplateTest {

    static Tokenizer llama3, qwen2, house;

    @BeforeAll
    static void load() {
        llama3 = tokenizer(reference("tiny-llama3.gguf"));
        qwen2 = tokenizer(reference("tiny-qwen2.gguf"));
        house = tokenizer(HouseModel.PATH);
    }

    static Path reference(String name) {
        try {
            return Path.of(Objects.requireNonNull(ChatTemplateTest.class.getResource("/reference/" + name)).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static Tokenizer tokenizer(Path file) {
        try (GgufFile gguf = GgufFile.open(file)) {
            return Tokenizer.fromGguf(gguf.metadata(), file);
        }
    }

    @Test
    void detectedFromTemplateOrVocabulary() {
        assertTrue(llama3.chatTemplate().isEmpty(), "tiny-llama3 has no Jinja template: found by its header tokens");
        assertSame(ChatTemplate.LLAMA3, ChatFormat.detect(llama3).template());
        assertSame(ChatTemplate.CHATML, ChatFormat.detect(qwen2).template());
        assertSame(ChatTemplate.PLAIN, ChatFormat.detect(house).template());
        assertSame(ChatTemplate.CHATML, ChatTemplate.named("ChatML"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ChatTemplate.named("alpaca"));
        assertTrue(e.getMessage().contains("'alpaca'"), e.getMessage());
    }

    @Test
    void endOfTurnTokens() {
        ChatFormat f = ChatFormat.detect(llama3);
        assertArrayEquals(new int[] {128009, 128001}, f.endOfTurnTokens(), "<|eot_id|> and EOS (no <|eom_id|> in Llama 3.0)");
        assertTrue(f.endsTurn(128009) && !f.endsTurn(128006));
        assertArrayEquals(new int[] {151645, 151643}, ChatFormat.detect(qwen2).endOfTurnTokens());
        assertArrayEquals(new int[] {house.eos()}, ChatFormat.detect(house).endOfTurnTokens());
    }

    @Test
    void markupAroundMessages() {
        ChatFormat f = ChatFormat.detect(qwen2);
        int[] turn = f.userTurn("hi <|im_start|>");
        assertEquals(151644, turn[0]);
        assertEquals(2, Arrays.stream(turn).filter(t -> t == 151644).count(), "one for the user, one for the assistant");
        assertArrayEquals(new int[0], f.start(null), "Qwen: no BOS, no system message unless asked");

        ChatFormat plain = ChatFormat.detect(house);
        assertArrayEquals(house.encode("Hello"), plain.userTurn("Hello"));
        assertArrayEquals(new int[] {house.bos()}, plain.start(null));
        int[] withSystem = plain.start("Be kind.");
        assertEquals(house.bos(), withSystem[0]);
        assertEquals("Be kind.\n\n", house.decode(withSystem));
        assertArrayEquals(house.encode("\n"), plain.assistantEnd());

        ChatFormat llama = ChatFormat.detect(llama3);
        assertArrayEquals(new int[] {128009}, llama.assistantEnd());
        assertEquals(128000, llama.start(null)[0]);
    }

    @Test
    void defaultSystemPromptFromTheJinjaTemplate() {
        assertEquals(Optional.of("You are a helpful assistant"), ChatFormat.detect(qwen2).defaultSystemPrompt());
        // Qwen2.5 writes the line break as an escape inside a Jinja string.
        String qwen25 = "{%- else %}\n        {{- '<|im_start|>system\\nYou are Qwen, created by Alibaba Cloud. You are a"
                + " helpful assistant.<|im_end|>\\n' }}\n    {%- endif %}";
        assertEquals(Optional.of("You are Qwen, created by Alibaba Cloud. You are a helpful assistant."),
                ChatTemplate.CHATML.defaultSystemPrompt(qwen25));
        // Qwen3 takes the system message from the conversation only.
        String qwen3 = "{%- if messages[0].role == 'system' %}{{- '<|im_start|>system\\n' + messages[0].content + '<|im_end|>\\n' }}";
        assertFalse(ChatTemplate.CHATML.defaultSystemPrompt(qwen3).isPresent());
        assertFalse(ChatTemplate.LLAMA3.defaultSystemPrompt(qwen25).isPresent());
    }

    @Test
    void missingMarkupTokenIsNamed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new ChatFormat(ChatTemplate.LLAMA3, house, SpecialTokens.of(house)));
        assertTrue(e.getMessage().contains("<|start_header_id|>"), e.getMessage());
    }
}
