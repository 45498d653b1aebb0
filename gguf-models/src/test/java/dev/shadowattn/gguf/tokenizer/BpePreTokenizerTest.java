package dev.shadowattn.gguf.tokenizer;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The hand-written pre-tokenizer scanners against the regular expressions they implement, run by
 * {@link java.util.regex} (a backtracking engine, leftmost-first like the Rust {@code fancy-regex} of
 * {@code tokenizers}) on random text drawn from characters of every class the expressions distinguish.
 */
class BpePreTokenizerTest {

    /** The expression of Llama 3's tokenizer.json, with {@code \s} spelled as the White_Space property. */
    static final String LLAMA3_REGEX = "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])"
            + "|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\p{IsWhite_Space}\\p{L}\\p{N}]+[\\r\\n]*"
            + "|\\p{IsWhite_Space}*[\\r\\n]+|\\p{IsWhite_Space}+(?!\\P{IsWhite_Space})|\\p{IsWhite_Space}+";

    private static final String[] ALPHABET = {
            "a", "b", "s", "S", "t", "T", "r", "e", "E", "v", "m", "l", "L", "d", "D", "é", "Ä", "中", "ǅ", "ʰ",
            "\uD835\uDD18",                          // MATHEMATICAL FRAKTUR CAPITAL U: a letter outside the BMP
            "0", "7", "٣", "²", "Ⅻ",                 // Nd, Nd (Arabic-Indic), No, Nl
            " ", " ", "  ", "\t", "\n", "\r", "\r\n", "\u00A0", "\u3000", "\u2028", "\u0085", "\u000B",
            "'", "'", "!", ".", ",", "-", "«", "\u0301", "🦙", "\uD83D", "$"
    };

    /** GPT-2's expression (SmolLM applies it between digits). */
    static final String GPT2_REGEX = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\p{IsWhite_Space}\\p{L}\\p{N}]+"
            + "|\\p{IsWhite_Space}+(?!\\P{IsWhite_Space})";

    /** The words of {@code text} by the expressions {@code pre} stands for, run by java.util.regex. */
    static List<String> regexWords(BpePreTokenizer pre, String text) {
        return switch (pre) {
            case LLAMA3 -> regexWords(Pattern.compile(LLAMA3_REGEX), text);
            case QWEN2 -> regexWords(Pattern.compile(LLAMA3_REGEX.replace("\\p{N}{1,3}", "\\p{N}")), text);
            case SMOLLM -> {
                // llama.cpp applies its expressions in turn, each to the pieces the previous one left.
                List<String> words = new ArrayList<>();
                for (String piece : regexPieces(Pattern.compile("\\p{N}"), text)) {
                    words.addAll(regexPieces(Pattern.compile(GPT2_REGEX), piece));
                }
                yield words;
            }
        };
    }

    @ParameterizedTest
    @EnumSource(BpePreTokenizer.class)
    void scannerEqualsRegex(BpePreTokenizer pre) {
        Random random = new Random(42 + pre.ordinal());
        for (int round = 0; round < 3000; round++) {
            StringBuilder b = new StringBuilder();
            int length = random.nextInt(24);
            for (int i = 0; i < length; i++) {
                b.append(ALPHABET[random.nextInt(ALPHABET.length)]);
            }
            String text = b.toString();
            assertEquals(regexWords(pre, text), scannerWords(pre, text), () -> "text " + VocabTestCases.visible(text));
        }
    }

    @Test
    void knownSplits() {
        assertEquals(List.of("Hello", ",", " world", "'s", " ", "123", "456", "7", "   \n\n", "\t", " ok", "!!\n"),
                scannerWords(BpePreTokenizer.LLAMA3, "Hello, world's 1234567   \n\n\t ok!!\n"));
        assertEquals(List.of("a", "1", "2", "3", " '", "ll", "'LL", "'x"),
                scannerWords(BpePreTokenizer.QWEN2, "a123 'll'LL'x"));
        assertEquals(List.of(" ", " 🦙.", "cpp"), scannerWords(BpePreTokenizer.LLAMA3, "  🦙.cpp"));
        assertEquals(List.of("Hello", ",", " world", "'s", " ", "1", "2", "3", " I", "'", "M", "\t", "ok", "   \n\n"),
                scannerWords(BpePreTokenizer.SMOLLM, "Hello, world's 123 I'M\tok   \n\n"));
    }

    @Test
    void splitsOnlyTheGivenRange() {
        List<String> words = new ArrayList<>();
        String text = "xx hello worldyy";
        BpePreTokenizer.LLAMA3.split(text, 2, 14, (s, e) -> words.add(text.substring(s, e)));
        assertEquals(List.of(" hello", " world"), words);
    }

    @Test
    void namesAndSettings() {
        Path file = Path.of("m.gguf");
        assertSame(BpePreTokenizer.LLAMA3, BpePreTokenizer.of("llama-bpe", file));
        assertSame(BpePreTokenizer.QWEN2, BpePreTokenizer.of("qwen2", file));
        assertSame(BpePreTokenizer.SMOLLM, BpePreTokenizer.of("smollm", file));
        assertTrue(BpePreTokenizer.LLAMA3.ignoreMerges() && BpePreTokenizer.LLAMA3.addBosByDefault());
        assertFalse(BpePreTokenizer.QWEN2.ignoreMerges() || BpePreTokenizer.QWEN2.addBosByDefault());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> BpePreTokenizer.of("gpt-4o", file));
        assertTrue(e.getMessage().contains("'gpt-4o'") && e.getMessage().contains("m.gguf")
                && e.getMessage().contains("'llama-bpe'") && e.getMessage().contains("'qwen2'"), e.getMessage());
    }

    @Test
    void whiteSpaceIsTheUnicodeProperty() {
        Pattern white = Pattern.compile("\\p{IsWhite_Space}");
        for (int cp = 0; cp < 0x3100; cp++) {
            assertEquals(white.matcher(Character.toString(cp)).matches(), BpePreTokenizer.isWhiteSpace(cp), "U+" + Integer.toHexString(cp));
        }
    }

    static List<String> scannerWords(BpePreTokenizer pre, String text) {
        List<String> words = new ArrayList<>();
        pre.split(text, 0, text.length(), (s, e) -> words.add(text.substring(s, e)));
        return words;
    }

    /** The matches of {@code regex} in {@code text}, and each stretch of text between them, in order. */
    static List<String> regexPieces(Pattern regex, String text) {
        List<String> pieces = new ArrayList<>();
        Matcher m = regex.matcher(text);
        int end = 0;
        while (m.find()) {
            if (m.start() > end) {
                pieces.add(text.substring(end, m.start()));
            }
            if (m.end() > m.start()) {
                pieces.add(m.group());
            }
            end = m.end();
        }
        if (end < text.length()) {
            pieces.add(text.substring(end));
        }
        return pieces;
    }

    static List<String> regexWords(Pattern regex, String text) {
        List<String> words = new ArrayList<>();
        Matcher m = regex.matcher(text);
        int end = 0;
        while (m.find()) {
            assertEquals(end, m.start(), "the expression leaves no character unmatched");
            words.add(m.group());
            end = m.end();
        }
        assertEquals(text.length(), end);
        return words;
    }
}
