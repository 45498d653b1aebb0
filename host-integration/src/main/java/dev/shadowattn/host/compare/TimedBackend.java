package dev.shadowattn.host.compare;

import dev.shadowattn.api.AttentionBackend;
import dev.shadowattn.api.AttentionGeometry;

import java.util.Objects;

/**
 * A decorator over any attention backend whose sessions ({@link TimedSession}) measure the wall time spent inside
 * their {@code append} and {@code attend} calls, so that attention's share of a forward pass can be reported for
 * every backend alike, whatever counters the backend itself keeps. Closing it closes the wrapped backend.
 */
public final class TimedBackend implements AttentionBackend {

    private final AttentionBackend inner;

    public TimedBackend(AttentionBackend inner) {
        this.inner = Objects.requireNonNull(inner, "inner");
    }

    /** The wrapped backend. */
    public AttentionBackend inner() {
        return inner;
    }

    @Override
    public String name() {
        return inner.name();
    }

    @Override
    public AttentionGeometry geometry() {
        return inner.geometry();
    }

    @Override
    public String describe() {
        return inner.describe();
    }

    @Override
    public TimedSession openSession() {
        return new TimedSession(inner.openSession());
    }

    @Override
    public void close() {
        inner.close();
    }
}
