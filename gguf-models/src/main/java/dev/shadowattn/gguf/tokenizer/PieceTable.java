package dev.shadowattn.gguf.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.function.IntPredicate;

/**
 * An immutable hash table from the UTF-8 text of tokens to their ids, queried with a byte range so that looking up
 * a candidate merge allocates nothing. Open addressing with linear probing over a power-of-two table.
 */
final class PieceTable {

    private final byte[] text;       // UTF-8 of every token, concatenated by id
    private final int[] textStart;   // token id -> start in text; textStart[id + 1] is its end
    private final int[] slots;       // token id, or -1 for an empty slot
    private final int mask;
    private final int maxLength;

    /** A table of the tokens of {@code vocabulary} accepted by {@code include}; of equal texts the last id wins. */
    PieceTable(Vocabulary vocabulary, IntPredicate include) {
        int n = vocabulary.size();
        byte[][] utf8 = new byte[n][];
        textStart = new int[n + 1];
        int count = 0;
        for (int id = 0; id < n; id++) {
            utf8[id] = vocabulary.token(id).getBytes(StandardCharsets.UTF_8);
            textStart[id + 1] = textStart[id] + utf8[id].length;
            if (include.test(id)) {
                count++;
            }
        }
        text = new byte[textStart[n]];
        for (int id = 0; id < n; id++) {
            System.arraycopy(utf8[id], 0, text, textStart[id], utf8[id].length);
        }
        int capacity = Integer.highestOneBit(Math.max(4, count * 2 + 1) - 1) << 1;
        slots = new int[capacity];
        Arrays.fill(slots, -1);
        mask = capacity - 1;
        int longest = 0;
        for (int id = 0; id < n; id++) {
            if (!include.test(id)) {
                continue;
            }
            int start = textStart[id];
            int length = textStart[id + 1] - start;
            longest = Math.max(longest, length);
            int slot = hash(text, start, length) & mask;
            while (slots[slot] >= 0 && !sameText(slots[slot], text, start, length)) {
                slot = (slot + 1) & mask;
            }
            slots[slot] = id;
        }
        maxLength = longest;
    }

    /** The id of the token whose text is {@code bytes[offset, offset + length)}, or -1. */
    int find(byte[] bytes, int offset, int length) {
        if (length > maxLength) {
            return -1;
        }
        int slot = hash(bytes, offset, length) & mask;
        int id;
        while ((id = slots[slot]) >= 0) {
            if (sameText(id, bytes, offset, length)) {
                return id;
            }
            slot = (slot + 1) & mask;
        }
        return -1;
    }

    /** The length in bytes of the longest text in the table. */
    int maxLength() {
        return maxLength;
    }

    private boolean sameText(int id, byte[] bytes, int offset, int length) {
        int start = textStart[id];
        return textStart[id + 1] - start == length
                && Arrays.equals(text, start, start + length, bytes, offset, offset + length);
    }

    /** FNV-1a over the bytes, with a final avalanche so that the low bits used as slot index are well mixed. */
    private static int hash(byte[] bytes, int offset, int length) {
        int h = 0x811C9DC5;
        for (int i = offset, end = offset + length; i < end; i++) {
            h = (h ^ (bytes[i] & 0xFF)) * 0x01000193;
        }
        h ^= h >>> 16;
        h *= 0x85EBCA6B;
        return h ^ h >>> 13;
    }
}
