package dev.shadowattn.gguf.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;

/**
 * Turns a stream of tokens into text as it is generated. Byte-fallback tokens ({@code <0xE2> <0x96> <0x81>})
 * carry a character in several pieces; the decoder holds back the bytes of an unfinished UTF-8 character until the
 * token completing it arrives, so every returned string is whole characters. Not thread-safe: one per stream.
 */
public final class StreamingDecoder {

    private final Tokenizer tokenizer;
    private byte[] pending = new byte[16];
    private int pendingLength;
    private int previous;

    /** @param previousToken the token before the stream (-1 when the stream starts a sequence) */
    public StreamingDecoder(Tokenizer tokenizer, int previousToken) {
        this.tokenizer = Objects.requireNonNull(tokenizer, "tokenizer");
        this.previous = previousToken;
    }

    /**
     * Feeds the next token and returns the text it completes: empty while a character is still unfinished,
     * otherwise that character and everything after it up to the end of this token.
     */
    public String accept(int token) {
        byte[] piece = tokenizer.tokenBytes(previous, token);
        previous = token;
        if (pendingLength + piece.length > pending.length) {
            pending = Arrays.copyOf(pending, Math.max(pending.length * 2, pendingLength + piece.length));
        }
        System.arraycopy(piece, 0, pending, pendingLength, piece.length);
        pendingLength += piece.length;
        int complete = Utf8.completePrefixLength(pending, pendingLength);
        if (complete == 0) {
            return "";
        }
        String text = new String(pending, 0, complete, StandardCharsets.UTF_8);
        System.arraycopy(pending, complete, pending, 0, pendingLength - complete);
        pendingLength -= complete;
        return text;
    }

    /** Whether bytes of an unfinished character are held back. */
    public boolean hasPending() {
        return pendingLength > 0;
    }

    /** Ends the stream: returns the held-back bytes of an unfinished character as U+FFFD (or "") and clears them. */
    public String flush() {
        String text = new String(pending, 0, pendingLength, StandardCharsets.UTF_8);
        pendingLength = 0;
        return text;
    }
}
