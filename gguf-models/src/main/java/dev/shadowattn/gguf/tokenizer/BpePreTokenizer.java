package dev.shadowattn.gguf.tokenizer;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The pre-tokenizers of byte-level BPE vocabularies, named by GGUF {@code tokenizer.ggml.pre}: they cut text into
 * words, and BPE merges never cross a word boundary. Each constant also carries the vocabulary settings that
 * llama.cpp ({@code llama-vocab.cpp}, {@code llama_vocab::impl::load}) ties to the pre-tokenizer type.
 *
 * <p>Llama 3 and Qwen2 use the regular expression of their {@code tokenizer.json}, which differ only in the longest
 * run of digits kept together:
 * <pre>
 *   (?i:'s|'t|'re|'ve|'m|'ll|'d) | [^\r\n\p{L}\p{N}]?\p{L}+ | \p{N}{1,3} | ' '?[^\s\p{L}\p{N}]+[\r\n]*
 *     | \s*[\r\n]+ | \s+(?!\S) | \s+                                    (Llama 3; Qwen2 has \p{N} alone)
 * </pre>
 * SmolLM first makes every digit a word of its own ({@code \p{N}}), then cuts the text between digits with GPT-2's
 * expression:
 * <pre>
 *   's|'t|'re|'ve|'m|'ll|'d | ' '?\p{L}+ | ' '?\p{N}+ | ' '?[^\s\p{L}\p{N}]+ | \s+(?!\S)
 * </pre>
 * where a character no alternative matches (a lone white space before a non-space) is a word by itself, as in
 * llama.cpp. Matching is leftmost-first, as a backtracking engine does (Llama 3's contraction case folding is
 * ASCII-only, GPT-2's contractions are lower case). The expressions are implemented as hand-written scanners, like
 * llama.cpp's {@code unicode_regex_split_custom_llama3} and {@code _gpt2}: {@code \p{L}} is Unicode general
 * category L, {@code \p{N}} category N, {@code \s} the Unicode White_Space property.
 */
enum BpePreTokenizer {

    /** Llama 3.x: digits in runs of up to three; a word that is itself a token skips merging; BOS by default. */
    LLAMA3(3, true, true, "llama-bpe", "llama3", "llama-v3"),
    /** Qwen2, Qwen2.5, Qwen3: one token per digit; no BOS by default. */
    QWEN2(1, false, false, "qwen2", "deepseek-r1-qwen"),
    /** SmolLM, SmolLM2: one word per digit, GPT-2's expression between digits; no BOS by default. */
    SMOLLM(1, false, false, "smollm") {
        @Override
        void split(CharSequence text, int from, int to, WordSink sink) {
            int i = from;
            while (i < to) {
                int cp = codePoint(text, i, to);
                if (kind(cp) == NUMBER) {
                    sink.word(i, i + Character.charCount(cp));
                    i += Character.charCount(cp);
                    continue;
                }
                int runEnd = i;
                while (runEnd < to && kind(cp = codePoint(text, runEnd, to)) != NUMBER) {
                    runEnd += Character.charCount(cp);
                }
                for (int j = i; j < runEnd; ) {
                    int end = gpt2WordEnd(text, j, runEnd);
                    sink.word(j, end);
                    j = end;
                }
                i = runEnd;
            }
        }
    };

    /** GGUF key naming the pre-tokenizer. */
    static final String KEY = "tokenizer.ggml.pre";

    private static final byte LETTER = 0;
    private static final byte NUMBER = 1;
    private static final byte SPACE = 2;
    private static final byte OTHER = 3;
    private static final byte[] ASCII_KIND = new byte[128];

    static {
        for (int c = 0; c < 128; c++) {
            ASCII_KIND[c] = kindOf(c);
        }
    }

    private final int maxDigits;
    private final boolean ignoreMerges;
    private final boolean addBosByDefault;
    private final List<String> ggufNames;

    BpePreTokenizer(int maxDigits, boolean ignoreMerges, boolean addBosByDefault, String... ggufNames) {
        this.maxDigits = maxDigits;
        this.ignoreMerges = ignoreMerges;
        this.addBosByDefault = addBosByDefault;
        this.ggufNames = List.of(ggufNames);
    }

    /** The pre-tokenizer named {@code name}; an unknown name fails naming it, the file and the supported ones. */
    static BpePreTokenizer of(String name, Path file) {
        for (BpePreTokenizer p : values()) {
            if (p.ggufNames.contains(name)) {
                return p;
            }
        }
        throw new IllegalArgumentException(file + ": byte-level BPE tokenizer ('gpt2') with unsupported pre-tokenizer '"
                + name + "' (metadata '" + KEY + "'); supported: " + supportedNames());
    }

    static String supportedNames() {
        return Arrays.stream(values()).flatMap(p -> p.ggufNames.stream())
                .map(n -> "'" + n + "'").collect(Collectors.joining(", "));
    }

    /** The names {@code tokenizer.ggml.pre} may have for this pre-tokenizer. */
    List<String> ggufNames() {
        return ggufNames;
    }

    /**
     * Whether a word that is itself a vocabulary token becomes that token without merging (llama.cpp's
     * {@code ignore_merges}, Hugging Face's {@code BPE.ignore_merges}).
     */
    boolean ignoreMerges() {
        return ignoreMerges;
    }

    /** Whether a prompt starts with BOS when the file has no {@code tokenizer.ggml.add_bos_token}. */
    boolean addBosByDefault() {
        return addBosByDefault;
    }

    /** Receives the words of a text as char ranges {@code [start, end)}. */
    @FunctionalInterface
    interface WordSink {
        void word(int start, int end);
    }

    /** Hands the words of {@code text[from, to)} to {@code sink}, in order; together they cover it exactly. */
    void split(CharSequence text, int from, int to, WordSink sink) {
        for (int i = from; i < to; ) {
            int end = wordEnd(text, i, to);
            sink.word(i, end);
            i = end;
        }
    }

    /** The end of the word starting at {@code i} by the Llama 3 / Qwen2 expression, for text ending at {@code end}. */
    int wordEnd(CharSequence s, int i, int end) {
        int c = codePoint(s, i, end);
        int afterC = i + Character.charCount(c);
        // 'S 'T 'RE 'VE 'M 'LL 'D, ASCII case-insensitive
        if (c == '\'' && afterC < end) {
            int c1 = s.charAt(afterC) | 0x20;
            if (c1 == 's' || c1 == 't' || c1 == 'm' || c1 == 'd') {
                return afterC + 1;
            }
            if (afterC + 1 < end) {
                int c2 = s.charAt(afterC + 1) | 0x20;
                if ((c1 == 'r' || c1 == 'v') && c2 == 'e' || c1 == 'l' && c2 == 'l') {
                    return afterC + 2;
                }
            }
        }
        int kind = kind(c);
        // [^\r\n\p{L}\p{N}]?\p{L}+
        if (kind == LETTER) {
            return skip(s, afterC, end, LETTER);
        }
        if (kind != NUMBER && c != '\r' && c != '\n' && afterC < end && kind(codePoint(s, afterC, end)) == LETTER) {
            return skip(s, afterC, end, LETTER);
        }
        // \p{N}{1,maxDigits}
        if (kind == NUMBER) {
            int j = afterC;
            for (int digits = 1; digits < maxDigits && j < end; digits++) {
                int d = codePoint(s, j, end);
                if (kind(d) != NUMBER) {
                    break;
                }
                j += Character.charCount(d);
            }
            return j;
        }
        // ' '?[^\s\p{L}\p{N}]+[\r\n]*
        int p = c == ' ' && afterC < end ? afterC : i;
        if (kind(codePoint(s, p, end)) == OTHER) {
            int j = skip(s, p, end, OTHER);
            while (j < end && isNewline(s.charAt(j))) {
                j++;
            }
            return j;
        }
        // c is white space from here on.
        int runEnd = skip(s, i, end, SPACE);
        // \s*[\r\n]+ : up to the last line break of the run
        for (int j = runEnd - 1; j >= i; j--) {
            if (isNewline(s.charAt(j))) {
                return j + 1;
            }
        }
        // \s+(?!\S) : the run but its last character when a non-space follows; \s+ : a single space character
        if (runEnd == end) {
            return runEnd;
        }
        int last = runEnd - Character.charCount(Character.codePointBefore(s, runEnd));
        return last > i ? last : runEnd;
    }

    /** The end of the word starting at {@code i} by GPT-2's expression, for text ending at {@code end}. */
    static int gpt2WordEnd(CharSequence s, int i, int end) {
        int c = codePoint(s, i, end);
        int afterC = i + Character.charCount(c);
        // 's 't 're 've 'm 'll 'd, lower case only
        if (c == '\'' && afterC < end) {
            char c1 = s.charAt(afterC);
            if (c1 == 's' || c1 == 't' || c1 == 'm' || c1 == 'd') {
                return afterC + 1;
            }
            if (afterC + 1 < end) {
                char c2 = s.charAt(afterC + 1);
                if ((c1 == 'r' || c1 == 'v') && c2 == 'e' || c1 == 'l' && c2 == 'l') {
                    return afterC + 2;
                }
            }
        }
        // ' '?\p{L}+ | ' '?\p{N}+ | ' '?[^\s\p{L}\p{N}]+ : the class of the character after an optional space
        int p = c == ' ' && afterC < end ? afterC : i;
        byte kind = kind(codePoint(s, p, end));
        if (kind != SPACE) {
            return skip(s, p, end, kind);
        }
        // \s+(?!\S): the run, but its last character when a non-space follows; a lone space character stands alone
        int runEnd = skip(s, i, end, SPACE);
        if (runEnd == end) {
            return runEnd;
        }
        int last = runEnd - Character.charCount(Character.codePointBefore(s, runEnd));
        return last > i ? last : runEnd;
    }

    private static boolean isNewline(char c) {
        return c == '\r' || c == '\n';
    }

    /** The end of the run of code points of {@code kind} starting at {@code j}. */
    private static int skip(CharSequence s, int j, int end, byte kind) {
        while (j < end) {
            char ch = s.charAt(j);
            if (ch < 128) {
                if (ASCII_KIND[ch] != kind) {
                    break;
                }
                j++;
            } else {
                int cp = codePoint(s, j, end);
                if (kindOf(cp) != kind) {
                    break;
                }
                j += Character.charCount(cp);
            }
        }
        return j;
    }

    private static int codePoint(CharSequence s, int i, int end) {
        char c = s.charAt(i);
        if (Character.isHighSurrogate(c) && i + 1 < end && Character.isLowSurrogate(s.charAt(i + 1))) {
            return Character.toCodePoint(c, s.charAt(i + 1));
        }
        return c;
    }

    private static byte kind(int cp) {
        return cp < 128 ? ASCII_KIND[cp] : kindOf(cp);
    }

    private static byte kindOf(int cp) {
        if (isWhiteSpace(cp)) {
            return SPACE;
        }
        return switch (Character.getType(cp)) {
            case Character.UPPERCASE_LETTER, Character.LOWERCASE_LETTER, Character.TITLECASE_LETTER,
                 Character.MODIFIER_LETTER, Character.OTHER_LETTER -> LETTER;
            case Character.DECIMAL_DIGIT_NUMBER, Character.LETTER_NUMBER, Character.OTHER_NUMBER -> NUMBER;
            default -> OTHER;
        };
    }

    /** The Unicode White_Space property (PropList.txt), which regex {@code \s} means in Unicode mode. */
    static boolean isWhiteSpace(int cp) {
        return (cp >= 0x09 && cp <= 0x0D) || cp == 0x20 || cp == 0x85 || cp == 0xA0 || cp == 0x1680
                || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F
                || cp == 0x205F || cp == 0x3000;
    }
}
