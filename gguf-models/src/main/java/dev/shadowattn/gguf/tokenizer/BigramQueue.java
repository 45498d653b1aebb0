package dev.shadowattn.gguf.tokenizer;

import java.util.Arrays;

/**
 * The work queue of the SentencePiece merge: a binary max-heap of candidate bigrams ordered by score, highest
 * first, ties broken by the leftmost position (llama.cpp's {@code llm_bigram_spm::comparator}).
 *
 * <p>Each entry is packed into one long so that comparisons are a single signed compare: the high 32 bits hold the
 * score mapped to an int of the same order, the low 32 bits the complement of the left symbol index (so that a
 * smaller index compares greater). The id of the piece the merge would form rides along in a parallel array.
 */
final class BigramQueue {

    private long[] keys;
    private int[] pieces;
    private int size;
    private int poppedPiece;

    BigramQueue(int initialCapacity) {
        keys = new long[Math.max(4, initialCapacity)];
        pieces = new int[keys.length];
    }

    boolean isEmpty() {
        return size == 0;
    }

    /** Adds the bigram starting at symbol {@code left} that would form piece {@code piece} of score {@code score}. */
    void push(float score, int left, int piece) {
        if (size == keys.length) {
            keys = Arrays.copyOf(keys, size * 2);
            pieces = Arrays.copyOf(pieces, size * 2);
        }
        long key = (long) orderedBits(score) << 32 | (~left & 0xFFFF_FFFFL);
        int i = size++;
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            if (keys[parent] >= key) {
                break;
            }
            keys[i] = keys[parent];
            pieces[i] = pieces[parent];
            i = parent;
        }
        keys[i] = key;
        pieces[i] = piece;
    }

    /** Removes the best bigram and returns its left symbol index; {@link #poppedPiece()} gives its piece. */
    int pop() {
        long top = keys[0];
        poppedPiece = pieces[0];
        long key = keys[--size];
        int piece = pieces[size];
        int i = 0;
        int half = size >>> 1;
        while (i < half) {
            int child = 2 * i + 1;
            if (child + 1 < size && keys[child + 1] > keys[child]) {
                child++;
            }
            if (key >= keys[child]) {
                break;
            }
            keys[i] = keys[child];
            pieces[i] = pieces[child];
            i = child;
        }
        keys[i] = key;
        pieces[i] = piece;
        return ~(int) top;
    }

    /** The piece of the bigram last returned by {@link #pop()}. */
    int poppedPiece() {
        return poppedPiece;
    }

    /**
     * An int whose signed order equals the numeric order of {@code score} (NaN excluded by the vocabulary);
     * -0.0 is folded onto 0.0 so that they tie, as with C's {@code <}.
     */
    private static int orderedBits(float score) {
        int bits = Float.floatToRawIntBits(score + 0.0f);
        return bits ^ ((bits >> 31) & 0x7FFF_FFFF);
    }
}
