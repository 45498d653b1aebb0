package dev.shadowattn.plugin.qnn;

/** {@code Qnn_DataType_t} values used here, with their element sizes (QNN-ABI.md, "Constants"). */
public enum QnnDataType {
    INT_32(0x32, 4),
    FLOAT_32(0x232, 4),
    SFIXED_POINT_8(0x308, 1),
    UFIXED_POINT_8(0x408, 1),
    UFIXED_POINT_16(0x416, 2),
    BOOL_8(0x508, 1);

    private final int code;
    private final int bytes;

    QnnDataType(int code, int bytes) {
        this.code = code;
        this.bytes = bytes;
    }

    /** The C enum value. */
    public int code() {
        return code;
    }

    /** Bytes per element. */
    public int bytes() {
        return bytes;
    }
}
