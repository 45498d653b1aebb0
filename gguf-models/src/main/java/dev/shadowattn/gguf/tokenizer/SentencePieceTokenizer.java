package dev.shadowattn.gguf.tokenizer;

import dev.shadowattn.gguf.GgufFormatException;
import dev.shadowattn.gguf.GgufMetadata;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.IntStream;

/**
 * The SentencePiece BPE tokenizer of Llama 2 and its family (GGUF {@code tokenizer.ggml.model = "llama"}), with the
 * semantics of llama.cpp's SPM tokenizer ({@code llama-vocab.cpp}).
 *
 * <p>Encoding: user-defined tokens are first matched verbatim; each remaining text fragment is prefixed with a
 * space when it starts the text or follows a verbatim token (if {@code add_space_prefix}), its spaces are replaced
 * by {@code ▁} U+2581, and it is segmented by {@link SentencePieceEncoder}. No Unicode normalization is applied
 * (llama.cpp applies none either). Control tokens ({@code <s>}, {@code </s>}) are never recognized in text.
 *
 * <p>Decoding: a normal token is its text with {@code ▁} turned back into spaces, a byte token {@code <0xNN>} its
 * byte, a user-defined token its text verbatim; control, unknown and unused tokens decode to nothing. The space
 * the encoder prefixed is removed from the token that starts a sequence or follows BOS.
 */
public final class SentencePieceTokenizer implements Tokenizer {

    public static final String KEY_BOS = "tokenizer.ggml.bos_token_id";
    public static final String KEY_EOS = "tokenizer.ggml.eos_token_id";
    public static final String KEY_UNKNOWN = "tokenizer.ggml.unknown_token_id";
    public static final String KEY_ADD_BOS = "tokenizer.ggml.add_bos_token";
    public static final String KEY_ADD_SPACE_PREFIX = "tokenizer.ggml.add_space_prefix";

    private final Vocabulary vocabulary;
    private final int bos;
    private final int eos;
    private final int unknown;
    private final boolean addBosToken;
    private final boolean addSpacePrefix;
    private final Optional<String> chatTemplate;
    private final byte[][] pieces;            // token id -> decoded UTF-8 bytes
    private final SentencePieceEncoder encoder;
    private final TextFragments verbatim;     // null when the vocabulary has no user-defined tokens

    /**
     * @param vocabulary     the pieces, their scores and types
     * @param bos            beginning-of-sequence id, or -1
     * @param eos            end-of-sequence id, or -1
     * @param unknown        unknown-token id, or -1
     * @param addBosToken    whether prompts should start with BOS (informational, see {@link #addBosToken()})
     * @param addSpacePrefix whether text gets a leading space before segmentation
     * @param chatTemplate   the chat template, or null
     */
    public SentencePieceTokenizer(Vocabulary vocabulary, int bos, int eos, int unknown,
                                  boolean addBosToken, boolean addSpacePrefix, String chatTemplate) {
        this.vocabulary = Objects.requireNonNull(vocabulary, "vocabulary");
        this.bos = checkSpecial(vocabulary, "bos", bos);
        this.eos = checkSpecial(vocabulary, "eos", eos);
        this.unknown = checkSpecial(vocabulary, "unknown", unknown);
        this.addBosToken = addBosToken;
        this.addSpacePrefix = addSpacePrefix;
        this.chatTemplate = Optional.ofNullable(chatTemplate);

        int n = vocabulary.size();
        pieces = new byte[n][];
        int[] byteTokens = new int[256];
        Arrays.fill(byteTokens, -1);
        for (int id = 0; id < n; id++) {
            String text = vocabulary.token(id);
            pieces[id] = switch (vocabulary.type(id)) {
                case NORMAL, UNDEFINED -> text.replace('\u2581', ' ').getBytes(StandardCharsets.UTF_8);
                case USER_DEFINED -> text.getBytes(StandardCharsets.UTF_8);
                case BYTE -> {
                    int b = parseByteToken(id, text);
                    if (byteTokens[b] < 0) {
                        byteTokens[b] = id;
                    }
                    yield new byte[] {(byte) b};
                }
                case CONTROL, UNKNOWN, UNUSED -> new byte[0];
            };
        }
        PieceTable table = new PieceTable(vocabulary, id -> vocabulary.type(id).isText());
        // Without a <0xNN> token, a single-byte piece with that text serves (llama.cpp's byte_to_token).
        for (int b = 0; b < 0x80; b++) {
            if (byteTokens[b] < 0) {
                byteTokens[b] = table.find(new byte[] {(byte) b}, 0, 1);
            }
        }
        encoder = new SentencePieceEncoder(vocabulary, table, byteTokens, this.unknown);
        int[] userDefined = IntStream.range(0, n).filter(id -> vocabulary.type(id) == TokenType.USER_DEFINED).toArray();
        verbatim = userDefined.length == 0 ? null : new TextFragments(vocabulary, userDefined);
    }

