package dev.shadowattn.gguf.tokenizer;

import dev.shadowattn.gguf.GgufFormatException;
import dev.shadowattn.gguf.GgufMetadata;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.IntStream;

/**
 * The byte-level BPE tokenizer of GPT-2's lineage (GGUF {@code tokenizer.ggml.model = "gpt2"}): Llama 3.x, Qwen2,
 * Qwen2.5, Qwen3. Semantics of llama.cpp's BPE tokenizer ({@code llama-vocab.cpp}).
 *
 * <p>Encoding: user-defined tokens are first matched verbatim; each remaining text fragment is cut into words by
 * the {@link BpePreTokenizer} named by {@code tokenizer.ggml.pre}, and the UTF-8 bytes of each word are merged by
 * the {@link BpeEncoder} using the rank-ordered rules of {@code tokenizer.ggml.merges}. Control tokens
 * ({@code <|begin_of_text|>}, {@code <|im_start|>}) are never recognized in text: {@link SpecialTokens} does that
 * for templated text. No Unicode normalization is applied.
 *
 * <p>Decoding: a normal token is the bytes its text stands for in the {@link ByteLevel} alphabet; a user-defined
 * token is its text; control, unknown, unused and byte-typed tokens decode to nothing.
 */
public final class BpeTokenizer implements Tokenizer {

    public static final String KEY_MERGES = "tokenizer.ggml.merges";
    public static final String KEY_PRE = BpePreTokenizer.KEY;
    public static final String KEY_BOS = "tokenizer.ggml.bos_token_id";
    public static final String KEY_EOS = "tokenizer.ggml.eos_token_id";
    public static final String KEY_ADD_BOS = "tokenizer.ggml.add_bos_token";
    /** Longest text {@link #encode} accepts: its UTF-8 (at most 3 bytes per char) must fit an array. */
    public static final int MAX_TEXT_CHARS = (Integer.MAX_VALUE - 16) / 3;

    /** Texts from this length on remember the tokens of their words while they are encoded. */
    private static final int CACHE_FROM_CHARS = 4096;

    private final Vocabulary vocabulary;
    private final BpePreTokenizer preTokenizer;
    private final BpeModel model;
    private final BpeEncoder encoder;
    private final int bos;
    private final int eos;
    private final boolean addBosToken;
    private final Optional<String> chatTemplate;
    private final byte[][] pieces;            // token id -> decoded bytes
    private final TextFragments verbatim;     // null when the vocabulary has no user-defined tokens
    private final VerbatimFilter verbatimFilter;

    /**
     * @param vocabulary   the tokens and their types (scores are ignored)
     * @param merges       the merge rules, rank order
     * @param preTokenizer how text is cut into words
     * @param bos          beginning-of-sequence id, or -1
     * @param eos          end-of-sequence id, or -1
     * @param addBosToken  whether prompts should start with BOS
     * @param chatTemplate the chat template, or null
     * @throws IllegalArgumentException for a malformed merge rule, a byte without a token, or an id out of range
     */
    BpeTokenizer(Vocabulary vocabulary, List<String> merges, BpePreTokenizer preTokenizer, int bos, int eos,
                 boolean addBosToken, String chatTemplate) {
        this.vocabulary = Objects.requireNonNull(vocabulary, "vocabulary");
        this.preTokenizer = Objects.requireNonNull(preTokenizer, "preTokenizer");
        this.bos = checkId(vocabulary, "bos", bos);
        this.eos = checkId(vocabulary, "eos", eos);
        this.addBosToken = addBosToken;
        this.chatTemplate = Optional.ofNullable(chatTemplate);
        List<String> tokens = IntStream.range(0, vocabulary.size()).mapToObj(vocabulary::token).toList();
        this.model = new BpeModel(tokens, merges);
        this.encoder = new BpeEncoder(model, preTokenizer.ignoreMerges());
        int n = vocabulary.size();
        pieces = new byte[n][];
        for (int id = 0; id < n; id++) {
            String text = vocabulary.token(id);
            pieces[id] = switch (vocabulary.type(id)) {
                case NORMAL, UNDEFINED -> ByteLevel.decode(text);
                case USER_DEFINED -> text.getBytes(StandardCharsets.UTF_8);
                case CONTROL, UNKNOWN, UNUSED, BYTE -> new byte[0];
            };
        }
        int[] userDefined = IntStream.range(0, n).filter(id -> vocabulary.type(id) == TokenType.USER_DEFINED).toArray();
        verbatim = userDefined.length == 0 ? null : new TextFragments(vocabulary, userDefined);
        verbatimFilter = new VerbatimFilter(IntStream.of(userDefined).mapToObj(vocabulary::token).toList());
    }

