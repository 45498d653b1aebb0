package dev.shadowattn.gguf.tokenizer;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The SentencePiece algorithm on hand-built vocabularies, where every expected segmentation is derived by hand. */
class SentencePieceTokenizerTest {

    private static int byteToken(int b) {
        return 3 + b;
    }

    @Test
    void highestScoringPairMergesFirst() {
        TestVocabulary v = TestVocabulary.llamaLayout();
        int a = v.piece("a", -10);
        int b = v.piece("b", -10);
        int c = v.piece("c", -10);
        int ab = v.piece("ab", -2);
        int bc = v.piece("bc", -1);
        // "bc" outscores "ab": a|bc, and no piece "abc" exists.
        assertArrayEquals(new int[] {a, bc}, v.tokenizer(false).encode("abc"));

        TestVocabulary w = TestVocabulary.llamaLayout();
        w.piece("a", -10);
        w.piece("b", -10);
        int c2 = w.piece("c", -10);
        int ab2 = w.piece("ab", -1);
        w.piece("bc", -2);
        assertArrayEquals(new int[] {ab2, c2}, w.tokenizer(false).encode("abc"));
        assertTrue(ab != ab2 || c != c2 || b >= 0);   // distinct vocabularies, ids reused only by coincidence
    }

    @Test
    void mergesChainThroughNewPairs() {
        TestVocabulary v = TestVocabulary.llamaLayout();
        v.piece("a", -10);
        v.piece("b", -10);
        v.piece("c", -10);
        v.piece("ab", -3);
        v.piece("bc", -1);
        int abc = v.piece("abc", -5);   // reachable only as a + bc, after bc merged
        assertArrayEquals(new int[] {abc}, v.tokenizer(false).encode("abc"));
    }

    @Test
    void tiesGoToTheLeftmostPair() {
        TestVocabulary v = TestVocabulary.llamaLayout();
        int a = v.piece("a", -10);
        int aa = v.piece("aa", -1);
        SentencePieceTokenizer t = v.tokenizer(false);
        assertArrayEquals(new int[] {aa, a}, t.encode("aaa"));
        assertArrayEquals(new int[] {aa, aa, a}, t.encode("aaaaa"));
    }

    @Test
    void spacesBecomeMetaSymbolWithPrefix() {
        TestVocabulary v = TestVocabulary.llamaLayout();
        int space = v.piece("_", -100);
        int hi = v.piece("_hi", -1);
        v.piece("h", -10);
        v.piece("i", -10);
        v.piece("_h", -5);
        int there = v.piece("_there", -1);
        for (String p : List.of("t", "e", "r", "_t", "th", "_th", "the", "_the", "ther", "_ther")) {
            v.piece(p, -20);
        }
        SentencePieceTokenizer t = v.tokenizer(true);
        assertArrayEquals(new int[] {hi, there}, t.encode("hi there"));
        assertArrayEquals(new int[] {space, hi}, t.encode(" hi"));
        assertArrayEquals(new int[] {TestVocabulary.BOS, hi}, t.encode("hi", true));
        assertArrayEquals(new int[0], t.encode(""));
        assertArrayEquals(new int[] {TestVocabulary.BOS}, t.encode("", true));
        assertEquals("hi there", t.decode(t.encode("hi there")));
        assertEquals(" hi", t.decode(t.encode(" hi")));

        SentencePieceTokenizer noPrefix = v.tokenizer(false);
        int h = 259 + 2;
        assertEquals("h", noPrefix.token(h));
        assertArrayEquals(new int[] {h, 259 + 3, there}, noPrefix.encode("hi there"));
        assertEquals("hi there", noPrefix.decode(noPrefix.encode("hi there")));
    }

    @Test
    void absentCharactersFallBackToUtf8Bytes() {
        TestVocabulary v = TestVocabulary.llamaLayout();
        int x = v.piece("x", -1);
        SentencePieceTokenizer t = v.tokenizer(false);
        // é = C3 A9, € = E2 82 AC, 😀 = F0 9F 98 80
        assertArrayEquals(new int[] {x, byteToken(0xC3), byteToken(0xA9), x}, t.encode("xéx"));
        assertArrayEquals(new int[] {byteToken(0xE2), byteToken(0x82), byteToken(0xAC),
                byteToken(0xF0), byteToken(0x9F), byteToken(0x98), byteToken(0x80)}, t.encode("€😀"));
        assertArrayEquals(new int[] {byteToken('\n'), byteToken('\t')}, t.encode("\n\t"));
        assertEquals("xéx€😀\n", t.decode(t.encode("xéx€😀\n")));
    }

