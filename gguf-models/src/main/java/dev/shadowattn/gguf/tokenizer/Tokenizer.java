package dev.shadowattn.gguf.tokenizer;

import dev.shadowattn.gguf.GgufMetadata;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Text to token ids and back, for the tokenizer stored in a GGUF file. Implementations are immutable and
 * thread-safe.
 *
 * <p>Decoding works on bytes: each token contributes {@link #tokenBytes} (UTF-8, possibly a fragment of a
 * character for byte tokens), and text is assembled from them. {@link #decodeToken} is the convenience for tokens
 * that carry whole characters; a stream of tokens is decoded exactly with a {@link StreamingDecoder}.
 */
public interface Tokenizer {

    /** GGUF key naming the tokenizer model ({@code llama} = SentencePiece, {@code gpt2} = byte-level BPE). */
    String KEY_MODEL = "tokenizer.ggml.model";
    /** GGUF key of the Jinja chat template. */
    String KEY_CHAT_TEMPLATE = "tokenizer.chat_template";

    /**
     * The tokenizer described by {@code metadata}, dispatched on {@code tokenizer.ggml.model}: {@code llama} gives
     * a {@link SentencePieceTokenizer}, {@code gpt2} a {@link BpeTokenizer}. Any other model is an
     * IllegalArgumentException naming the model and {@code file}; malformed tokenizer metadata is a {@link dev.shadowattn.gguf.GgufFormatException}.
     */
    static Tokenizer fromGguf(GgufMetadata metadata, Path file) {
        if (!metadata.contains(KEY_MODEL)) {
            throw new IllegalArgumentException(file + ": metadata '" + KEY_MODEL + "' is missing: no tokenizer");
        }
        String model = metadata.getString(KEY_MODEL);
        return switch (model) {
            case "llama" -> SentencePieceTokenizer.fromGguf(metadata, file);
            case "gpt2" -> BpeTokenizer.fromGguf(metadata, file);
            default -> throw new IllegalArgumentException(file + ": unsupported tokenizer model '" + model
                    + "' (metadata '" + KEY_MODEL + "'); supported: 'llama' (SentencePiece), 'gpt2' (byte-level BPE)");
        };
    }

    /** The tokens of {@code text}, without BOS. Special and control token texts in {@code text} are plain text. */
    default int[] encode(String text) {
        return encode(text, false);
    }

    /** The tokens of {@code text}, preceded by {@link #bos()} when {@code addBos}. */
    int[] encode(String text, boolean addBos);

    /**
     * The text of a whole token sequence, as if it started a sequence: control tokens decode to nothing, and
     * a leading space that the encoder added is removed again, so {@code decode(encode(s)).equals(s)} for text
     * the vocabulary covers. Bytes that do not form valid UTF-8 decode to U+FFFD.
     */
    default String decode(int[] tokens) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int previous = -1;
        for (int token : tokens) {
            out.writeBytes(tokenBytes(previous, token));
            previous = token;
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    /**
     * The text of {@code token} following {@code previousToken} (-1 at the start of a sequence). A byte token
     * holding part of a multi-byte character yields U+FFFD here; use a {@link StreamingDecoder} for streams.
     */
    default String decodeToken(int previousToken, int token) {
        return new String(tokenBytes(previousToken, token), StandardCharsets.UTF_8);
    }

    /**
     * The UTF-8 bytes {@code token} contributes to decoded text when it follows {@code previousToken} (-1 at the
     * start of a sequence). A fresh array; empty for control tokens.
     */
    byte[] tokenBytes(int previousToken, int token);

    /** A decoder for a token stream starting a sequence. */
    default StreamingDecoder streamingDecoder() {
        return new StreamingDecoder(this, -1);
    }

    /** A decoder for a token stream continuing after {@code previousToken} (e.g. the last token of a prompt). */
    default StreamingDecoder streamingDecoder(int previousToken) {
        return new StreamingDecoder(this, previousToken);
    }

    /** The beginning-of-sequence token id, or -1 if the vocabulary has none. */
    int bos();

    /** The end-of-sequence token id, or -1 if the vocabulary has none. */
    int eos();

    /** Whether the model expects {@link #bos()} in front of a prompt (GGUF {@code tokenizer.ggml.add_bos_token}). */
    boolean addBosToken();

    /** The token texts, types and scores of the file ({@code tokenizer.ggml.tokens}, {@code .token_type}, ...). */
    Vocabulary vocabulary();

    default int vocabularySize() {
        return vocabulary().size();
    }

    /** The vocabulary text of token {@code id} (SentencePiece: with {@code ▁} for spaces). */
    default String token(int id) {
        return vocabulary().token(id);
    }

    default TokenType tokenType(int id) {
        return vocabulary().type(id);
    }

    /** Whether {@code id} is a control or unknown token: one that stands for no text. */
    default boolean isSpecial(int id) {
        TokenType type = vocabulary().type(id);
        return type == TokenType.CONTROL || type == TokenType.UNKNOWN;
    }

    /** The chat template ({@code tokenizer.chat_template}), if the file has one. */
    Optional<String> chatTemplate();
}
