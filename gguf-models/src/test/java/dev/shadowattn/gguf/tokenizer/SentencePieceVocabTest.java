package dev.shadowattn.gguf.tokenizer;

import dev.shadowattn.gguf.GgufFile;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The Llama 2 SentencePiece vocabulary against llama.cpp's test-tokenizer-0 vectors (ggml-vocab-llama-spm). */
class SentencePieceVocabTest {

    static final String VOCAB = "ggml-vocab-llama-spm.gguf";

    static Tokenizer tokenizer;

    @BeforeAll
    static void load() {
        Path file = VocabTestCases.resourcePath(VOCAB);
        try (GgufFile gguf = GgufFile.open(file)) {
            tokenizer = Tokenizer.fromGguf(gguf.metadata(), file);
        }
    }

    @AfterAll
    static void release() {
        tokenizer = null;
    }

    static List<VocabTestCases.Case> cases() {
        return VocabTestCases.load(VOCAB).cases();
    }

    @Test
    void readsAllVectors() {
        List<VocabTestCases.Case> cases = cases();
        assertEquals(46, cases.size());
        // The .inp whitespace semantics: the empty input, and inputs made only of newlines, survive the split.
        assertEquals("", cases.get(2).input());
        assertEquals(" ", cases.get(3).input());
        assertEquals("\n", cases.get(7).input());
        assertEquals("\n\n\n", cases.get(9).input());
    }

    @Test
    void vocabularyMetadata() {
        assertInstanceOf(SentencePieceTokenizer.class, tokenizer);
        assertEquals(32000, tokenizer.vocabularySize());
        assertEquals(1, tokenizer.bos());
        assertEquals(2, tokenizer.eos());
        assertEquals("<s>", tokenizer.token(tokenizer.bos()));
        assertEquals("</s>", tokenizer.token(tokenizer.eos()));
        assertTrue(tokenizer.isSpecial(0) && tokenizer.isSpecial(1) && tokenizer.isSpecial(2));
        assertEquals(TokenType.BYTE, tokenizer.tokenType(3));
        assertTrue(!tokenizer.isSpecial(3) && !tokenizer.isSpecial(29871));
        assertTrue(tokenizer.addBosToken());
        assertTrue(tokenizer.chatTemplate().isEmpty());
    }

    @ParameterizedTest
    @MethodSource("cases")
    void encodesLikeLlamaCpp(VocabTestCases.Case c) {
        int[] actual = tokenizer.encode(c.input());
        assertArrayEquals(c.expected(), actual, () -> "input " + c + "\n expected " + describe(c.expected())
                + "\n actual   " + describe(actual));
    }

    @ParameterizedTest
    @MethodSource("cases")
    void encodeWithBosPrependsBos(VocabTestCases.Case c) {
        int[] expected = IntStream.concat(IntStream.of(1), IntStream.of(c.expected())).toArray();
        assertArrayEquals(expected, tokenizer.encode(c.input(), true));
    }

    /**
     * Every input round-trips: the vocabulary plus byte fallback covers all of Unicode, no normalization is
     * applied, and the decoder removes exactly the one space the encoder prefixed.
     */
    @ParameterizedTest
    @MethodSource("cases")
    void decodeInvertsEncode(VocabTestCases.Case c) {
        assertEquals(c.input(), tokenizer.decode(c.expected()));
        assertEquals(c.input(), tokenizer.decode(tokenizer.encode(c.input(), true)));
    }

    /** Streaming token by token yields the same text as decoding the whole sequence, in whole characters. */
    @ParameterizedTest
    @MethodSource("cases")
    void streamingDecodeMatchesDecode(VocabTestCases.Case c) {
        StreamingDecoder decoder = tokenizer.streamingDecoder();
        StringBuilder text = new StringBuilder();
        for (int token : tokenizer.encode(c.input(), true)) {
            String chunk = decoder.accept(token);
            assertTrue(chunk.indexOf('\uFFFD') < 0, () -> "partial character emitted for " + c);
            text.append(chunk);
        }
        assertTrue(!decoder.hasPending());
        assertEquals("", decoder.flush());
        assertEquals(c.input(), text.toString());
    }

    @Test
    void encodingIsThreadSafe() throws InterruptedException {
        List<VocabTestCases.Case> cases = cases();
        String all = cases.stream().map(VocabTestCases.Case::input).collect(Collectors.joining("|"));
        int[] expected = tokenizer.encode(all);
        int[][] results = new int[4][];
        Thread[] threads = new Thread[results.length];
        for (int t = 0; t < threads.length; t++) {
            int slot = t;
            threads[t] = Thread.ofPlatform().start(() -> {
                int[] r = null;
                for (int i = 0; i < 20; i++) {
                    r = tokenizer.encode(all);
                }
                results[slot] = r;
            });
        }
        for (Thread thread : threads) {
            thread.join();
        }
        for (int[] r : results) {
            assertArrayEquals(expected, r);
        }
        assertEquals(all, tokenizer.decode(expected));
    }

    private static String describe(int[] ids) {
        return Arrays.stream(ids)
                .mapToObj(id -> id + "'" + new String(tokenizer.tokenBytes(0, id), StandardCharsets.UTF_8) + "'")
                .collect(Collectors.joining(" "));
    }
}
