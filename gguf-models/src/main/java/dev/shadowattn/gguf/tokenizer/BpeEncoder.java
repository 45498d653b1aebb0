package dev.shadowattn.gguf.tokenizer;

import java.util.Arrays;

/**
 * The byte-level BPE merge of one word (the bytes of one pre-tokenizer match), as done by llama.cpp's
 * {@code llm_tokenizer_bpe_session} and Hugging Face's {@code tokenizers} BPE model:
 * <ol>
 *   <li>with {@code ignoreMerges}, a word that is itself a token becomes that token;</li>
 *   <li>otherwise each byte is a symbol, kept in a doubly linked list, and every adjacent pair that a merge rule
 *       joins is queued with the rule's rank;</li>
 *   <li>the pair of lowest rank (then leftmost) is merged into its left symbol and the pairs it forms with its new
 *       neighbours are queued; a popped pair whose symbols changed since it was queued is skipped;</li>
 *   <li>each remaining symbol becomes its token, or, if no token spells it, one token per byte.</li>
 * </ol>
 * Each step costs O(log n) in the queue, so a word of n bytes takes O(n log n), never rescans of the word.
 * Immutable; the scratch lives in a {@link Session}, one per encoding, which may also cache the tokens of words
 * already merged ({@link BpeWordCache}).
 */
final class BpeEncoder {

    private final BpeModel model;
    private final boolean ignoreMerges;

    BpeEncoder(BpeModel model, boolean ignoreMerges) {
        this.model = model;
        this.ignoreMerges = ignoreMerges;
    }

    /** Scratch for encoding, reused across words and grown as needed; the tokens accumulate in it. */
    static final class Session {
        private int[] symbol = new int[64];   // symbol id; -1 once merged into the symbol on its left
        private int[] prev = new int[64];
        private int[] next = new int[64];
        private final BpeRankQueue queue = new BpeRankQueue(64);
        private byte[] bytes = new byte[64];
        private int[] tokens;
        private int size;
        private final BpeWordCache cache;   // null for short texts, which repeat few words

        /** @param cacheWords whether to remember the tokens of merged words (worth it for long texts) */
        Session(int expectedTokens, boolean cacheWords) {
            tokens = new int[Math.max(16, expectedTokens)];
            cache = cacheWords ? new BpeWordCache() : null;
        }

        void add(int token) {
            if (size == tokens.length) {
                tokens = Arrays.copyOf(tokens, size * 2);
            }
            tokens[size++] = token;
        }

        /** A scratch byte array of at least {@code capacity} bytes for the caller to put a word in. */
        byte[] byteBuffer(int capacity) {
            if (bytes.length < capacity) {
                bytes = new byte[Math.max(capacity, 2 * bytes.length)];
            }
            return bytes;
        }

        int[] tokens() {
            return Arrays.copyOf(tokens, size);
        }

        private void ensureSymbols(int n) {
            if (symbol.length < n) {
                int capacity = Math.max(n, symbol.length * 2);
                symbol = new int[capacity];
                prev = new int[capacity];
                next = new int[capacity];
            }
        }
    }

    /** Appends the tokens of the word {@code bytes[offset, offset+n)} ({@code n > 0}) to the session. */
    void encodeWord(byte[] bytes, int offset, int n, Session s) {
        if (n == 1) {
            s.add(model.byteToken(bytes[offset] & 0xFF));
            return;
        }
        BpeWordCache cache = s.cache;
        if (cache != null && cache.appendTo(bytes, offset, n, s)) {
            return;
        }
        int first = s.size;
        int whole = ignoreMerges ? model.wordToken(bytes, offset, n) : -1;
        if (whole >= 0) {
            s.add(whole);
        } else {
            merge(bytes, offset, n, s);
        }
        if (cache != null) {
            cache.put(bytes, offset, n, s.tokens, first, s.size);
        }
    }

    /** The merge proper of a word of two or more bytes. */
    private void merge(byte[] bytes, int offset, int n, Session s) {
        s.ensureSymbols(n);
        int[] symbol = s.symbol, prev = s.prev, next = s.next;
        for (int i = 0; i < n; i++) {
            symbol[i] = model.byteToken(bytes[offset + i] & 0xFF);
            prev[i] = i - 1;
            next[i] = i + 1;
        }
        next[n - 1] = -1;
        BpeRankQueue queue = s.queue;
        queue.clear();
        for (int i = 0; i + 1 < n; i++) {
            offer(queue, symbol, i, i + 1);
        }
        while (!queue.isEmpty()) {
            long entry = queue.pop();
            int rank = BpeRankQueue.rank(entry);
            int left = BpeRankQueue.left(entry);
            int right = next[left];
            // Stale if the left symbol was absorbed or either symbol grew since the pair was queued (a live
            // left symbol that kept its id still has the same right neighbour).
            if (right < 0 || symbol[left] != model.mergeLeft(rank) || symbol[right] != model.mergeRight(rank)) {
                continue;
            }
            symbol[left] = model.mergeResult(rank);
            symbol[right] = -1;
            int after = next[right];
            next[left] = after;
            if (after >= 0) {
                prev[after] = left;
            }
            if (prev[left] >= 0) {
                offer(queue, symbol, prev[left], left);
            }
            if (after >= 0) {
                offer(queue, symbol, left, after);
            }
        }
        for (int i = 0; i >= 0; i = next[i]) {
            emit(symbol[i], s);
        }
    }

    private void offer(BpeRankQueue queue, int[] symbol, int left, int right) {
        int rank = model.rank(symbol[left], symbol[right]);
        if (rank >= 0) {
            queue.push(rank, left);
        }
    }

    /** A symbol's token, or the tokens of its bytes when no token spells it. */
    private void emit(int symbol, Session s) {
        if (symbol < model.vocabularySize()) {
            s.add(symbol);
        } else {
            for (byte b : model.syntheticBytes(symbol)) {
                s.add(model.byteToken(b & 0xFF));
            }
        }
    }
}
