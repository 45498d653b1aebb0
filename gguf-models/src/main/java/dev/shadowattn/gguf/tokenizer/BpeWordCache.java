package dev.shadowattn.gguf.tokenizer;

import java.util.Arrays;

/**
 * The tokens of words already merged during one {@code encode} call (Hugging Face's BPE keeps such a cache too):
 * long texts repeat their words, and a hit costs one hash of the word instead of the merge's lookups in the large
 * rank table. Bounded: words up to {@link #MAX_WORD} bytes, at most {@link #MAX_ENTRIES} of them, the first ones
 * seen kept. Open addressing over a power-of-two table. Not thread-safe: one per encoding.
 */
final class BpeWordCache {

    static final int MAX_WORD = 32;
    static final int MAX_ENTRIES = 1 << 12;

    private final int[] slots = new int[MAX_ENTRIES * 2];   // entry index + 1, 0 when empty
    private final int mask = slots.length - 1;
    private final int[] keyStart = new int[MAX_ENTRIES];
    private final int[] tokenStart = new int[MAX_ENTRIES + 1];
    private final byte[] keyLength = new byte[MAX_ENTRIES];
    private byte[] keys = new byte[MAX_ENTRIES * 8];
    private int[] tokens = new int[MAX_ENTRIES * 2];
    private int entries;
    private int keyBytes;

    /**
     * Appends the cached tokens of word {@code bytes[offset, offset+length)} to {@code session} and returns true, or
     * returns false if the word is not cached.
     */
    boolean appendTo(byte[] bytes, int offset, int length, BpeEncoder.Session session) {
        if (length > MAX_WORD) {
            return false;
        }
        int slot = hash(bytes, offset, length) & mask;
        int e;
        while ((e = slots[slot] - 1) >= 0) {
            if (keyLength[e] == length
                    && Arrays.equals(keys, keyStart[e], keyStart[e] + length, bytes, offset, offset + length)) {
                for (int i = tokenStart[e]; i < tokenStart[e + 1]; i++) {
                    session.add(tokens[i]);
                }
                return true;
            }
            slot = (slot + 1) & mask;
        }
        return false;
    }

    /** Remembers that the word {@code bytes[offset, offset+length)} encodes to {@code ids[from, to)}. */
    void put(byte[] bytes, int offset, int length, int[] ids, int from, int to) {
        if (length > MAX_WORD || entries == MAX_ENTRIES) {
            return;
        }
        int slot = hash(bytes, offset, length) & mask;
        while (slots[slot] != 0) {
            slot = (slot + 1) & mask;
        }
        int e = entries++;
        slots[slot] = e + 1;
        if (keyBytes + length > keys.length) {
            keys = Arrays.copyOf(keys, Math.max(keys.length * 2, keyBytes + length));
        }
        System.arraycopy(bytes, offset, keys, keyBytes, length);
        keyStart[e] = keyBytes;
        keyLength[e] = (byte) length;
        keyBytes += length;
        int count = to - from;
        if (tokenStart[e] + count > tokens.length) {
            tokens = Arrays.copyOf(tokens, Math.max(tokens.length * 2, tokenStart[e] + count));
        }
        System.arraycopy(ids, from, tokens, tokenStart[e], count);
        tokenStart[e + 1] = tokenStart[e] + count;
    }

    /** FNV-1a with a final avalanche. */
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
