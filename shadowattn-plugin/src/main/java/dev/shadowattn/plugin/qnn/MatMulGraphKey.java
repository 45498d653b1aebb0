package dev.shadowattn.plugin.qnn;

import java.util.Locale;

/**
 * Identifies one static score graph (SHADOWATTN.md, "NPU compute-graph bucketing"): everything a QNN graph bakes
 * in at finalize time. The graph computes, for {@code heads} fused heads, {@code S[h] = Q[h] · K[h]^T} with
 * {@code Q[h]} of shape {@code [rows][headDim]} and {@code K[h]} of shape {@code [keys][headDim]}; queries are
 * padded to {@code rows} and keys to {@code keys} (the key-length bucket).
 *
 * @param bucket  static scales of Q, K and the output
 * @param headDim dimension of one head
 * @param rows    query rows (the chunk size, padded)
 * @param heads   heads fused into one launch
 * @param keys    key-length bucket (keys beyond the valid count are padding)
 * @param input   encoding of Q and K (U8 offset -128, or S8)
 * @param output  encoding of the scores (U8, S8 or U16)
 */
public record MatMulGraphKey(ScaleBucket bucket, int headDim, int rows, int heads, int keys, QuantEncoding input,
                             QuantEncoding output) {

    public MatMulGraphKey {
        if (bucket == null || input == null || output == null) {
            throw new IllegalArgumentException("score graph key: bucket and encodings are required");
        }
        if (headDim <= 0 || rows <= 0 || heads <= 0 || keys <= 0) {
            throw new IllegalArgumentException("score graph key: headDim " + headDim + ", rows " + rows + ", heads "
                    + heads + ", keys " + keys + " must all be positive");
        }
        if (!input.holdsInt8()) {
            throw new IllegalArgumentException("score graph key: input encoding " + input + " does not hold INT8");
        }
        long scoreBytes = (long) heads * rows * keys * output.dataType().bytes();
        long keyBytes = (long) heads * keys * headDim;
        if (scoreBytes > 0xFFFF_FFFFL || keyBytes > 0xFFFF_FFFFL) {
            throw new IllegalArgumentException(
                    "score graph key: a tensor exceeds 4 GiB (the uint32 client buffer size)");
        }
    }

    /** Unique graph name: shapes, encodings and the bit patterns of the two scales and the output step. */
    public String graphName() {
        return "sa_qk_" + input.name().toLowerCase(Locale.ROOT) + output.name().toLowerCase(Locale.ROOT)
                + "_d" + headDim + "_r" + rows + "_h" + heads + "_k" + keys
                + "_" + Integer.toHexString(Float.floatToIntBits(bucket.qScale()))
                + "_" + Integer.toHexString(Float.floatToIntBits(bucket.kScale()))
                + "_" + Long.toHexString(Double.doubleToLongBits(bucket.outputStep()));
    }

    /** Q: {@code [heads][rows][headDim]}, application-written. */
    public QnnTensorSpec querySpec() {
        return new QnnTensorSpec("q", QnnTensorType.APP_WRITE, input, bucket.qScale(),
                new int[] {heads, rows, headDim});
    }

    /** K: {@code [heads][keys][headDim]}, application-written; the node transposes it (transpose_in1). */
    public QnnTensorSpec keySpec() {
        return new QnnTensorSpec("k", QnnTensorType.APP_WRITE, input, bucket.kScale(),
                new int[] {heads, keys, headDim});
    }

    /** Scores: {@code [heads][rows][keys]}, application-read. */
    public QnnTensorSpec scoreSpec() {
        return new QnnTensorSpec("s", QnnTensorType.APP_READ, output, bucket.outScale(), new int[] {heads, rows, keys});
    }
}
