package dev.shadowattn.host.calibrate;

/**
 * Sees the post-RoPE queries and keys an engine hands to its attention backend (layouts of
 * {@link dev.shadowattn.api.AttentionGeometry}); called on the thread running the forward pass, before the backend.
 */
public interface QkObserver {

    /** K rows of positions {@code [pos, pos+n)} of {@code layer}: {@code n * kvDim} floats from {@code off}. */
    void keys(int layer, int pos, int n, float[] k, int off);

    /** Q rows of positions {@code [pos, pos+n)} of {@code layer}: {@code n * queryDim} floats from {@code off}. */
    void queries(int layer, int pos, int n, float[] q, int off);

    /** Both observers, {@code a} first. */
    static QkObserver both(QkObserver a, QkObserver b) {
        return new QkObserver() {
            @Override
            public void keys(int layer, int pos, int n, float[] k, int off) {
                a.keys(layer, pos, n, k, off);
                b.keys(layer, pos, n, k, off);
            }

            @Override
            public void queries(int layer, int pos, int n, float[] q, int off) {
                a.queries(layer, pos, n, q, off);
                b.queries(layer, pos, n, q, off);
            }
        };
    }
}
