package dev.shadowattn.host.calibrate;

import dev.shadowattn.api.AttentionBackend;
import dev.shadowattn.api.AttentionGeometry;
import dev.shadowattn.api.AttentionSession;
import dev.shadowattn.api.AttentionStats;
import dev.shadowattn.api.SelectionListener;

/**
 * A decorator over any attention backend that shows the Q and K of every call to a {@link QkObserver}, then
 * delegates: how calibration reads post-RoPE activations through the SPI without touching the engine. With no
 * observer set it only delegates. Closing it closes the delegate.
 */
public final class ObservingBackend implements AttentionBackend {

    private final AttentionBackend delegate;
    private volatile QkObserver observer;

    public ObservingBackend(AttentionBackend delegate) {
        this.delegate = delegate;
    }

    /** Observer of the calls that follow (all sessions), or {@code null} to stop observing. */
    public void setObserver(QkObserver observer) {
        this.observer = observer;
    }

    @Override
    public String name() {
        return delegate.name();
    }

    @Override
    public AttentionGeometry geometry() {
        return delegate.geometry();
    }

    @Override
    public String describe() {
        return delegate.describe();
    }

    @Override
    public AttentionSession openSession() {
        return new Session(delegate.openSession());
    }

    @Override
    public void close() {
        delegate.close();
    }

    private final class Session implements AttentionSession {

        private final AttentionSession s;

        Session(AttentionSession s) {
            this.s = s;
        }

        @Override
        public int length() {
            return s.length();
        }

        @Override
        public void append(int layer, int pos, int n, float[] k, int kOffset, float[] v, int vOffset) {
            QkObserver o = observer;
            if (o != null) {
                o.keys(layer, pos, n, k, kOffset);
            }
            s.append(layer, pos, n, k, kOffset, v, vOffset);
        }

        @Override
        public void attend(int layer, int pos, int n, float[] q, int qOffset, float[] out, int outOffset) {
            QkObserver o = observer;
            if (o != null) {
                o.queries(layer, pos, n, q, qOffset);
            }
            s.attend(layer, pos, n, q, qOffset, out, outOffset);
        }

        @Override
        public void truncate(int length) {
            s.truncate(length);
        }

        @Override
        public AttentionStats stats() {
            return s.stats();
        }

        @Override
        public void resetStats() {
            s.resetStats();
        }

        @Override
        public void setSelectionListener(SelectionListener listener) {
            s.setSelectionListener(listener);
        }

        @Override
        public long cacheBytes() {
            return s.cacheBytes();
        }

        @Override
        public void close() {
            s.close();
        }
    }
}
