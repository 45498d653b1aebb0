package dev.shadowattn.gguf.model;

/**
 * The weights of one transformer block ({@code blk.N.*} in GGUF naming).
 *
 * @param attnNorm RMSNorm weight before attention, {@code dim} floats
 * @param wq       {@code attn_q}, qDim x dim
 * @param wk       {@code attn_k}, kvDim x dim
 * @param wv       {@code attn_v}, kvDim x dim
 * @param wo       {@code attn_output}, dim x qDim
 * @param ffnNorm  RMSNorm weight before the feed-forward network
 * @param wGate    {@code ffn_gate}, ffnDim x dim
 * @param wUp      {@code ffn_up}, ffnDim x dim
 * @param wDown    {@code ffn_down}, dim x ffnDim
 */
public record LayerWeights(float[] attnNorm, Weight wq, Weight wk, Weight wv, Weight wo,
                           float[] ffnNorm, Weight wGate, Weight wUp, Weight wDown) {
}
