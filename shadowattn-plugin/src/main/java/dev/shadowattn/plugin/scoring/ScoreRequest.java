package dev.shadowattn.plugin.scoring;

/**
 * One batch of INT8 Q·K^T estimation: {@code heads} query heads (an NPU fuses heads that share a scale bucket into
 * one launch) times {@code rows} consecutive query rows (a chunk; an NPU graph has a fixed chunk shape and pads it)
 * against one layer's shadow keys.
 *
 * @param keys     the layer's INT8 keys
 * @param kvHead   for each head of the batch, the KV head it reads ({@code heads} entries)
 * @param heads    query heads in the batch
 * @param rows     query rows per head
 * @param q        quantized queries {@code [heads][rows][headDim]}, floats holding integers in [-127, 127], from
 *                 {@code qOff}
 * @param qOff     offset of the first query in {@code q}
 * @param qScale   scale of each query ({@code [heads][rows]} from {@code sOff}; {@code real = int8 * scale}); the
 *                 same for all rows of a head with per-chunk or static scales
 * @param qBias    per query, a term added to every score of the query, or null: {@code q·mean(K)} when the
 *                 shadow K was quantized after subtracting the mean, so that scores stay estimates of {@code q·k}
 * @param sOff     offset of the first scale (and bias) in {@code qScale} ({@code qBias})
 * @param firstPos position of row 0; row {@code r} sees keys {@code [0, firstPos + r]} (causal)
 * @param keyCount keys to score, {@code [0, keyCount)}, at most {@code firstPos + rows} and at most the keys held;
 *                 padding beyond it never reaches selection
 */
public record ScoreRequest(ShadowKeys keys, int[] kvHead, int heads, int rows, float[] q, int qOff, float[] qScale,
                           float[] qBias, int sOff, int firstPos, int keyCount) {

    public ScoreRequest {
        if (heads <= 0 || rows <= 0 || kvHead.length < heads) {
            throw new IllegalArgumentException("score request: " + heads + " heads x " + rows + " rows with "
                    + kvHead.length + " KV head entries");
        }
        if (keyCount < 0 || keyCount > firstPos + rows || keyCount > keys.length()) {
            throw new IllegalArgumentException("score request: keyCount " + keyCount + " outside [0, "
                    + Math.min(firstPos + rows, keys.length()) + "]");
        }
        for (int i = 0; i < heads; i++) {
            if (kvHead[i] < 0 || kvHead[i] >= keys.kvHeads()) {
                throw new IllegalArgumentException("score request: KV head " + kvHead[i] + " of batch head " + i
                        + " is outside [0, " + keys.kvHeads() + ")");
            }
        }
    }

    /** Smallest output row stride: {@code keyCount} rounded up to whole groups of 16 keys. */
    public int minStride() {
        return (keyCount + 15) & ~15;
    }
}
