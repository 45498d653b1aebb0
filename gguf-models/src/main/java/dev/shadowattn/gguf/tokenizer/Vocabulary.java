package dev.shadowattn.gguf.tokenizer;

import dev.shadowattn.gguf.GgufFormatException;
import dev.shadowattn.gguf.GgufMetadata;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * The token table of a tokenizer: for each id its text, score and {@link TokenType}. Immutable.
 *
 * <p>GGUF keys (llama.cpp's {@code gguf-py/gguf/constants.py}): {@code tokenizer.ggml.tokens} (array of string,
 * required), {@code tokenizer.ggml.scores} (array of float32, optional: all 0 when absent),
 * {@code tokenizer.ggml.token_type} (array of int32 codes, optional: all {@link TokenType#NORMAL} when absent).
 */
public final class Vocabulary {

    public static final String KEY_TOKENS = "tokenizer.ggml.tokens";
    public static final String KEY_SCORES = "tokenizer.ggml.scores";
    public static final String KEY_TOKEN_TYPE = "tokenizer.ggml.token_type";

    private final String[] tokens;
    private final float[] scores;
    private final TokenType[] types;

    /**
     * @param tokens the text of each token, by id
     * @param scores the score of each token (SentencePiece: log-probability, higher merges first), no NaN
     * @param types  the type of each token
     */
    public Vocabulary(List<String> tokens, float[] scores, TokenType[] types) {
        this.tokens = tokens.toArray(String[]::new);
        this.scores = scores.clone();
        this.types = types.clone();
        if (this.tokens.length == 0) {
            throw new IllegalArgumentException("empty vocabulary");
        }
        if (this.scores.length != this.tokens.length || this.types.length != this.tokens.length) {
            throw new IllegalArgumentException("vocabulary arrays differ in length: " + this.tokens.length
                    + " tokens, " + this.scores.length + " scores, " + this.types.length + " types");
        }
        for (int i = 0; i < this.tokens.length; i++) {
            Objects.requireNonNull(this.tokens[i], "token " + i);
            Objects.requireNonNull(this.types[i], "type of token " + i);
            if (Float.isNaN(this.scores[i])) {
                throw new IllegalArgumentException("score of token " + i + " is NaN");
            }
        }
    }

    /** Reads the vocabulary from GGUF metadata; {@code file} names the source in error messages. */
    public static Vocabulary fromGguf(GgufMetadata metadata, Path file) {
        if (!metadata.contains(KEY_TOKENS)) {
            throw new GgufFormatException(file, "metadata '" + KEY_TOKENS + "'", "missing: the file has no tokenizer");
        }
        List<String> tokens = metadata.getStringArray(KEY_TOKENS);
        int n = tokens.size();
        if (n == 0) {
            throw new GgufFormatException(file, "metadata '" + KEY_TOKENS + "'", "empty vocabulary");
        }
        float[] scores = new float[n];
        if (metadata.contains(KEY_SCORES)) {
            scores = metadata.getFloatArray(KEY_SCORES);
            requireLength(file, KEY_SCORES, scores.length, n);
            for (int i = 0; i < n; i++) {
                if (Float.isNaN(scores[i])) {
                    throw new GgufFormatException(file, "metadata '" + KEY_SCORES + "'", "element " + i + " is NaN");
                }
            }
        }
        TokenType[] types = new TokenType[n];
        if (metadata.contains(KEY_TOKEN_TYPE)) {
            int[] codes = metadata.getIntArray(KEY_TOKEN_TYPE);
            requireLength(file, KEY_TOKEN_TYPE, codes.length, n);
            for (int i = 0; i < n; i++) {
                try {
                    types[i] = TokenType.fromCode(codes[i]);
                } catch (IllegalArgumentException e) {
                    throw new GgufFormatException(file, "metadata '" + KEY_TOKEN_TYPE + "'",
                            "element " + i + ": " + e.getMessage(), e);
                }
            }
        } else {
            Arrays.fill(types, TokenType.NORMAL);
        }
        return new Vocabulary(tokens, scores, types);
    }

    private static void requireLength(Path file, String key, int length, int expected) {
        if (length != expected) {
            throw new GgufFormatException(file, "metadata '" + key + "'",
                    "has " + length + " elements but '" + KEY_TOKENS + "' has " + expected);
        }
    }

    /** Number of tokens; ids are {@code 0 .. size()-1}. */
    public int size() {
        return tokens.length;
    }

    public String token(int id) {
        return tokens[checkId(id)];
    }

    public float score(int id) {
        return scores[checkId(id)];
    }

    public TokenType type(int id) {
        return types[checkId(id)];
    }

    /** Returns {@code id}, or throws IllegalArgumentException when it is not a token id of this vocabulary. */
    public int checkId(int id) {
        if (id < 0 || id >= tokens.length) {
            throw new IllegalArgumentException("token id " + id + " outside the vocabulary [0, " + tokens.length + ")");
        }
        return id;
    }
}
