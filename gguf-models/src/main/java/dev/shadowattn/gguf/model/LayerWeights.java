package dev.shadowattn.gguf.model;

/**
 * The weights of one transformer block ({@code blk.N.*} in GGUF naming). Vectors of groups an architecture may
 * lack ({@link Architecture#qkvBias()}, {@link Architecture#outputBias()}, {@link Architecture#qkNorm()}) are null
 * when absent.
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
 * @param qBias    {@code attn_q.bias}, qDim floats, or null
 * @param kBias    {@code attn_k.bias}, kvDim floats, or null
 * @param vBias    {@code attn_v.bias}, kvDim floats, or null
 * @param oBias    {@code attn_output.bias}, dim floats, or null
 * @param qNorm    {@code attn_q_norm}, RMSNorm weight applied to each query head, headDim floats, or null
 * @param kNorm    {@code attn_k_norm}, RMSNorm weight applied to each key head, headDim floats, or null
 */
public record LayerWeights(float[] attnNorm, Weight wq, Weight wk, Weight wv, Weight wo,
                           float[] ffnNorm, Weight wGate, Weight wUp, Weight wDown,
                           float[] qBias, float[] kBias, float[] vBias, float[] oBias,
                           float[] qNorm, float[] kNorm) {
}
