package dev.shadowattn.host.backend;

import dev.shadowattn.api.AttentionBackend;
import dev.shadowattn.api.AttentionGeometry;
import dev.shadowattn.api.AttentionOptions;
import dev.shadowattn.api.AttentionProvider;
import dev.shadowattn.api.AttentionSession;

import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * A test provider registered in the test class path's META-INF/services: it wraps {@code dense} and counts the
 * calls the engine makes, and can hand each call's tensors to a listener (used to capture real Q/K/V).
 */
public final class RecordingProvider implements AttentionProvider {

    /** Calls seen by all recording backends of this JVM; tests read and reset them. */
    public static final AtomicLong APPENDS = new AtomicLong();
    public static final AtomicLong ATTENDS = new AtomicLong();

    /** One attend call: the query rows, with the layer and positions. */
    public record AttendCall(int layer, int pos, int n, float[] q) {
    }

    /** One append call. */
    public record AppendCall(int layer, int pos, int n, float[] k, float[] v) {
    }

    private static volatile Consumer<Object> listener;

    public static void listen(Consumer<Object> l) {
        listener = l;
    }

    @Override
    public String name() {
        return "recording";
    }

    @Override
    public String description() {
        return "test: dense attention that records the calls it gets";
    }

    @Override
    public int priority() {
        return -100;
    }

    @Override
    public AttentionBackend create(AttentionGeometry geometry, AttentionOptions options) {
        AttentionBackend dense = AttentionBackends.discover().select("dense").create(geometry, options);
        return new AttentionBackend() {
            @Override
            public String name() {
                return "recording";
            }

            @Override
            public AttentionGeometry geometry() {
                return geometry;
            }

            @Override
            public AttentionSession openSession() {
                AttentionSession s = dense.openSession();
                int kvDim = geometry.kvDim(), qDim = geometry.queryDim();
                return new AttentionSession() {
                    @Override
                    public int length() {
                        return s.length();
                    }

                    @Override
                    public void append(int layer, int pos, int n, float[] k, int kOffset, float[] v, int vOffset) {
                        APPENDS.incrementAndGet();
                        Consumer<Object> l = listener;
                        if (l != null) {
                            l.accept(new AppendCall(layer, pos, n,
                                    java.util.Arrays.copyOfRange(k, kOffset, kOffset + n * kvDim),
                                    java.util.Arrays.copyOfRange(v, vOffset, vOffset + n * kvDim)));
                        }
                        s.append(layer, pos, n, k, kOffset, v, vOffset);
                    }

                    @Override
                    public void attend(int layer, int pos, int n, float[] q, int qOffset, float[] out, int outOffset) {
                        ATTENDS.incrementAndGet();
                        Consumer<Object> l = listener;
                        if (l != null) {
                            l.accept(new AttendCall(layer, pos, n, java.util.Arrays.copyOfRange(q, qOffset, qOffset + n * qDim)));
                        }
                        s.attend(layer, pos, n, q, qOffset, out, outOffset);
                    }

                    @Override
                    public void truncate(int length) {
                        s.truncate(length);
                    }

                    @Override
                    public long cacheBytes() {
                        return s.cacheBytes();
                    }

                    @Override
                    public void close() {
                        s.close();
                    }
                };
            }

            @Override
            public void close() {
                dense.close();
            }
        };
    }
}
