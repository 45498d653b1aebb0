package dev.shadowattn.gguf.tokenizer;

import java.util.Arrays;

/**
 * The work queue of the SentencePiece merge: a binary max-heap of candidate bigrams ordered by score, highest
 * first, ties broken by the leftmost position (llama.cpp's {@code llm_bigram_spm::comparator}).
 *
 * <p>Each entry is packed into one long so that comparisons are a single signed compare: the high 32 bits hold the
 * score mapped to an int of the same order, the low 32 bits the complement of the left symbol index (so that a
 * smaller index compares greater). The byte length of the merged text rides along in a parallel array; it lets the
 * merge loop recognise entries made stale by an earlier merge.
 */
final class BigramQueue {

    private long[] keys;
    private int[] lengths;
    private int size;
    private int poppedLength;

    BigramQueue(int initialCapacity) {
        keys = new long[Math.max(4, initialCapacity)];
        lengths = new int[keys.length];
    }

    boolean isEmpty() {
        return size == 0;
    }

    /** Adds the bigram starting at symbol {@code left} whose merged text has {@code length} bytes. */
    void push(float score, int left, int length) {
        if (size == keys.length) {
            keys = Arrays.copyOf(keys, size * 2);
            lengths = Arrays.copyOf(lengths, size * 2);
        }
        long key = (long) orderedBits(score) << 32 | (~left & 0xFFFF_FFFFL);
        int i = size++;
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            if (keys[parent] >= key) {
                break;
            }
            keys[i] = keys[parent];
            lengths[i] = lengths[parent];
            i = parent;
        }
        keys[i] = key;
        lengths[i] = length;
    }

    /** Removes the best bigram and returns its left symbol index; {@link #poppedLength()} gives its byte length. */
    int pop() {
        long top = keys[0];
        poppedLength = lengths[0];
        long key = keys[--size];
        int length = lengths[size];
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
            lengths[i] = lengths[child];
            i = child;
        }
        keys[i] = key;
        lengths[i] = length;
        return ~(int) top;
    }

    /** The byte length of the bigram last returned by {@link #pop()}. */
    int poppedLength() {
        return poppedLength;
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
