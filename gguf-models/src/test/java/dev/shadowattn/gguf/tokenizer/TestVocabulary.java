package dev.shadowattn.gguf.tokenizer;

import java.util.ArrayList;
import java.util.List;

/**
 * Builds small hand-made vocabularies for tests. Ids follow insertion order; {@link #llamaLayout()} starts with the
 * Llama 2 layout: 0 {@code <unk>}, 1 {@code <s>}, 2 {@code </s>}, then the 256 byte tokens {@code <0x00>..<0xFF>}.
 */
final class TestVocabulary {

    static final int UNK = 0;
    static final int BOS = 1;
    static final int EOS = 2;

    private final List<String> tokens = new ArrayList<>();
    private final List<Float> scores = new ArrayList<>();
    private final List<TokenType> types = new ArrayList<>();

    /** The three special tokens and the byte tokens; the first normal piece gets id 259. */
    static TestVocabulary llamaLayout() {
        TestVocabulary v = specialsOnly();
        for (int b = 0; b < 256; b++) {
            v.add(String.format("<0x%02X>", b), 0f, TokenType.BYTE);
        }
        return v;
    }

    /** Only {@code <unk> <s> </s>}: no byte fallback. */
    static TestVocabulary specialsOnly() {
        TestVocabulary v = new TestVocabulary();
        v.add("<unk>", 0f, TokenType.UNKNOWN);
        v.add("<s>", 0f, TokenType.CONTROL);
        v.add("</s>", 0f, TokenType.CONTROL);
        return v;
    }

    /** Adds a token and returns its id. */
    int add(String text, float score, TokenType type) {
        tokens.add(text);
        scores.add(score);
        types.add(type);
        return tokens.size() - 1;
    }

    /** Adds a normal piece ({@code _} may be written for {@code ▁}) and returns its id. */
    int piece(String text, float score) {
        return add(text.replace('_', '\u2581'), score, TokenType.NORMAL);
    }

    Vocabulary build() {
        float[] s = new float[scores.size()];
        for (int i = 0; i < s.length; i++) {
            s[i] = scores.get(i);
        }
        return new Vocabulary(tokens, s, types.toArray(TokenType[]::new));
    }

    SentencePieceTokenizer tokenizer(boolean addSpacePrefix) {
        return new SentencePieceTokenizer(build(), BOS, EOS, UNK, true, addSpacePrefix, null);
    }
}