    /**
     * Reads the tokenizer from GGUF metadata. Required: {@code tokenizer.ggml.tokens}, {@code .merges} and
     * {@code .pre} (one of {@link BpePreTokenizer}'s names); optional: {@code .token_type} (normal),
     * {@code .bos_token_id} and {@code .eos_token_id} (none), {@code .add_bos_token} (the pre-tokenizer's default,
     * as llama.cpp), {@code tokenizer.chat_template}. An unsupported or missing pre-tokenizer is an
     * IllegalArgumentException; malformed metadata a {@link GgufFormatException}.
     */
    public static BpeTokenizer fromGguf(GgufMetadata metadata, Path file) {
        if (!metadata.contains(KEY_PRE)) {
            throw new IllegalArgumentException(file + ": byte-level BPE tokenizer ('gpt2') without metadata '" + KEY_PRE
                    + "': cannot tell how to split text into words; supported: " + BpePreTokenizer.supportedNames());
        }
        BpePreTokenizer pre = BpePreTokenizer.of(metadata.getString(KEY_PRE), file);
        Vocabulary vocabulary = Vocabulary.fromGguf(metadata, file);
        if (!metadata.contains(KEY_MERGES)) {
            throw new GgufFormatException(file, "metadata '" + KEY_MERGES + "'", "missing: a byte-level BPE tokenizer needs merges");
        }
        List<String> merges = metadata.getStringArray(KEY_MERGES);
        int bos = specialId(metadata, file, KEY_BOS, vocabulary);
        int eos = specialId(metadata, file, KEY_EOS, vocabulary);
        boolean addBos = metadata.getBoolean(KEY_ADD_BOS, pre.addBosByDefault()) && bos >= 0;
        String template = metadata.getString(KEY_CHAT_TEMPLATE, null);
        try {
            return new BpeTokenizer(vocabulary, merges, pre, bos, eos, addBos, template);
        } catch (IllegalArgumentException e) {
            throw new GgufFormatException(file, "metadata '" + KEY_MERGES + "'", e.getMessage(), e);
        }
    }

    private static int specialId(GgufMetadata metadata, Path file, String key, Vocabulary vocabulary) {
        if (!metadata.contains(key)) {
            return -1;
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

    private static int checkId(Vocabulary vocabulary, String what, int id) {
        if (id != -1) {
            try {
                vocabulary.checkId(id);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(what + " " + e.getMessage(), e);
            }
        }
        return id;
    }

    @Override
    public Vocabulary vocabulary() {
        return vocabulary;
    }

    /** The GGUF names of the pre-tokenizer in use (the first is the canonical one). */
    public List<String> preTokenizerNames() {
        return preTokenizer.ggufNames();
    }

    @Override
    public int[] encode(String text, boolean addBos) {
        return encode(Objects.requireNonNull(text, "text"), addBos, text.length() >= CACHE_FROM_CHARS);
    }

    /** {@link #encode(String, boolean)}, remembering the tokens of merged words during the call if {@code cacheWords}. */
    int[] encode(String text, boolean addBos, boolean cacheWords) {
        Objects.requireNonNull(text, "text");
        if (addBos && bos < 0) {
            throw new IllegalStateException("cannot add BOS: the vocabulary has no BOS token");
        }
        if (text.length() > MAX_TEXT_CHARS) {
            throw new IllegalArgumentException("text of " + text.length() + " chars is too long to tokenize at once (at most "
                    + MAX_TEXT_CHARS + ")");
        }
        BpeEncoder.Session session = new BpeEncoder.Session(text.length() / 3 + 4, cacheWords);
        if (addBos) {
            session.add(bos);
        }
        if (text.isEmpty()) {
            return session.tokens();
        }
        if (verbatim == null || !verbatimFilter.anyIn(text)) {
            encodeText(text, 0, text.length(), session);
        } else {
            for (TextFragments.Fragment f : verbatim.split(text)) {
                if (f.isText()) {
                    encodeText(text, f.start(), f.end(), session);
                } else {
                    session.add(f.token());
                }
            }
        }
        return session.tokens();
    }

    /** Pre-tokenizes {@code text[from, to)} and merges each word. */
    private void encodeText(String text, int from, int to, BpeEncoder.Session session) {
        preTokenizer.split(text, from, to, (start, end) -> {
            byte[] bytes = session.byteBuffer(3 * (end - start));
            encoder.encodeWord(bytes, 0, utf8(text, start, end, bytes), session);
        });
    }

    /**
     * Writes the UTF-8 of {@code text[from, to)} to {@code out} (room for 3 bytes per char) and returns its length;
     * an unpaired surrogate becomes '?', as in {@link String#getBytes}.
     */
    private static int utf8(String text, int from, int to, byte[] out) {
        int p = 0;
        for (int i = from; i < to; i++) {
            char c = text.charAt(i);
            if (c < 0x80) {
                out[p++] = (byte) c;
            } else if (c < 0x800) {
                out[p++] = (byte) (0xC0 | c >>> 6);
                out[p++] = (byte) (0x80 | c & 0x3F);
            } else if (Character.isHighSurrogate(c) && i + 1 < to && Character.isLowSurrogate(text.charAt(i + 1))) {
                int cp = Character.toCodePoint(c, text.charAt(++i));
                out[p++] = (byte) (0xF0 | cp >>> 18);
                out[p++] = (byte) (0x80 | cp >>> 12 & 0x3F);
                out[p++] = (byte) (0x80 | cp >>> 6 & 0x3F);
                out[p++] = (byte) (0x80 | cp & 0x3F);
            } else if (Character.isSurrogate(c)) {
                out[p++] = '?';
            } else {
                out[p++] = (byte) (0xE0 | c >>> 12);
                out[p++] = (byte) (0x80 | c >>> 6 & 0x3F);
                out[p++] = (byte) (0x80 | c & 0x3F);
            }
        }
        return p;
    }

    @Override
    public byte[] tokenBytes(int previousToken, int token) {
        return pieces[vocabulary.checkId(token)].clone();
    }

    @Override
    public int bos() {
        return bos;
    }

    @Override
    public int eos() {
        return eos;
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
        return "BpeTokenizer[" + vocabulary.size() + " tokens, " + model.mergeCount() + " merges, pre="
                + preTokenizer.ggufNames().getFirst() + ", bos=" + bos + ", eos=" + eos + "]";
    }
}
