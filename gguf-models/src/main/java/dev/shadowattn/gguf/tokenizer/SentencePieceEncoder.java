package dev.shadowattn.gguf.tokenizer;

/**
 * The SentencePiece BPE segmentation of one piece of escaped text (spaces already replaced by U+2581), as done by
 * SentencePiece's {@code bpe_model.cc} and llama.cpp's {@code llm_tokenizer_spm_session}:
 * <ol>
 *   <li>the UTF-8 text is split into characters, the initial symbols, kept in a doubly linked list;</li>
 *   <li>every adjacent pair whose concatenation is a vocabulary piece is queued with that piece's score;</li>
 *   <li>the best pair (highest score, then leftmost) is merged into its left symbol, and the pairs it forms with
 *       its new neighbours are queued; queued pairs invalidated by earlier merges are skipped when popped;</li>
 *   <li>each remaining symbol becomes its token; a symbol that is no piece (a character absent from the
 *       vocabulary) becomes one byte token {@code <0xNN>} per UTF-8 byte (byte fallback), or the unknown token
 *       when the vocabulary lacks byte tokens.</li>
 * </ol>
 * Only normal and user-defined pieces take part (SentencePiece's {@code pieces_}); control, unknown, unused and
 * byte tokens are never formed from text. Immutable and thread-safe; each call works on its own scratch arrays.
 */
final class SentencePieceEncoder {

    private final PieceTable pieces;
    private final float[] scores;      // by token id
    private final int[] byteTokens;    // byte value -> token id, or -1
    private final int unknown;         // unknown token id, or -1

    /**
     * @param pieces     the pieces that text may be segmented into
     * @param scores     merge priority of each token id
     * @param byteTokens for each byte value its fallback token id, or -1
     * @param unknown    the unknown token id, or -1
     */
    SentencePieceEncoder(PieceTable pieces, float[] scores, int[] byteTokens, int unknown) {
        this.pieces = pieces;
        this.scores = scores;
        this.byteTokens = byteTokens;
        this.unknown = unknown;
    }

    /**
     * Appends the tokens of {@code text} to {@code out} from {@code position} and returns the position after them.
     * At most {@code text.length} tokens are appended.
     */
    int encode(byte[] text, int[] out, int position) {
        int n = 0;
        int[] start = new int[text.length];
        int[] length = new int[text.length];
        for (int offset = 0; offset < text.length; n++) {
            start[n] = offset;
            length[n] = Math.min(Utf8.sequenceLength(text[offset]), text.length - offset);
            offset += length[n];
        }
        if (n == 0) {
            return position;
        }
        int[] prev = new int[n];
        int[] next = new int[n];
        for (int i = 0; i < n; i++) {
            prev[i] = i - 1;
            next[i] = i + 1 < n ? i + 1 : -1;
        }

        BigramQueue queue = new BigramQueue(n);
        for (int i = 1; i < n; i++) {
            offer(queue, text, start, length, i - 1, i);
        }
        while (!queue.isEmpty()) {
            int left = queue.pop();
            int right = next[left];
            // Stale if the left symbol was absorbed, or either side grew since the pair was queued: the
            // pair's merged length no longer matches (symbols only grow, and a symbol's start never moves).
            if (length[left] == 0 || right < 0 || length[left] + length[right] != queue.poppedLength()) {
                continue;
            }
            length[left] += length[right];
            length[right] = 0;
            next[left] = next[right];
            if (next[right] >= 0) {
                prev[next[right]] = left;
            }
            offer(queue, text, start, length, prev[left], left);
            offer(queue, text, start, length, left, next[left]);
        }

        for (int i = 0; i >= 0; i = next[i]) {
            int id = pieces.find(text, start[i], length[i]);
            if (id >= 0) {
                out[position++] = id;
            } else {
                position = fallback(text, start[i], length[i], out, position);
            }
        }
        return position;
    }

    private void offer(BigramQueue queue, byte[] text, int[] start, int[] length, int left, int right) {
        if (left < 0 || right < 0) {
            return;
        }
        int merged = length[left] + length[right];
        int id = pieces.find(text, start[left], merged);
        if (id >= 0) {
            queue.push(scores[id], left, merged);
        }
    }

    /** Byte tokens for a symbol that is no piece; a single unknown token if some byte has no token. */
    private int fallback(byte[] text, int start, int length, int[] out, int position) {
        for (int j = start; j < start + length; j++) {
            if (byteTokens[text[j] & 0xFF] < 0) {
                if (unknown < 0) {
                    throw new IllegalArgumentException(String.format(
                            "cannot encode byte 0x%02X: the vocabulary has neither <0x%02X> nor an unknown token",
                            text[j] & 0xFF, text[j] & 0xFF));
                }
                out[position++] = unknown;
                return position;
            }
        }
        for (int j = start; j < start + length; j++) {
            out[position++] = byteTokens[text[j] & 0xFF];
        }
        return position;
    }
}
