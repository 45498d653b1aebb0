package dev.shadowattn.gguf.tokenizer;

import java.util.Arrays;

/**
 * For two pieces, the piece their concatenation spells, if any: {@code (left id, right id) -> merged id}. It
 * answers the SentencePiece merge's question "is left + right a piece?" with one probe of a table of longs,
 * instead of hashing and comparing the concatenated bytes.
 *
 * <p>Built from every split of every piece at a UTF-8 character boundary into two pieces; since the text of a
 * piece is unique in {@link PieceTable}, a pair is in this table exactly when its concatenated text is a piece.
 * The table also records which single-character pieces stand next to each other anywhere inside a piece
 * ({@link #ADJACENT}): two characters never adjacent in any piece ({@link #NONE}) can never be joined by a merge.
 *
 * <p>An entry packs {@code left << 42 | right << 21 | value} (ids below 2^21), with -1 marking an empty slot.
 */
final class MergeTable {

    /** Ids must be below this. */
    static final int MAX_TOKENS = (1 << 21) - 1;
    /** No entry: not a piece, and for two single characters, not adjacent inside any piece either. */
    static final int NONE = -1;
    /** Two single-character pieces that are adjacent inside some piece but do not form a piece. */
    static final int ADJACENT = -2;

    private static final int ID_BITS = 21;
    private static final long ID_MASK = (1L << ID_BITS) - 1;
    private static final int ADJACENT_VALUE = (int) ID_MASK;   // stored form of ADJACENT

    private final long[] slots;
    private final int mask;
    private final boolean charactersArePieces;

    /** The merges among the pieces of {@code pieces}, whose token texts come from {@code vocabulary}. */
    MergeTable(Vocabulary vocabulary, PieceTable pieces) {
        if (vocabulary.size() > MAX_TOKENS) {
            throw new IllegalArgumentException("vocabulary of " + vocabulary.size()
                    + " tokens is too large for the SentencePiece merge table (at most " + MAX_TOKENS + ")");
        }
        long[] merges = new long[64];
        int mergeCount = 0;
        long[] adjacent = new long[64];
        int adjacentCount = 0;
        boolean allCharactersArePieces = true;
        for (int id = 0; id < vocabulary.size(); id++) {
            byte[] text = Utf8.bytes(vocabulary.token(id));
            if (pieces.find(text, 0, text.length) != id) {
                continue;   // not a piece (excluded type, or a duplicate text owned by another id)
            }
            int previousCharacter = -1;
            for (int k = 0; k < text.length; ) {
                int length = Math.min(Utf8.sequenceLength(text[k]), text.length - k);
                int character = pieces.find(text, k, length);
                allCharactersArePieces &= character >= 0;
                if (previousCharacter >= 0 && character >= 0) {
                    adjacent = grow(adjacent, adjacentCount);
                    adjacent[adjacentCount++] = pack(previousCharacter, character, ADJACENT_VALUE);
                }
                previousCharacter = character;
                if (k > 0) {
                    int left = pieces.find(text, 0, k);
                    int right = left < 0 ? -1 : pieces.find(text, k, text.length - k);
                    if (right >= 0) {
                        merges = grow(merges, mergeCount);
                        merges[mergeCount++] = pack(left, right, id);
                    }
                }
                k += length;
            }
        }
        charactersArePieces = allCharactersArePieces;
        int capacity = Integer.highestOneBit(Math.max(4, (mergeCount + adjacentCount) * 2 + 1) - 1) << 1;
        slots = new long[capacity];
        Arrays.fill(slots, -1L);
        mask = capacity - 1;
        for (int i = 0; i < mergeCount; i++) {
            slots[slotOf(merges[i] >>> ID_BITS)] = merges[i];
        }
        for (int i = 0; i < adjacentCount; i++) {
            int slot = slotOf(adjacent[i] >>> ID_BITS);
            if (slots[slot] == -1L) {   // a merge entry for the same pair says more; keep it
                slots[slot] = adjacent[i];
            }
        }
    }

    /**
     * The id of the piece spelled by piece {@code left} followed by piece {@code right}; otherwise {@link #ADJACENT}
     * or {@link #NONE} (which only distinguish pairs of single-character pieces).
     */
    int find(int left, int right) {
        long key = (long) left << ID_BITS | right;
        int slot = (int) ((key * 0x9E3779B97F4A7C15L) >>> 32) & mask;
        long entry;
        while ((entry = slots[slot]) != -1L) {
            if (entry >>> ID_BITS == key) {
                int value = (int) (entry & ID_MASK);
                return value == ADJACENT_VALUE ? ADJACENT : value;
            }
            slot = (slot + 1) & mask;
        }
        return NONE;
    }

    /**
     * Whether every character of every piece is a piece by itself (true of trained SentencePiece models). Then a
     * character that is no piece occurs in no piece at all, and no merge can involve it.
     */
    boolean charactersArePieces() {
        return charactersArePieces;
    }

    /** The slot holding {@code key}, or the empty slot where it belongs. */
    private int slotOf(long key) {
        int slot = (int) ((key * 0x9E3779B97F4A7C15L) >>> 32) & mask;
        while (slots[slot] != -1L && slots[slot] >>> ID_BITS != key) {
            slot = (slot + 1) & mask;
        }
        return slot;
    }

    private static long pack(int left, int right, int value) {
        return ((long) left << ID_BITS | right) << ID_BITS | value;
    }

    private static long[] grow(long[] array, int count) {
        return count < array.length ? array : Arrays.copyOf(array, count * 2);
    }
}
