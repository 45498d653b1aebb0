package dev.shadowattn.gguf.tokenizer;

import java.util.Arrays;

/**
 * The work queue of the byte-level BPE merge: a binary min-heap of candidate pairs ordered by merge rank, lowest
 * first, ties broken by the leftmost position (llama.cpp's {@code llm_bigram_bpe::comparator}). An entry is one
 * long, {@code rank << 32 | left}, so ordering is a single compare; the rank identifies the merge, whose parts the
 * merger re-checks when the entry is popped.
 */
final class BpeRankQueue {

    private long[] heap;
    private int size;

    BpeRankQueue(int initialCapacity) {
        heap = new long[Math.max(4, initialCapacity)];
    }

    boolean isEmpty() {
        return size == 0;
    }

    void clear() {
        size = 0;
    }

    /** Adds the pair whose left symbol is at index {@code left} (non-negative), merged by merge {@code rank}. */
    void push(int rank, int left) {
        if (size == heap.length) {
            heap = Arrays.copyOf(heap, size * 2);
        }
        long entry = (long) rank << 32 | left;
        int i = size++;
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            if (heap[parent] <= entry) {
                break;
            }
            heap[i] = heap[parent];
            i = parent;
        }
        heap[i] = entry;
    }

    /** Removes the best entry and returns it: {@link #rank} and {@link #left} unpack it. Queue must not be empty. */
    long pop() {
        long top = heap[0];
        long last = heap[--size];
        int i = 0;
        int half = size >>> 1;
        while (i < half) {
            int child = 2 * i + 1;
            if (child + 1 < size && heap[child + 1] < heap[child]) {
                child++;
            }
            if (last <= heap[child]) {
                break;
            }
            heap[i] = heap[child];
            i = child;
        }
        heap[i] = last;
        return top;
    }

    static int rank(long entry) {
        return (int) (entry >>> 32);
    }

    static int left(long entry) {
        return (int) entry;
    }
}
