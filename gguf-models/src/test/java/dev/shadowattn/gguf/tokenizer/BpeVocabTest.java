package dev.shadowattn.gguf.tokenizer;

import dev.shadowattn.gguf.GgufFile;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The byte-level BPE vocabularies of Llama 3 ({@code llama-bpe}, 128256 tokens) and Qwen2 ({@code qwen2}, 151936
 * tokens) against llama.cpp's test-tokenizer-0 vectors, plus decoding, special tokens and metadata.
 */
class BpeVocabTest {

    static final String LLAMA3 = "ggml-vocab-llama-bpe.gguf";
    static final String QWEN2 = "ggml-vocab-qwen2.gguf";

    static Map<String, Tokenizer> tokenizers;

    @BeforeAll
    static void load() {
        tokenizers = Stream.of(LLAMA3, QWEN2).collect(Collectors.toMap(n -> n, BpeVocabTest::open));
    }

    static Tokenizer open(String name) {
        Path file = VocabTestCases.resourcePath(name);
        try (GgufFile gguf = GgufFile.open(file)) {
            return Tokenizer.fromGguf(gguf.metadata(), file);
        }
    }

    @AfterAll
    static void release() {
        tokenizers = null;
    }

    static Stream<Arguments> cases() {
        return Stream.of(LLAMA3, QWEN2).flatMap(name ->
                VocabTestCases.load(name).cases().stream().map(c -> Arguments.of(name, c)));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void encodesLikeLlamaCpp(String vocab, VocabTestCases.Case c) {
        Tokenizer tokenizer = tokenizers.get(vocab);
        int[] actual = tokenizer.encode(c.input());
        assertArrayEquals(c.expected(), actual, () -> "input " + c + "\n expected " + describe(tokenizer, c.expected())
                + "\n actual   " + describe(tokenizer, actual));
        assertEquals(c.input(), tokenizer.decode(actual), "byte-level BPE decodes to exactly the input");
    }

    @Test
    void longTextsGiveTheSameTokensWithTheWordCache() {
        StringBuilder b = new StringBuilder();
        for (int copy = 0; copy < 20; copy++) {
            VocabTestCases.load(LLAMA3).cases().forEach(c -> b.append(c.input()).append(' '));
        }
        String text = b.toString();
        assertTrue(text.length() > 4096, "long enough for the cache to be used by encode");
        for (String name : List.of(LLAMA3, QWEN2)) {
            BpeTokenizer t = (BpeTokenizer) tokenizers.get(name);
            int[] cached = t.encode(text, false, true);
            assertArrayEquals(t.encode(text, false, false), cached, name);
            assertArrayEquals(cached, t.encode(text));
            assertEquals(text, t.decode(cached));
        }
    }

    @Test
    void everyVectorIsRead() {
        assertEquals(46, VocabTestCases.load(LLAMA3).cases().size());
        assertEquals(46, VocabTestCases.load(QWEN2).cases().size());
    }

    @Test
    void llama3Metadata() {
        BpeTokenizer t = assertInstanceOf(BpeTokenizer.class, tokenizers.get(LLAMA3));
        assertEquals(128256, t.vocabularySize());
        assertEquals("<|begin_of_text|>", t.token(t.bos()));
        assertEquals("<|end_of_text|>", t.token(t.eos()));
        assertTrue(t.addBosToken(), "llama-bpe adds BOS by default");
        assertEquals("llama-bpe", t.preTokenizerNames().getFirst());
        assertTrue(t.isSpecial(t.bos()) && !t.isSpecial(t.encode("Hello")[0]));
        assertArrayEquals(new int[] {128000, 9906}, t.encode("Hello", true));
    }

    @Test
    void qwen2Metadata() {
        BpeTokenizer t = assertInstanceOf(BpeTokenizer.class, tokenizers.get(QWEN2));
        assertEquals(151936, t.vocabularySize());
        assertEquals("<|endoftext|>", t.token(t.eos()));
        assertFalse(t.addBosToken(), "qwen2 adds no BOS");
        assertTrue(t.chatTemplate().orElseThrow().contains("<|im_start|>"));
    }

    @Test
    void digitRunsDifferBetweenPreTokenizers() {
        // Llama 3 keeps up to three digits together, Qwen2 one.
        Tokenizer llama = tokenizers.get(LLAMA3);
        Tokenizer qwen = tokenizers.get(QWEN2);
        assertEquals(3, llama.encode("1234567").length, describe(llama, llama.encode("1234567")));
        assertEquals(7, qwen.encode("1234567").length, describe(qwen, qwen.encode("1234567")));
        assertEquals("1234567", llama.decode(llama.encode("1234567")));
    }

    @Test
    void controlTokensAreTextUnlessAsked() {
        Tokenizer qwen = tokenizers.get(QWEN2);
        int imStart = 151644;
        assertEquals("<|im_start|>", qwen.token(imStart));
        int[] plain = qwen.encode("<|im_start|>user");
        assertTrue(plain.length > 2 && Arrays.stream(plain).noneMatch(id -> id == imStart), describe(qwen, plain));
        assertEquals("<|im_start|>user", qwen.decode(plain));

        SpecialTokens special = SpecialTokens.of(qwen);
        assertEquals(imStart, special.require("<|im_start|>"));
        int[] parsed = special.encode("<|im_start|>user\nHi<|im_end|>", false);
        assertEquals(imStart, parsed[0]);
        assertEquals(151645, parsed[parsed.length - 1]);
        assertArrayEquals(qwen.encode("user\nHi"), Arrays.copyOfRange(parsed, 1, parsed.length - 1));
        // Control tokens decode to nothing.
        assertEquals("user\nHi", qwen.decode(parsed));
        assertTrue(special.find("<|no such token|>").isEmpty());
    }

    @Test
    void userDefinedTokensAreAlwaysMatched() {
        Tokenizer qwen = tokenizers.get(QWEN2);
        int pad = 151646;
        assertEquals(TokenType.USER_DEFINED, qwen.tokenType(pad));
        int[] ids = qwen.encode("a[PAD151646]b");
        assertEquals(3, ids.length, describe(qwen, ids));
        assertEquals(pad, ids[1]);
        assertEquals("a[PAD151646]b", qwen.decode(ids));
    }

    @Test
    void streamingDecoderJoinsSplitCharacters() {
        // A CJK character and an emoji are several byte-level tokens each when rare.
        Tokenizer llama = tokenizers.get(LLAMA3);
        String text = "🦙 ȃ 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 קום";
        int[] ids = llama.encode(text);
        StreamingDecoder decoder = llama.streamingDecoder();
        StringBuilder out = new StringBuilder();
        for (int id : ids) {
            String piece = decoder.accept(id);
            assertFalse(piece.contains("\uFFFD"), "no broken character is emitted");
            out.append(piece);
        }
        out.append(decoder.flush());
        assertEquals(text, out.toString());
        assertTrue(ids.length > text.codePointCount(0, text.length()) / 2);
    }

    static String describe(Tokenizer t, int[] ids) {
        return IntStream.of(ids).mapToObj(id -> id + ":" + VocabTestCases.visible(t.token(id)))
                .collect(Collectors.joining(" ", "[", "]"));
    }
}
