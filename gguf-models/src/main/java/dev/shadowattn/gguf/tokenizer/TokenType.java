package dev.shadowattn.gguf.tokenizer;

/**
 * The kind of a vocabulary entry, as stored in the GGUF array {@code tokenizer.ggml.token_type}. The codes are
 * llama.cpp's {@code enum llama_token_type}, which mirror SentencePiece's {@code ModelProto.SentencePiece.Type}.
 */
public enum TokenType {
    /** Code 0: no type recorded; treated like {@link #NORMAL}. */
    UNDEFINED(0),
    /** Code 1: an ordinary piece of text; {@code ▁} (U+2581) stands for a space. */
    NORMAL(1),
    /** Code 2: the unknown token ({@code <unk>}); never produced from text when byte fallback is available. */
    UNKNOWN(2),
    /** Code 3: a control token ({@code <s>}, {@code </s>}); never recognized in text, decodes to nothing. */
    CONTROL(3),
    /** Code 4: a user-defined symbol, always recognized verbatim in text and decoded verbatim. */
    USER_DEFINED(4),
    /** Code 5: a reserved slot that is never produced from text and decodes to nothing. */
    UNUSED(5),
    /** Code 6: a byte-fallback token {@code <0xNN>} standing for one raw byte of UTF-8. */
    BYTE(6);

    private static final TokenType[] BY_CODE = values();

    private final int code;

    TokenType(int code) {
        this.code = code;
    }

    /** The code stored in GGUF. */
    public int code() {
        return code;
    }

    /** Whether text may be segmented into this token (SentencePiece only merges into normal and user pieces). */
    public boolean isText() {
        return this == NORMAL || this == USER_DEFINED || this == UNDEFINED;
    }

    /** The type with GGUF code {@code code}; IllegalArgumentException for codes outside 0..6. */
    public static TokenType fromCode(int code) {
        if (code < 0 || code >= BY_CODE.length) {
            throw new IllegalArgumentException("unknown token type code " + code + " (expected 0..6)");
        }
        return BY_CODE[code];
    }
}
