package dev.shadowattn.gguf.tokenizer;

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The merge rules of a byte-level BPE vocabulary (GGUF {@code tokenizer.ggml.merges}: strings {@code "A B"} in
 * rank order, A and B token texts in the {@link ByteLevel} alphabet), turned into tables over ids so that merging
 * compares ints instead of strings.
 *
 * <p>Symbols. During a merge every symbol spells some byte string; a symbol id names that string: the id of the
 * token spelling it when there is one, otherwise an id at or above the vocabulary size assigned here to a merge
 * result that is no token (llama.cpp keeps merging such a symbol by its text and, at the end, spells it in
 * single-byte tokens). The strings a symbol can spell are single bytes and merge results, and each has one id, so
 * merging by ids is merging by text. Texts are looked up as llama.cpp's {@code token_to_id} does: among tokens of
 * equal text the last id wins, and every token type takes part.
 *
 * <p>Immutable and thread-safe.
 */
final class BpeModel {

    private static final int SYMBOL_BITS = 21;
    private static final int RANK_BITS = 22;
    /** Symbol ids are below this (the all-ones id is never used, so no entry equals the empty marker -1). */
    static final int MAX_SYMBOLS = 1 << SYMBOL_BITS;
    /** Merge ranks are below this. */
    static final int MAX_RANKS = 1 << RANK_BITS;

    private final int vocabularySize;
    private final int[] byteTokens = new int[256];  // byte -> token spelling it
    private final int[] mergeLeft;                  // rank -> left symbol id, or -1 for a merge that can never apply
    private final int[] mergeRight;                 // rank -> right symbol id
    private final int[] mergeResult;                // rank -> symbol id of the concatenation
    private final long[] pairs;                     // open addressing: left << 43 | right << 22 | rank, -1 if empty
    private final int pairMask;
    private final byte[][] syntheticBytes;          // symbol id - vocabularySize -> the bytes it spells

    // Whole-word lookup (ignore_merges): the bytes of every token whose text is in the alphabet.
    private final byte[] wordText;
    private final int[] wordStart;                  // token id -> start in wordText
    private final int[] wordLength;                 // token id -> length in bytes; -1 if not in the alphabet
    private final int[] wordSlots;                  // open addressing over token ids, -1 when empty
    private final int wordMask;
    private final int longestWord;

    /**
     * @param tokens the token texts by id
     * @param merges the merge rules by rank
     * @throws IllegalArgumentException naming the rule or byte at fault: a rule without a space, or a byte with no
     *                                  token
     */
    BpeModel(List<String> tokens, List<String> merges) {
        this.vocabularySize = tokens.size();
        Map<String, Integer> ids = new HashMap<>(tokens.size() * 2);
        for (int id = 0; id < tokens.size(); id++) {
            ids.put(tokens.get(id), id);
        }
        StringBuilder missing = new StringBuilder();
        for (int b = 0; b < 256; b++) {
            Integer id = ids.get(String.valueOf(ByteLevel.charOf(b)));
            byteTokens[b] = id == null ? -1 : id;
            if (id == null) {
                missing.append(missing.isEmpty() ? "" : ", ").append(String.format("0x%02X", b));
            }
        }
        if (!missing.isEmpty()) {
            throw new IllegalArgumentException("a byte-level vocabulary needs a token for every byte; none for " + missing);
        }

        int n = merges.size();
        String[] lefts = new String[n];
        String[] rights = new String[n];
        Map<String, Integer> synthetic = new HashMap<>();
        mergeResult = new int[n];
        for (int rank = 0; rank < n; rank++) {
            String rule = merges.get(rank);
            int space = rule.indexOf(' ', 1);
            if (space < 0) {
                throw new IllegalArgumentException("merge " + rank + " '" + rule + "' is not two texts separated by a space");
            }
            lefts[rank] = rule.substring(0, space);
            rights[rank] = rule.substring(space + 1);
            String result = lefts[rank] + rights[rank];
            Integer id = ids.get(result);
            if (id == null) {
                id = synthetic.computeIfAbsent(result, t -> vocabularySize + synthetic.size());
            }
            mergeResult[rank] = id;
        }
        syntheticBytes = new byte[synthetic.size()][];
        synthetic.forEach((text, id) -> syntheticBytes[id - vocabularySize] = ByteLevel.decode(text));

        if (vocabularySize + synthetic.size() >= MAX_SYMBOLS || n > MAX_RANKS) {
            throw new IllegalArgumentException("too large for the merge table: " + vocabularySize + " tokens and "
                    + synthetic.size() + " other merge results (at most " + (MAX_SYMBOLS - 1) + "), " + n
                    + " merges (at most " + MAX_RANKS + ")");
        }
        mergeLeft = new int[n];
        mergeRight = new int[n];
        int capacity = Integer.highestOneBit(Math.max(4, n * 2 + 1) - 1) << 1;
        pairs = new long[capacity];
        Arrays.fill(pairs, -1L);
        pairMask = capacity - 1;
        for (int rank = 0; rank < n; rank++) {
            int left = symbolId(ids, synthetic, lefts[rank]);
            int right = symbolId(ids, synthetic, rights[rank]);
            mergeLeft[rank] = left;
            mergeRight[rank] = right;
            if (left < 0 || right < 0) {
                continue;   // a part no merge can produce: the rule never applies
            }
            long key = pairKey(left, right);
            int slot = mix(key) & pairMask;
            while (pairs[slot] != -1L && pairs[slot] >>> RANK_BITS != key) {
                slot = (slot + 1) & pairMask;
            }
            if (pairs[slot] == -1L) {   // of duplicate rules the first (lowest rank) wins, as in llama.cpp
                pairs[slot] = key << RANK_BITS | rank;
            }
        }

        // Whole-word table.
        wordStart = new int[vocabularySize];
        wordLength = new int[vocabularySize];
        byte[][] bytes = new byte[vocabularySize][];
        int total = 0;
        int count = 0;
        int longest = 0;
        for (int id = 0; id < vocabularySize; id++) {
            String text = tokens.get(id);
            if (!text.isEmpty() && ByteLevel.isEncoded(text) && ids.get(text) == id) {
                bytes[id] = ByteLevel.decode(text);
                total += bytes[id].length;
                longest = Math.max(longest, bytes[id].length);
                count++;
            }
        }
        wordText = new byte[total];
        int position = 0;
        for (int id = 0; id < vocabularySize; id++) {
            wordStart[id] = position;
            wordLength[id] = bytes[id] == null ? -1 : bytes[id].length;
            if (bytes[id] != null) {
                System.arraycopy(bytes[id], 0, wordText, position, bytes[id].length);
                position += bytes[id].length;
            }
        }
        int wordCapacity = Integer.highestOneBit(Math.max(4, count * 2 + 1) - 1) << 1;
        wordSlots = new int[wordCapacity];
        Arrays.fill(wordSlots, -1);
        wordMask = wordCapacity - 1;
        for (int id = 0; id < vocabularySize; id++) {
            if (bytes[id] != null) {
                int slot = hash(bytes[id], 0, bytes[id].length) & wordMask;
                while (wordSlots[slot] >= 0) {
                    slot = (slot + 1) & wordMask;
                }
                wordSlots[slot] = id;
            }
        }
        longestWord = longest;
    }

