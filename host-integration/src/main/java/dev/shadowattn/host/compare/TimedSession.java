package dev.shadowattn.host.compare;

import dev.shadowattn.api.AttentionSession;
import dev.shadowattn.api.AttentionStats;
import dev.shadowattn.api.SelectionListener;

/**
 * A session of {@link TimedBackend}: forwards every call to the wrapped session and adds the wall time of each
 * {@code append} and {@code attend} (including any parallel work the backend does inside the call) to counters
 * read with {@link #appendNanos()}, {@link #attendNanos()} and cleared with {@link #resetTimes()}. Two
 * {@link System#nanoTime()} reads per call: negligible beside attention over a cache.
 */
public final class TimedSession implements AttentionSession {

    private final AttentionSession inner;
    private long appendNanos;
    private long attendNanos;

    TimedSession(AttentionSession inner) {
        this.inner = inner;
    }

    @Override
    public int length() {
        return inner.length();
    }

    @Override
    public void append(int layer, int pos, int n, float[] k, int kOffset, float[] v, int vOffset) {
        long t0 = System.nanoTime();
        try {
            inner.append(layer, pos, n, k, kOffset, v, vOffset);
        } finally {
            appendNanos += System.nanoTime() - t0;
        }
    }

    @Override
    public void attend(int layer, int pos, int n, float[] q, int qOffset, float[] out, int outOffset) {
        long t0 = System.nanoTime();
        try {
            inner.attend(layer, pos, n, q, qOffset, out, outOffset);
        } finally {
            attendNanos += System.nanoTime() - t0;
        }
    }

    /** Wall nanoseconds spent in {@code append} since the session opened or {@link #resetTimes()}. */
    public long appendNanos() {
        return appendNanos;
    }

    /** Wall nanoseconds spent in {@code attend} since the session opened or {@link #resetTimes()}. */
    public long attendNanos() {
        return attendNanos;
    }

    /** Both: the time attention took. */
    public long nanos() {
        return appendNanos + attendNanos;
    }

    public void resetTimes() {
        appendNanos = 0;
        attendNanos = 0;
    }

    @Override
    public void truncate(int length) {
        inner.truncate(length);
    }

    @Override
    public AttentionStats stats() {
        return inner.stats();
    }

    @Override
    public void resetStats() {
        inner.resetStats();
    }

    @Override
    public void setSelectionListener(SelectionListener listener) {
        inner.setSelectionListener(listener);
    }

    @Override
    public long cacheBytes() {
        return inner.cacheBytes();
    }

    @Override
    public void close() {
        inner.close();
    }
}
