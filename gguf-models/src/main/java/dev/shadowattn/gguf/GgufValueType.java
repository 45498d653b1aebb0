package dev.shadowattn.gguf;

/**
 * Types of GGUF metadata values, as numbered by {@code enum gguf_type} in the GGUF spec (ggml docs/gguf.md,
 * "gguf_metadata_value_type").
 *
 * <p>All scalars are little-endian. {@link #STRING} is a {@code uint64} byte length followed by UTF-8 bytes (no
 * terminator); {@link #ARRAY} is a {@code uint32} element type, a {@code uint64} count, then the elements.
 */
public enum GgufValueType {
    UINT8(0, 1),
    INT8(1, 1),
    UINT16(2, 2),
    INT16(3, 2),
    UINT32(4, 4),
    INT32(5, 4),
    FLOAT32(6, 4),
    /** One byte: 0 is false, 1 is true; the spec calls anything else invalid. */
    BOOL(7, 1),
    STRING(8, -1),
    ARRAY(9, -1),
    UINT64(10, 8),
    INT64(11, 8),
    FLOAT64(12, 8);

    private static final GgufValueType[] BY_ID = values();

    static {
        for (int i = 0; i < BY_ID.length; i++) {
            assert BY_ID[i].id == i : "ids must be the ordinals";
        }
    }

    private final int id;
    private final int fixedSize;

    GgufValueType(int id, int fixedSize) {
        this.id = id;
        this.fixedSize = fixedSize;
    }

    /** The id stored in the file. */
    public int id() {
        return id;
    }

    /** Encoded size in bytes of a scalar of this type, or -1 for the variable-length STRING and ARRAY. */
    public int fixedSize() {
        return fixedSize;
    }

    /**
     * The fewest bytes one value of this type can take in a file: its fixed size, 8 for a string (its length), 12
     * for an array (element type and count). Used to reject counts that the remaining bytes cannot hold.
     */
    public int minEncodedSize() {
        return switch (this) {
            case STRING -> 8;
            case ARRAY -> 4 + 8;
            default -> fixedSize;
        };
    }

    /** Whether this is one of the eight integer types (BOOL excluded). */
    public boolean isInteger() {
        return switch (this) {
            case UINT8, INT8, UINT16, INT16, UINT32, INT32, UINT64, INT64 -> true;
            default -> false;
        };
    }

    /** The type with this id, or {@code null} if the id is unknown. */
    public static GgufValueType byId(long id) {
        return id >= 0 && id < BY_ID.length ? BY_ID[(int) id] : null;
    }
}
