package dev.shadowattn.host.chat;

import dev.shadowattn.gguf.tokenizer.SpecialTokens;
import dev.shadowattn.gguf.tokenizer.Tokenizer;

import java.util.Arrays;

/**
 * Builds the tokens of templated chat text from special tokens, named by their text, and plain text. Consecutive
 * text is encoded in one piece, as llama.cpp encodes the text between two special tokens of a rendered template;
 * special-token texts inside it stay text unless {@code parseSpecial} (then they become their tokens, as if they
 * were markup). Not thread-safe; one per rendering.
 */
final class Markup {

    private final Tokenizer tokenizer;
    private final SpecialTokens special;
    private final boolean parseSpecial;
    private final StringBuilder text = new StringBuilder();
    private int[] tokens = new int[16];
    private int size;

    Markup(Tokenizer tokenizer, SpecialTokens special, boolean parseSpecial) {
        this.tokenizer = tokenizer;
        this.special = special;
        this.parseSpecial = parseSpecial;
    }

    /** Appends the beginning-of-sequence token. */
    Markup bos() {
        flush();
        add(tokenizer.bos());
        return this;
    }

    /** Appends the special token whose text is {@code tokenText}; IllegalArgumentException if there is none. */
    Markup special(String tokenText) {
        flush();
        add(special.require(tokenText));
        return this;
    }

    /** Appends plain text. */
    Markup text(String s) {
        text.append(s);
        return this;
    }

    int[] tokens() {
        flush();
        return Arrays.copyOf(tokens, size);
    }

    private void flush() {
        if (!text.isEmpty()) {
            String s = text.toString();
            for (int t : parseSpecial ? special.encode(s, false) : tokenizer.encode(s)) {
                add(t);
            }
            text.setLength(0);
        }
    }

    private void add(int token) {
        if (size == tokens.length) {
            tokens = Arrays.copyOf(tokens, size * 2);
        }
        tokens[size++] = token;
    }
}
