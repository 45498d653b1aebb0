package dev.shadowattn.api;

/** A session was asked to hold more positions than its geometry's maximum context. */
public final class ContextOverflowException extends IllegalStateException {

    private final int requested;
    private final int maxContext;

    public ContextOverflowException(int requested, int maxContext) {
        super("context overflow: " + requested + " positions requested, the maximum context is " + maxContext);
        this.requested = requested;
        this.maxContext = maxContext;
    }

    public int requested() {
        return requested;
    }

    public int maxContext() {
        return maxContext;
    }
}
