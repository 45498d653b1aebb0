package dev.shadowattn.gguf;

import java.nio.file.Path;
import java.util.Objects;

/**
 * A GGUF file is malformed or lacks something a reader needs. The one exception type for all format errors of the
 * GGUF reader; its message always names the file and the field or section at fault, e.g.
 * {@code "house.gguf: tensor 'blk.0.attn_q.weight': data [64..1088) extends beyond the end of the file (size 700)"}.
 */
public final class GgufFormatException extends RuntimeException {

    @java.io.Serial
    private static final long serialVersionUID = 1L;

    private final transient Path file;
    private final String field;
    private final String detail;

    /**
     * @param file   the file at fault
     * @param field  the field or section at fault, e.g. {@code "version"}, {@code "metadata 'general.alignment'"},
     *               {@code "tensor 'token_embd.weight'"}
     * @param detail what is wrong with it
     */
    public GgufFormatException(Path file, String field, String detail) {
        this(file, field, detail, null);
    }

    public GgufFormatException(Path file, String field, String detail, Throwable cause) {
        super(file + ": " + field + ": " + detail, cause);
        this.file = Objects.requireNonNull(file, "file");
        this.field = Objects.requireNonNull(field, "field");
        this.detail = Objects.requireNonNull(detail, "detail");
    }

    /** The file at fault. */
    public Path file() {
        return file;
    }

    /** The field or section at fault. */
    public String field() {
        return field;
    }

    /** What is wrong, without the file and field prefix. */
    public String detail() {
        return detail;
    }
}
