package dev.shadowattn.plugin.qnn;

/** {@code Qnn_TensorType_t} values (QNN-ABI.md, "Constants"). */
public enum QnnTensorType {
    APP_WRITE(0),
    APP_READ(1),
    APP_READWRITE(2),
    NATIVE(3),
    STATIC(4);

    private final int code;

    QnnTensorType(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }
}
