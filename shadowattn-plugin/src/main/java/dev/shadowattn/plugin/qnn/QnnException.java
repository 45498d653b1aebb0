package dev.shadowattn.plugin.qnn;

/**
 * A QNN API function returned an error. QNN-ABI.md: errors are {@code uint64}, 0 is success and the error code is
 * the low 16 bits; the text comes from the backend's {@code errorGetMessage}.
 */
public final class QnnException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final String function;
    private final long rawError;
    private final String backendMessage;

    public QnnException(String function, long rawError, String backendMessage) {
        super("QNN " + function + " failed with error " + (rawError & 0xFFFF) + ": " + backendMessage);
        this.function = function;
        this.rawError = rawError;
        this.backendMessage = backendMessage;
    }

    /** The QNN function that failed, e.g. {@code graphFinalize}. */
    public String function() {
        return function;
    }

    /** The error code: the low 16 bits of the returned handle. */
    public int code() {
        return (int) (rawError & 0xFFFF);
    }

    /** The whole {@code uint64} the function returned (backends may use the upper bits). */
    public long rawError() {
        return rawError;
    }

    /** The {@code errorGetMessage} text, or a note saying why there is none. */
    public String backendMessage() {
        return backendMessage;
    }
}
