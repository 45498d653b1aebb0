package dev.shadowattn.gguf.tokenizer;

import java.nio.charset.StandardCharsets;

/** UTF-8 helpers shared by the tokenizers: splitting into characters, SentencePiece escaping, stream completion. */
final class Utf8 {

    /** SentencePiece's meta symbol for a space, U+2581 LOWER ONE EIGHTH BLOCK, in UTF-8. */
    static final byte[] SPACE_SYMBOL = {(byte) 0xE2, (byte) 0x96, (byte) 0x81};

    private Utf8() {
    }

    /**
     * The length of the UTF-8 sequence introduced by byte {@code b}, judged from its high four bits only (as
     * llama.cpp's {@code unicode_len_utf8}): 1 for ASCII and for stray continuation bytes, 2, 3 or 4 otherwise.
     */
    static int sequenceLength(byte b) {
        int high = (b & 0xFF) >>> 4;
        return high < 0xC ? 1 : high < 0xE ? 2 : high == 0xE ? 3 : 4;
    }

    /** The UTF-8 encoding of {@code text}. */
    static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    /** The length of the UTF-8 encoding of {@code text}, unpaired surrogates counting as one byte ('?'). */
    static int length(String text) {
        int length = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < 0x80) {
                length++;
            } else if (c < 0x800) {
                length += 2;
            } else if (Character.isHighSurrogate(c) && i + 1 < text.length()
                    && Character.isLowSurrogate(text.charAt(i + 1))) {
                length += 4;
                i++;
            } else {
                length += Character.isSurrogate(c) ? 1 : 3;
            }
        }
        return length;
    }

    /**
     * UTF-8 of {@code text[from, to)} with every space U+0020 replaced by U+2581, preceded by one U+2581 when
     * {@code spacePrefix}. Unpaired surrogates become '?', as in {@link String#getBytes}.
     */
    static byte[] escapeSpaces(String text, int from, int to, boolean spacePrefix) {
        long length = spacePrefix ? SPACE_SYMBOL.length : 0;
        for (int i = from; i < to; i++) {
            char c = text.charAt(i);
            if (c < 0x80) {
                length += c == ' ' ? SPACE_SYMBOL.length : 1;
            } else if (c < 0x800) {
                length += 2;
            } else if (Character.isHighSurrogate(c) && i + 1 < to && Character.isLowSurrogate(text.charAt(i + 1))) {
                length += 4;
                i++;
            } else {
                length += Character.isSurrogate(c) ? 1 : 3;
            }
        }
        if (length > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException("text too long to tokenize: " + (to - from) + " chars, "
                    + length + " bytes of UTF-8");
        }
        byte[] out = new byte[(int) length];
        int p = 0;
        if (spacePrefix) {
            p = putSpaceSymbol(out, p);
        }
        for (int i = from; i < to; i++) {
            char c = text.charAt(i);
            if (c < 0x80) {
                if (c == ' ') {
                    p = putSpaceSymbol(out, p);
                } else {
                    out[p++] = (byte) c;
                }
            } else if (c < 0x800) {
                out[p++] = (byte) (0xC0 | c >>> 6);
                out[p++] = (byte) (0x80 | c & 0x3F);
            } else if (Character.isHighSurrogate(c) && i + 1 < to && Character.isLowSurrogate(text.charAt(i + 1))) {
                int cp = Character.toCodePoint(c, text.charAt(++i));
                out[p++] = (byte) (0xF0 | cp >>> 18);
                out[p++] = (byte) (0x80 | cp >>> 12 & 0x3F);
                out[p++] = (byte) (0x80 | cp >>> 6 & 0x3F);
                out[p++] = (byte) (0x80 | cp & 0x3F);
            } else if (Character.isSurrogate(c)) {
                out[p++] = '?';
            } else {
                out[p++] = (byte) (0xE0 | c >>> 12);
                out[p++] = (byte) (0x80 | c >>> 6 & 0x3F);
                out[p++] = (byte) (0x80 | c & 0x3F);
            }
        }
        assert p == length;
        return out;
    }

    private static int putSpaceSymbol(byte[] out, int p) {
        out[p] = SPACE_SYMBOL[0];
        out[p + 1] = SPACE_SYMBOL[1];
        out[p + 2] = SPACE_SYMBOL[2];
        return p + SPACE_SYMBOL.length;
    }

    /**
     * The length of the longest prefix of {@code bytes[0, length)} that does not end inside an unfinished UTF-8
     * sequence: the bytes after it are a lead byte of a multi-byte sequence followed by fewer continuation bytes
     * than it announces (RFC 3629 section 4). Malformed bytes count as complete (they decode to U+FFFD).
     */
    static int completePrefixLength(byte[] bytes, int length) {
        int i = length - 1;
        int continuations = 0;
        while (i >= 0 && continuations < 3 && (bytes[i] & 0xC0) == 0x80) {
            i--;
            continuations++;
        }
        if (i < 0) {
            return length;
        }
        int lead = bytes[i] & 0xFF;
        int expected = lead >= 0xC2 && lead <= 0xDF ? 2
                : lead >= 0xE0 && lead <= 0xEF ? 3
                : lead >= 0xF0 && lead <= 0xF4 ? 4
                : 1;
        return expected > 1 && length - i < expected ? i : length;
    }
}
