package dev.shadowattn.gguf.tokenizer;

import java.util.Arrays;

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
 *
 * <p>Segments: two adjacent characters that stand next to each other inside no piece can never end up in one
 * symbol, so no merge crosses the boundary between them (in Llama 2, e.g. before most word-initial {@code ▁}, and
 * around digits and newlines). The text is cut at such boundaries and each segment merged on its own as soon as
 * it is complete: the same result as merging the whole text at once, with scratch arrays and a queue the size of a
 * segment, which stay in cache.
 */
final class SentencePieceEncoder {

    // Symbol record layout in one int array (one cache line per symbol rather than one per field).
    private static final int PIECE = 0;    // the piece the symbol spells, or -1 for a character that is none
    private static final int LENGTH = 1;   // bytes; 0 once merged into the symbol on its left
    private static final int PREV = 2;
    private static final int NEXT = 3;
    private static final int STRIDE = 4;

    private final PieceTable pieces;
    private final MergeTable merges;
    private final float[] scores;        // by token id
    private final int[] pieceLengths;    // by token id: UTF-8 length of the text
    private final int[] asciiPieces;     // ASCII character -> its piece, or -1
    private final int[] byteTokens;      // byte value -> token id, or -1
    private final int unknown;           // unknown token id, or -1

    /**
     * @param vocabulary the token texts and scores
     * @param pieces     the pieces that text may be segmented into
     * @param byteTokens for each byte value its fallback token id, or -1
     * @param unknown    the unknown token id, or -1
     */
    SentencePieceEncoder(Vocabulary vocabulary, PieceTable pieces, int[] byteTokens, int unknown) {
        this.pieces = pieces;
        this.merges = new MergeTable(vocabulary, pieces);
        int n = vocabulary.size();
        this.scores = new float[n];
        this.pieceLengths = new int[n];
        for (int id = 0; id < n; id++) {
            scores[id] = vocabulary.score(id);
            pieceLengths[id] = Utf8.length(vocabulary.token(id));
        }
        this.asciiPieces = new int[128];
        for (int c = 0; c < 128; c++) {
            asciiPieces[c] = pieces.find(new byte[] {(byte) c}, 0, 1);
        }
        this.byteTokens = byteTokens.clone();
        this.unknown = unknown;
    }

    /**
     * Appends the tokens of {@code text} to {@code out} from {@code position} and returns the position after them.
     * At most {@code text.length} tokens are appended.
     */
    int encode(byte[] text, int[] out, int position) {
        // Scratch for the current segment only: symbol records, their start offsets, and pairs[i], what symbols
        // i and i+1 form (a piece, ADJACENT, or NONE = a safe place to cut). Grown as a segment needs.
        int capacity = Math.min(text.length, 256);
        int[] sym = new int[capacity * STRIDE];
        int[] start = new int[capacity];
        int[] pairs = new int[capacity];
        BigramQueue queue = new BigramQueue(64);
        int count = 0;
        for (int offset = 0; offset < text.length; ) {
            if (count == capacity) {
                capacity *= 2;
                sym = Arrays.copyOf(sym, capacity * STRIDE);
                start = Arrays.copyOf(start, capacity);
                pairs = Arrays.copyOf(pairs, capacity);
            }
            byte lead = text[offset];
            int length = Math.min(Utf8.sequenceLength(lead), text.length - offset);
            start[count] = offset;
            sym[count * STRIDE + PIECE] = lead >= 0 ? asciiPieces[lead] : pieces.find(text, offset, length);
            sym[count * STRIDE + LENGTH] = length;
            offset += length;
            if (count > 0) {
                pairs[count - 1] = pair(text, start, sym, count - 1, count);
                if (pairs[count - 1] == MergeTable.NONE) {
                    position = mergeSegment(text, start, sym, pairs, count, queue, out, position);
                    start[0] = start[count];
                    System.arraycopy(sym, count * STRIDE, sym, 0, STRIDE);
                    count = 0;
                }
            }
            count++;
        }
        return mergeSegment(text, start, sym, pairs, count, queue, out, position);
    }

    /** Merges the symbols {@code [0, end)} of a segment among themselves and appends their tokens. */
    private int mergeSegment(byte[] text, int[] start, int[] sym, int[] pairs, int end,
                             BigramQueue queue, int[] out, int position) {
        if (end == 0) {
            return position;
        }
        for (int i = 0; i < end; i++) {
            sym[i * STRIDE + PREV] = i - 1;
            sym[i * STRIDE + NEXT] = i + 1;
            if (i + 1 < end && pairs[i] >= 0) {
                queue.push(scores[pairs[i]], i, pairs[i]);
            }
        }
        sym[PREV] = -1;
        sym[(end - 1) * STRIDE + NEXT] = -1;
        while (!queue.isEmpty()) {
            int left = queue.pop();
            int piece = queue.poppedPiece();
            int l = left * STRIDE;
            int right = sym[l + NEXT];
            // Stale if the left symbol was absorbed, or either side grew since the pair was queued: their
            // lengths no longer add up to the piece's (symbols only grow, and a symbol's start never moves).
            if (sym[l + LENGTH] == 0 || right < 0
                    || sym[l + LENGTH] + sym[right * STRIDE + LENGTH] != pieceLengths[piece]) {
                continue;
            }
            int r = right * STRIDE;
            int after = sym[r + NEXT];
            sym[l + PIECE] = piece;
            sym[l + LENGTH] = pieceLengths[piece];
            sym[r + LENGTH] = 0;
            sym[l + NEXT] = after;
            if (after >= 0) {
                sym[after * STRIDE + PREV] = left;
            }
            offer(queue, text, start, sym, sym[l + PREV], left);
            offer(queue, text, start, sym, left, after);
        }

        for (int i = 0; i >= 0; i = sym[i * STRIDE + NEXT]) {
            int piece = sym[i * STRIDE + PIECE];
            if (piece >= 0) {
                out[position++] = piece;
            } else {
                position = fallback(text, start[i], sym[i * STRIDE + LENGTH], out, position);
            }
        }
        return position;
    }

    /** What symbols {@code left} and {@code right} form: a piece id, {@link MergeTable#ADJACENT} or NONE. */
    private int pair(byte[] text, int[] start, int[] sym, int left, int right) {
        int leftPiece = sym[left * STRIDE + PIECE];
        int rightPiece = sym[right * STRIDE + PIECE];
        if (leftPiece >= 0 && rightPiece >= 0) {
            return merges.find(leftPiece, rightPiece);
        }
        if (merges.charactersArePieces()) {
            return MergeTable.NONE;   // a character that is no piece occurs in no piece
        }
        // A character that is no piece may still begin or end one: look the text up; never cut here.
        int merged = pieces.find(text, start[left], sym[left * STRIDE + LENGTH] + sym[right * STRIDE + LENGTH]);
        return merged >= 0 ? merged : MergeTable.ADJACENT;
    }

    /** Queues the pair (left, right) if their concatenation is a piece. */
    private void offer(BigramQueue queue, byte[] text, int[] start, int[] sym, int left, int right) {
        if (left >= 0 && right >= 0) {
            int merged = pair(text, start, sym, left, right);
            if (merged >= 0) {
                queue.push(scores[merged], left, merged);
            }
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
