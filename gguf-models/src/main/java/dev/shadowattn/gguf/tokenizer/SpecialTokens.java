package dev.shadowattn.gguf.tokenizer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.stream.IntStream;

/**
 * The special tokens of a vocabulary (control, user-defined and unknown tokens: {@code <|begin_of_text|>},
 * {@code <|im_start|>}), found by their text. {@link Tokenizer#encode} treats control-token texts in its input
 * as plain text, which is what user text needs; templated text, whose markup is special tokens, is encoded here
 * instead, with their texts recognized (llama.cpp's {@code parse_special = true}): the text is cut at every
 * occurrence of a special token's text (longest first), and the fragments in between are encoded by the
 * tokenizer, each on its own, as llama.cpp does for byte-level BPE. Immutable.
 */
public final class SpecialTokens {

    private final Tokenizer tokenizer;
    private final Map<String, Integer> ids = new HashMap<>();
    private final TextFragments fragments;   // null when there is no special token

    private SpecialTokens(Tokenizer tokenizer) {
        this.tokenizer = tokenizer;
        int n = tokenizer.vocabularySize();
        int[] special = IntStream.range(0, n).filter(id -> isSpecialType(tokenizer.tokenType(id))).toArray();
        for (int id : special) {
            ids.put(tokenizer.token(id), id);   // of equal texts the last id wins
        }
        if (special.length == 0) {
            fragments = null;
        } else {
            List<String> texts = IntStream.range(0, n).mapToObj(tokenizer::token).toList();
            TokenType[] types = IntStream.range(0, n).mapToObj(tokenizer::tokenType).toArray(TokenType[]::new);
            fragments = new TextFragments(new Vocabulary(texts, new float[n], types), special);
        }
    }

    /** The special tokens of {@code tokenizer}'s vocabulary. */
    public static SpecialTokens of(Tokenizer tokenizer) {
        return new SpecialTokens(Objects.requireNonNull(tokenizer, "tokenizer"));
    }

    private static boolean isSpecialType(TokenType type) {
        return type == TokenType.CONTROL || type == TokenType.USER_DEFINED || type == TokenType.UNKNOWN;
    }

    /** The id of the special token whose text is {@code text}, if there is one. */
    public OptionalInt find(String text) {
        Integer id = ids.get(text);
        return id == null ? OptionalInt.empty() : OptionalInt.of(id);
    }

    /** The id of the special token whose text is {@code text}; IllegalArgumentException naming it if none. */
    public int require(String text) {
        return find(text).orElseThrow(() -> new IllegalArgumentException(
                "the vocabulary has no special token '" + text + "'"));
    }

    /** The tokens of {@code text} with special-token texts recognized, preceded by BOS when {@code addBos}. */
    public int[] encode(String text, boolean addBos) {
        Objects.requireNonNull(text, "text");
        List<int[]> parts = new ArrayList<>();
        parts.add(addBos ? tokenizer.encode("", true) : new int[0]);
        if (!text.isEmpty() && fragments == null) {
            parts.add(tokenizer.encode(text));
        } else if (!text.isEmpty()) {
            for (TextFragments.Fragment f : fragments.split(text)) {
                parts.add(f.isText() ? tokenizer.encode(text.substring(f.start(), f.end())) : new int[] {f.token()});
            }
        }
        return parts.stream().flatMapToInt(Arrays::stream).toArray();
    }
}
