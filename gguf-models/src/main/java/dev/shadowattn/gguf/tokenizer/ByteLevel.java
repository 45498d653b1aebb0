package dev.shadowattn.gguf.tokenizer;

import java.io.ByteArrayOutputStream;

/**
 * The byte-to-character alphabet of GPT-2's byte-level BPE ({@code bytes_to_unicode} in OpenAI's
 * {@code encoder.py}, {@code unicode_byte_to_utf8} in llama.cpp): every byte value stands for one printable code
 * point, so that token texts are readable strings. The bytes {@code '!'..'~'}, {@code '¡'..'¬'} and
 * {@code '®'..'ÿ'} stand for themselves; the other 68 bytes, in increasing order, for U+0100, U+0101, ... (so a
 * space, byte 0x20, is {@code 'Ġ'} U+0120 and a newline {@code 'Ċ'} U+010A).
 */
final class ByteLevel {

    private static final char[] BYTE_TO_CHAR = new char[256];
    private static final int[] CHAR_TO_BYTE = new int[324];   // code points below 0x144 -> byte, or -1

    static {
        java.util.Arrays.fill(CHAR_TO_BYTE, -1);
        int next = 0x100;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            char c = printable ? (char) b : (char) next++;
            BYTE_TO_CHAR[b] = c;
            CHAR_TO_BYTE[c] = b;
        }
    }

    private ByteLevel() {
    }

    /** The character that stands for byte {@code b} (0..255). */
    static char charOf(int b) {
        return BYTE_TO_CHAR[b];
    }

    /** The byte that code point {@code cp} stands for, or -1 if it is not in the alphabet. */
    static int byteOf(int cp) {
        return cp >= 0 && cp < CHAR_TO_BYTE.length ? CHAR_TO_BYTE[cp] : -1;
    }

    /**
     * The bytes a token text stands for: each character of the alphabet becomes its byte; a character outside it
     * (which a well-formed byte-level vocabulary never has in a normal token) is kept as its own UTF-8.
     */
    static byte[] decode(String text) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(text.length());
        for (int i = 0; i < text.length(); ) {
            int cp = text.codePointAt(i);
            int b = byteOf(cp);
            if (b >= 0) {
                out.write(b);
            } else {
                out.writeBytes(Character.toString(cp).getBytes(java.nio.charset.StandardCharsets.UTF_8));
            }
            i += Character.charCount(cp);
        }
        return out.toByteArray();
    }

    /** Whether every character of {@code text} is in the alphabet, so that {@link #decode} is exact. */
    static boolean isEncoded(String text) {
        for (int i = 0; i < text.length(); i++) {
            if (byteOf(text.charAt(i)) < 0) {
                return false;
            }
        }
        return true;
    }

    /** The text standing for {@code bytes[from, to)}: the inverse of {@link #decode} on the alphabet. */
    static String encode(byte[] bytes, int from, int to) {
        char[] chars = new char[to - from];
        for (int i = from; i < to; i++) {
            chars[i - from] = BYTE_TO_CHAR[bytes[i] & 0xFF];
        }
        return new String(chars);
    }
}
