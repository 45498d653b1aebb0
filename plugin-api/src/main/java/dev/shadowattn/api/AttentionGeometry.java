package dev.shadowattn.api;

/**
 * The shape of a model's attention, as a backend needs it.
 *
 * <p>Tensor layouts used throughout the SPI (row-major, float32):
 * <ul>
 *   <li>K and V for {@code n} positions of one layer: {@code [n][kvHeads][headDim]};</li>
 *   <li>Q and the attention output for {@code n} query rows: {@code [n][queryHeads][headDim]}.</li>
 * </ul>
 * Query head {@code h} reads KV head {@code h / groupSize()} (grouped-query attention).
 *
 * @param layers     number of transformer layers
 * @param queryHeads number of query heads per layer
 * @param kvHeads    number of key/value heads per layer; divides {@code queryHeads}
 * @param headDim    dimension of one head (same for K, Q and V)
 * @param maxContext the most positions a session may hold
 */
public record AttentionGeometry(int layers, int queryHeads, int kvHeads, int headDim, int maxContext) {

    public AttentionGeometry {
        require(layers > 0, "layers", layers);
        require(queryHeads > 0, "queryHeads", queryHeads);
        require(kvHeads > 0, "kvHeads", kvHeads);
        require(headDim > 0, "headDim", headDim);
        require(maxContext > 0, "maxContext", maxContext);
        if (queryHeads % kvHeads != 0) {
            throw new IllegalArgumentException(
                    "queryHeads (" + queryHeads + ") must be a multiple of kvHeads (" + kvHeads + ")");
        }
    }

    private static void require(boolean ok, String field, int value) {
        if (!ok) {
            throw new IllegalArgumentException("attention geometry: " + field + " must be positive, got " + value);
        }
    }

    /** Query heads that share one KV head. */
    public int groupSize() {
        return queryHeads / kvHeads;
    }

    /** Floats in one position's K (or V) row across all KV heads. */
    public int kvDim() {
        return kvHeads * headDim;
    }

    /** Floats in one query (or output) row across all query heads. */
    public int queryDim() {
        return queryHeads * headDim;
    }
}
