package dev.shadowattn.gguf.tokenizer;

import dev.shadowattn.gguf.GgufFile;
import dev.shadowattn.gguf.GgufFormatException;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link Tokenizer#fromGguf}: dispatch, defaults, optional keys and errors naming the file and key. */
class TokenizerLoadingTest {

    /** The model shipped with the project, relative to the module directory (surefire's working directory). */
    static final Path HOUSE_MODEL = Path.of("models", "house-25m-q8_0.gguf");

    @TempDir
    Path dir;

    private Tokenizer load(Path file) {
        try (GgufFile gguf = GgufFile.open(file)) {
            return Tokenizer.fromGguf(gguf.metadata(), file);
        }
    }

    private Path write(String name, Function<MetadataGgufWriter, MetadataGgufWriter> content) {
        return content.apply(new MetadataGgufWriter()).writeTo(dir.resolve(name));
    }

    private static Vocabulary smallVocabulary() {
        TestVocabulary v = TestVocabulary.llamaLayout();
        v.piece("_", -100);
        v.piece("_hi", -1);
        v.piece("h", -10);
        v.piece("i", -10);
        v.piece("_h", -5);
        v.add("<tool>", 0, TokenType.USER_DEFINED);
        return v.build();
    }

    @Test
    void houseModelCarriesTheLlama2Vocabulary() {
        assertTrue(Files.isRegularFile(HOUSE_MODEL), "missing " + HOUSE_MODEL.toAbsolutePath());
        Tokenizer house = load(HOUSE_MODEL);
        Tokenizer reference = load(VocabTestCases.resourcePath(SentencePieceVocabTest.VOCAB));
        assertEquals(32000, house.vocabularySize());
        for (int id = 0; id < house.vocabularySize(); id++) {
            assertEquals(reference.token(id), house.token(id));
            assertEquals(reference.tokenType(id), house.tokenType(id));
        }
        assertEquals(1, house.bos());
        assertEquals(2, house.eos());
        for (VocabTestCases.Case c : VocabTestCases.load(SentencePieceVocabTest.VOCAB).cases()) {
            assertArrayEquals(c.expected(), house.encode(c.input()), c::toString);
        }
    }

    @Test
    void defaultsAndOptionalKeys() {
        Path plain = write("plain.gguf", w -> w.vocabulary(smallVocabulary()));
        Tokenizer t = load(plain);
        assertEquals(1, t.bos());
        assertEquals(2, t.eos());
        assertTrue(t.addBosToken());
        assertTrue(t.chatTemplate().isEmpty());
        int hi = 260;
        assertArrayEquals(new int[] {hi}, t.encode("hi"));
        // User-defined tokens in the file are matched verbatim.
        assertArrayEquals(new int[] {hi, 264, hi}, t.encode("hi<tool>hi"));

        Path custom = write("custom.gguf", w -> w.vocabulary(smallVocabulary())
                .uint32(SentencePieceTokenizer.KEY_BOS, 2)
                .uint32(SentencePieceTokenizer.KEY_EOS, 1)
                .bool(SentencePieceTokenizer.KEY_ADD_BOS, false)
                .bool(SentencePieceTokenizer.KEY_ADD_SPACE_PREFIX, false)
                .string(Tokenizer.KEY_CHAT_TEMPLATE, "{{ messages }}"));
        Tokenizer c = load(custom);
        assertEquals(2, c.bos());
        assertEquals(1, c.eos());
        assertFalse(c.addBosToken());
        assertEquals("{{ messages }}", c.chatTemplate().orElseThrow());
        assertArrayEquals(new int[] {2, 261, 262}, c.encode("hi", true));   // no space prefix: h, i
    }

    @Test
    void unsupportedModelNamesModelAndFile() {
        Path file = write("unigram.gguf", w -> w.string(Tokenizer.KEY_MODEL, "t5")
                .strings(Vocabulary.KEY_TOKENS, List.of("a")));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> load(file));
        assertTrue(e.getMessage().contains("'t5'") && e.getMessage().contains("unigram.gguf"), e.getMessage());

        Path none = write("none.gguf", w -> w.string("general.architecture", "llama"));
        e = assertThrows(IllegalArgumentException.class, () -> load(none));
        assertTrue(e.getMessage().contains(Tokenizer.KEY_MODEL) && e.getMessage().contains("none.gguf"), e.getMessage());
    }

    @Test
    void malformedTokenizerMetadataNamesFileAndKey() {
        assertFormatError("noscores.gguf", w -> w.string(Tokenizer.KEY_MODEL, "llama")
                .strings(Vocabulary.KEY_TOKENS, List.of("a", "b")), Vocabulary.KEY_SCORES);
        assertFormatError("notokens.gguf", w -> w.string(Tokenizer.KEY_MODEL, "llama"), Vocabulary.KEY_TOKENS);
        assertFormatError("shortscores.gguf", w -> w.string(Tokenizer.KEY_MODEL, "llama")
                .strings(Vocabulary.KEY_TOKENS, List.of("a", "b"))
                .floats(Vocabulary.KEY_SCORES, new float[] {0}), Vocabulary.KEY_SCORES);
        assertFormatError("nan.gguf", w -> w.string(Tokenizer.KEY_MODEL, "llama")
                .strings(Vocabulary.KEY_TOKENS, List.of("a", "b"))
                .floats(Vocabulary.KEY_SCORES, new float[] {0, Float.NaN}), Vocabulary.KEY_SCORES);
        assertFormatError("badtype.gguf", w -> w.string(Tokenizer.KEY_MODEL, "llama")
                .strings(Vocabulary.KEY_TOKENS, List.of("a", "b"))
                .floats(Vocabulary.KEY_SCORES, new float[] {0, 0})
                .ints(Vocabulary.KEY_TOKEN_TYPE, new int[] {1, 9}), Vocabulary.KEY_TOKEN_TYPE);
        assertFormatError("badbos.gguf", w -> w.vocabulary(smallVocabulary())
                .uint32(SentencePieceTokenizer.KEY_BOS, 70000), SentencePieceTokenizer.KEY_BOS);
        assertFormatError("badbyte.gguf", w -> w.string(Tokenizer.KEY_MODEL, "llama")
                .strings(Vocabulary.KEY_TOKENS, List.of("a", "<0xG0>"))
                .floats(Vocabulary.KEY_SCORES, new float[] {0, 0})
                .ints(Vocabulary.KEY_TOKEN_TYPE, new int[] {1, 6}), "<0xG0>");
    }

    private void assertFormatError(String name, Function<MetadataGgufWriter, MetadataGgufWriter> content, String what) {
        Path file = write(name, content);
        GgufFormatException e = assertThrows(GgufFormatException.class, () -> load(file));
        assertTrue(e.getMessage().contains(name) && e.getMessage().contains(what), e.getMessage());
    }
}