    private static int symbolId(Map<String, Integer> ids, Map<String, Integer> synthetic, String text) {
        Integer id = ids.get(text);
        if (id == null) {
            id = synthetic.get(text);
        }
        return id == null ? -1 : id;
    }

    int vocabularySize() {
        return vocabularySize;
    }

    /** Number of merge rules (ranks are {@code 0 .. mergeCount()-1}). */
    int mergeCount() {
        return mergeResult.length;
    }

    /** The token spelling byte {@code b} (0..255). */
    int byteToken(int b) {
        return byteTokens[b];
    }

    /** The rank of the rule merging symbols {@code left} and {@code right}, or -1 if there is none. */
    int rank(int left, int right) {
        long key = pairKey(left, right);
        int slot = mix(key) & pairMask;
        long entry;
        while ((entry = pairs[slot]) != -1L) {
            if (entry >>> RANK_BITS == key) {
                return (int) (entry & (MAX_RANKS - 1));
            }
            slot = (slot + 1) & pairMask;
        }
        return -1;
    }

    /** Both symbols in 42 bits; with the rank in the low 22 bits a table entry is one long (one cache miss). */
    private static long pairKey(int left, int right) {
        return (long) left << SYMBOL_BITS | right;
    }

    int mergeLeft(int rank) {
        return mergeLeft[rank];
    }

    int mergeRight(int rank) {
        return mergeRight[rank];
    }

    int mergeResult(int rank) {
        return mergeResult[rank];
    }

    /** The bytes a symbol that is no token spells ({@code symbol >= vocabularySize()}). */
    byte[] syntheticBytes(int symbol) {
        return syntheticBytes[symbol - vocabularySize];
    }

    /** The token whose text spells exactly {@code bytes[offset, offset+length)}, or -1. */
    int wordToken(byte[] bytes, int offset, int length) {
        if (length > longestWord) {
            return -1;
        }
        int slot = hash(bytes, offset, length) & wordMask;
        int id;
        while ((id = wordSlots[slot]) >= 0) {
            int start = wordStart[id];
            if (wordLength[id] == length && Arrays.equals(wordText, start, start + length, bytes, offset, offset + length)) {
                return id;
            }
            slot = (slot + 1) & wordMask;
        }
        return -1;
    }

    /** MurmurHash3's 64-bit finalizer: every key bit affects the low bits used as slot index. */
    private static int mix(long key) {
        long h = key ^ key >>> 33;
        h *= 0xFF51AFD7ED558CCDL;
        return (int) (h ^ h >>> 33);
    }

    /** FNV-1a with a final avalanche, so the low bits used as slot index are well mixed. */
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