    @Test
    void withoutByteTokensAnAbsentCharacterIsOneUnknown() {
        TestVocabulary v = TestVocabulary.specialsOnly();
        int x = v.piece("x", -1);
        SentencePieceTokenizer t = v.tokenizer(false);
        assertArrayEquals(new int[] {x, TestVocabulary.UNK, x, TestVocabulary.UNK}, t.encode("x€xé"));
        assertEquals("xx", t.decode(t.encode("x€xé")));   // <unk> decodes to nothing, as in llama.cpp

        Vocabulary noUnknown = v.build();
        SentencePieceTokenizer strict = new SentencePieceTokenizer(noUnknown, 1, 2, -1, true, false, null);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> strict.encode("x€"));
        assertTrue(e.getMessage().contains("0xE2"), e.getMessage());
    }

    @Test
    void controlTokenTextIsPlainText() {
        TestVocabulary v = TestVocabulary.llamaLayout();
        int lt = v.piece("<", -5);
        v.piece("s", -5);
        int gt = v.piece(">", -5);
        int lts = v.piece("<s", -1);
        v.piece("s>", -2);
        SentencePieceTokenizer t = v.tokenizer(false);
        // "<s>" is the control token 1, which text never produces: only the normal pieces take part.
        assertArrayEquals(new int[] {lts, gt}, t.encode("<s>"));
        // A byte token's text is not formed either: "<0x41>" stays plain characters (bytes here).
        int[] ids = t.encode("<0x41>");
        assertEquals(lt, ids[0]);
        assertTrue(java.util.Arrays.stream(ids).noneMatch(id -> id == byteToken(0x41)));
        assertEquals("<0x41>", t.decode(ids));
    }

    @Test
    void userDefinedTokensAreMatchedVerbatimLongestFirst() {
        TestVocabulary v = TestVocabulary.llamaLayout();
        int hi = v.piece("_hi", -1);
        v.piece("_", -100);
        v.piece("h", -10);
        v.piece("i", -10);
        v.piece("_h", -5);
        int tag = v.add("<t>", 0, TokenType.USER_DEFINED);
        int tagPair = v.add("<t><t>", 0, TokenType.USER_DEFINED);
        SentencePieceTokenizer t = v.tokenizer(true);
        // Text after a verbatim token gets the space prefix again (llama.cpp's is_prev_special).
        assertArrayEquals(new int[] {hi, tag, hi}, t.encode("hi<t>hi"));
        assertArrayEquals(new int[] {tagPair, tag, hi}, t.encode("<t><t><t>hi"));
        // ... so the round trip gains that space, as with llama.cpp.
        assertEquals("hi<t> hi", t.decode(t.encode("hi<t>hi")));
        assertEquals(TokenType.USER_DEFINED, t.tokenType(tag));
        assertFalse(t.isSpecial(tag));
    }

    @Test
    void leadingSpaceIsRemovedOnlyAtSequenceStartOrAfterBos() {
        TestVocabulary v = TestVocabulary.llamaLayout();
        int hi = v.piece("_hi", -1);
        int x = v.piece("x", -1);
        SentencePieceTokenizer t = v.tokenizer(true);
        assertEquals("hi", t.decodeToken(-1, hi));
        assertEquals("hi", t.decodeToken(TestVocabulary.BOS, hi));
        assertEquals(" hi", t.decodeToken(x, hi));
        assertEquals("", t.decodeToken(-1, TestVocabulary.BOS));
        assertEquals("", t.decodeToken(x, TestVocabulary.EOS));
        assertEquals("hi hi", t.decode(new int[] {TestVocabulary.BOS, hi, hi, TestVocabulary.EOS}));

        SentencePieceTokenizer noPrefix = v.tokenizer(false);
        assertEquals(" hi", noPrefix.decodeToken(-1, hi));
    }

    @Test
    void streamingAssemblesCharactersSplitAcrossByteTokens() {
        TestVocabulary v = TestVocabulary.llamaLayout();
        int x = v.piece("x", -1);
        SentencePieceTokenizer t = v.tokenizer(false);
        int[] ids = t.encode("x😀é");   // x F0 9F 98 80 C3 A9
        assertEquals(7, ids.length);

        StreamingDecoder decoder = t.streamingDecoder();
        assertEquals("x", decoder.accept(ids[0]));
        assertEquals("", decoder.accept(ids[1]));
        assertTrue(decoder.hasPending());
        assertEquals("", decoder.accept(ids[2]));
        assertEquals("", decoder.accept(ids[3]));
        assertEquals("😀", decoder.accept(ids[4]));
        assertEquals("", decoder.accept(ids[5]));
        assertEquals("é", decoder.accept(ids[6]));
        assertFalse(decoder.hasPending());
        assertEquals("", decoder.flush());

        // A character left unfinished at the end of the stream comes out as one replacement character.
        StreamingDecoder cut = t.streamingDecoder();
        assertEquals("", cut.accept(byteToken(0xE2)));
        assertEquals("", cut.accept(byteToken(0x82)));
        assertEquals("\uFFFD", cut.flush());
        // A stray continuation byte is emitted at once as U+FFFD rather than held forever.
        assertEquals("\uFFFDx", cut.accept(byteToken(0x82)) + cut.accept(x));
        // Per-token decoding cannot assemble: a lone lead byte shows as U+FFFD.
        assertEquals("\uFFFD", t.decodeToken(x, byteToken(0xE2)));
        assertArrayEquals(new byte[] {(byte) 0xE2}, t.tokenBytes(x, byteToken(0xE2)));
    }

    @Test
    void streamingContinuationKeepsTheLeadingSpace() {
        TestVocabulary v = TestVocabulary.llamaLayout();
        int hi = v.piece("_hi", -1);
        int x = v.piece("x", -1);
        SentencePieceTokenizer t = v.tokenizer(true);
        assertEquals(" hi", t.streamingDecoder(x).accept(hi));
        assertEquals("hi", t.streamingDecoder().accept(hi));
        assertEquals("hi", t.streamingDecoder(TestVocabulary.BOS).accept(hi));
    }

    @Test
    void invalidIdsAreRejectedWithTheirValue() {
        SentencePieceTokenizer t = TestVocabulary.llamaLayout().tokenizer(true);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> t.decode(new int[] {1, 9999}));
        assertTrue(e.getMessage().contains("9999") && e.getMessage().contains("259"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> t.decodeToken(-1, -5));
        assertThrows(IllegalArgumentException.class, () -> t.token(259));
        assertThrows(IllegalArgumentException.class, () -> t.isSpecial(-1));
    }

    @Test
    void malformedVocabulariesAreRejected() {
        TestVocabulary bad = TestVocabulary.specialsOnly();
        bad.add("<0xZZ>", 0, TokenType.BYTE);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> bad.tokenizer(true));
        assertTrue(e.getMessage().contains("<0xZZ>") && e.getMessage().contains("token 3"), e.getMessage());

        assertThrows(IllegalArgumentException.class,
                () -> new Vocabulary(List.of("a", "b"), new float[] {0}, new TokenType[] {TokenType.NORMAL, TokenType.NORMAL}));
        assertThrows(IllegalArgumentException.class,
                () -> new Vocabulary(List.of("a"), new float[] {Float.NaN}, new TokenType[] {TokenType.NORMAL}));
        assertThrows(IllegalArgumentException.class,
                () -> new Vocabulary(List.of(), new float[0], new TokenType[0]));
        Vocabulary one = new Vocabulary(List.of("a"), new float[] {0}, new TokenType[] {TokenType.NORMAL});
        e = assertThrows(IllegalArgumentException.class, () -> new SentencePieceTokenizer(one, 5, -1, -1, true, true, null));
        assertTrue(e.getMessage().contains("bos") && e.getMessage().contains("5"), e.getMessage());
        SentencePieceTokenizer noBos = new SentencePieceTokenizer(one, -1, -1, -1, true, true, null);
        assertThrows(IllegalStateException.class, () -> noBos.encode("a", true));
    }

    @Test
    void unpairedSurrogatesEncodeAsQuestionMark() {
        TestVocabulary v = TestVocabulary.llamaLayout();
        int q = v.piece("?", -1);
        SentencePieceTokenizer t = v.tokenizer(false);
        assertArrayEquals(new int[] {q, q}, t.encode("\uDC00\uD800"));
    }

    @Test
    void longInputsEncodeAndRoundTrip() {
        TestVocabulary v = TestVocabulary.llamaLayout();
        int a = v.piece("a", -10);
        int aa = v.piece("aa", -1);
        int aaaa = v.piece("aaaa", -2);
        v.piece("_", -3);
        SentencePieceTokenizer t = v.tokenizer(false);
        String text = "a".repeat(200_001);
        int[] ids = t.encode(text);
        assertEquals(50_001, ids.length);
        for (int i = 0; i < 50_000; i++) {
            assertEquals(aaaa, ids[i]);
        }
        assertEquals(a, ids[50_000]);
        assertEquals(text, t.decode(ids));
        assertTrue(aa > 0);
        String mixed = "ab é\n".repeat(20_000);
        assertEquals(mixed, t.decode(t.encode(mixed)));
        // per repetition: a, <0x62>, ▁, <0xC3> <0xA9>, <0x0A>
        assertEquals(6 * 20_000, t.encode(mixed).length);
    }
}