    /**
     * Reads the tokenizer from GGUF metadata. Required: {@code tokenizer.ggml.tokens} and {@code .scores};
     * optional, with llama.cpp's defaults: {@code .token_type} (normal), {@code .bos_token_id} (1),
     * {@code .eos_token_id} (2), {@code .unknown_token_id} (0), {@code .add_bos_token} (true),
     * {@code .add_space_prefix} (true), {@code tokenizer.chat_template} (none).
     */
    public static SentencePieceTokenizer fromGguf(GgufMetadata metadata, Path file) {
        Vocabulary vocabulary = Vocabulary.fromGguf(metadata, file);
        if (!metadata.contains(Vocabulary.KEY_SCORES)) {
            throw new GgufFormatException(file, "metadata '" + Vocabulary.KEY_SCORES + "'",
                    "missing: a SentencePiece tokenizer needs piece scores");
        }
        int bos = specialId(metadata, file, KEY_BOS, 1, vocabulary);
        int eos = specialId(metadata, file, KEY_EOS, 2, vocabulary);
        int unknown = specialId(metadata, file, KEY_UNKNOWN, 0, vocabulary);
        boolean addBos = metadata.getBoolean(KEY_ADD_BOS, true);
        boolean addSpacePrefix = metadata.getBoolean(KEY_ADD_SPACE_PREFIX, true);
        String template = metadata.getString(KEY_CHAT_TEMPLATE, null);
        try {
            return new SentencePieceTokenizer(vocabulary, bos, eos, unknown, addBos, addSpacePrefix, template);
        } catch (IllegalArgumentException e) {
            throw new GgufFormatException(file, "tokenizer", e.getMessage(), e);
        }
    }

    /** The id stored under {@code key}; -1 or absent-with-out-of-range-default means none. */
    private static int specialId(GgufMetadata metadata, Path file, String key, int defaultId, Vocabulary vocabulary) {
        if (!metadata.contains(key)) {
            return defaultId < vocabulary.size() ? defaultId : -1;
        }
        long id = metadata.getLong(key);
        if (id == -1) {
            return -1;
        }
        if (id < 0 || id >= vocabulary.size()) {
            throw new GgufFormatException(file, "metadata '" + key + "'",
                    "token id " + id + " outside the vocabulary [0, " + vocabulary.size() + ")");
        }
        return (int) id;
    }

    private static int checkSpecial(Vocabulary vocabulary, String what, int id) {
        if (id != -1) {
            try {
                vocabulary.checkId(id);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(what + " " + e.getMessage(), e);
            }
        }
        return id;
    }

    /** The byte of a byte token, whose text must be {@code <0xNN>} (two hex digits, as SentencePiece writes it). */
    private static int parseByteToken(int id, String text) {
        if (text.length() == 6 && text.startsWith("<0x") && text.endsWith(">")) {
            int hi = Character.digit(text.charAt(3), 16);
            int lo = Character.digit(text.charAt(4), 16);
            if (hi >= 0 && lo >= 0) {
                return hi << 4 | lo;
            }
        }
        throw new IllegalArgumentException("token " + id + " has type BYTE but text '" + text + "' (expected <0xNN>)");
    }

    @Override
    public Vocabulary vocabulary() {
        return vocabulary;
    }

    /** Whether text gets a leading space before segmentation (GGUF {@code tokenizer.ggml.add_space_prefix}). */
    public boolean addSpacePrefix() {
        return addSpacePrefix;
    }

    @Override
    public int[] encode(String text, boolean addBos) {
        Objects.requireNonNull(text, "text");
        if (addBos && bos < 0) {
            throw new IllegalStateException("cannot add BOS: the vocabulary has no BOS token");
        }
        if (text.isEmpty()) {
            return addBos ? new int[] {bos} : new int[0];
        }
        List<TextFragments.Fragment> fragments = verbatim == null
                ? List.of(new TextFragments.Fragment(-1, 0, text.length()))
                : verbatim.split(text);
        byte[][] escaped = new byte[fragments.size()][];
        long capacity = addBos ? 1 : 0;
        boolean afterToken = true;   // llama.cpp: a fragment starting the text or following a token gets the prefix
        for (int i = 0; i < escaped.length; i++) {
            TextFragments.Fragment f = fragments.get(i);
            if (f.isText()) {
                escaped[i] = Utf8.escapeSpaces(text, f.start(), f.end(), addSpacePrefix && afterToken);
                capacity += escaped[i].length;   // each byte yields at most one token
            } else {
                capacity++;
            }
            afterToken = !f.isText();
        }
        if (capacity > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException("text too long to tokenize: " + text.length() + " chars");
        }
        int[] out = new int[(int) capacity];
        int position = 0;
        if (addBos) {
            out[position++] = bos;
        }
        for (int i = 0; i < escaped.length; i++) {
            TextFragments.Fragment f = fragments.get(i);
            position = f.isText() ? encoder.encode(escaped[i], out, position) : put(out, position, f.token());
        }
        return position == out.length ? out : Arrays.copyOf(out, position);
    }

    private static int put(int[] out, int position, int token) {
        out[position] = token;
        return position + 1;
    }

    @Override
    public byte[] tokenBytes(int previousToken, int token) {
        byte[] piece = pieces[vocabulary.checkId(token)];
        boolean startsSequence = previousToken < 0 || previousToken == bos;
        if (addSpacePrefix && startsSequence && piece.length > 0 && piece[0] == ' ') {
            return Arrays.copyOfRange(piece, 1, piece.length);
        }
        return piece.clone();
    }

    @Override
    public int bos() {
        return bos;
    }

    @Override
    public int eos() {
        return eos;
    }

    /** The unknown token id, or -1. */
    public int unknown() {
        return unknown;
    }

    @Override
    public boolean addBosToken() {
        return addBosToken;
    }

    @Override
    public Optional<String> chatTemplate() {
        return chatTemplate;
    }

    @Override
    public String toString() {
        return "SentencePieceTokenizer[" + vocabulary.size() + " tokens, bos=" + bos + ", eos=" + eos
                + ", unknown=" + unknown + ", addSpacePrefix=" + addSpacePrefix + "]";
    }
}
