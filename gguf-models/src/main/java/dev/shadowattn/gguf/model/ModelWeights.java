package dev.shadowattn.gguf.model;

import dev.shadowattn.gguf.GgufFile;
import dev.shadowattn.gguf.GgufTensor;
import dev.shadowattn.gguf.model.Architecture.Presence;
import dev.shadowattn.gguf.tensor.TensorKernels;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * All weights of a model, as views of the mapped GGUF file (nothing is copied but the small vectors: norms,
 * biases, RoPE factors). Tensor names are llama.cpp's ({@code llama-arch.cpp}, {@code LLM_TENSOR_NAMES}).
 *
 * <p>Loading is strict, as llama.cpp's: a tensor the architecture requires must be present with the expected shape,
 * and a tensor it does not use must be absent, since the forward pass would silently ignore it.
 *
 * @param tokenEmbedding {@code token_embd.weight}, vocab x dim
 * @param layers         the blocks
 * @param outputNorm     {@code output_norm.weight}
 * @param output         {@code output.weight}, or the token embedding when the model ties them
 * @param ropeFactors    {@code rope_freqs.weight}, one frequency divisor per rotated pair, or null
 */
public record ModelWeights(Weight tokenEmbedding, List<LayerWeights> layers, float[] outputNorm, Weight output,
                           float[] ropeFactors) {

    public static ModelWeights load(GgufFile file, ModelConfig c) {
        Loader in = new Loader(file);
        Architecture a = c.architecture();
        Weight embedding = in.matrix("token_embd.weight", c.vocabularySize(), c.dim());
        // Not sized by block_count alone: a corrupt count must fail on the first missing tensor, not allocate
        // (fuzz finding: block_count 2^31 - 1 was an OutOfMemoryError).
        List<LayerWeights> layers = new ArrayList<>(Math.min(c.layers(), file.tensors().size()));
        for (int i = 0; i < c.layers(); i++) {
            String p = "blk." + i + ".";
            layers.add(new LayerWeights(
                    in.vector(p + "attn_norm.weight", c.dim()),
                    in.matrix(p + "attn_q.weight", c.qDim(), c.dim()),
                    in.matrix(p + "attn_k.weight", c.kvDim(), c.dim()),
                    in.matrix(p + "attn_v.weight", c.kvDim(), c.dim()),
                    in.matrix(p + "attn_output.weight", c.dim(), c.qDim()),
                    in.vector(p + "ffn_norm.weight", c.dim()),
                    in.matrix(p + "ffn_gate.weight", c.ffnDim(), c.dim()),
                    in.matrix(p + "ffn_up.weight", c.ffnDim(), c.dim()),
                    in.matrix(p + "ffn_down.weight", c.dim(), c.ffnDim()),
                    in.vector(p + "attn_q.bias", c.qDim(), a.qkvBias()),
                    in.vector(p + "attn_k.bias", c.kvDim(), a.qkvBias()),
                    in.vector(p + "attn_v.bias", c.kvDim(), a.qkvBias()),
                    in.vector(p + "attn_output.bias", c.dim(), a.outputBias()),
                    in.vector(p + "attn_q_norm.weight", c.headDim(), a.qkNorm()),
                    in.vector(p + "attn_k_norm.weight", c.headDim(), a.qkNorm())));
        }
        Weight output = file.findTensor("output.weight").isPresent()
                ? in.matrix("output.weight", c.vocabularySize(), c.dim())
                : embedding;
        float[] outputNorm = in.vector("output_norm.weight", c.dim());
        float[] ropeFactors = in.vector("rope_freqs.weight", c.ropeDimensions() / 2, a.ropeFactors());
        in.checkAllUsed(a);
        return new ModelWeights(embedding, List.copyOf(layers), outputNorm, output, ropeFactors);
    }

    /** Reads tensors by name, remembering which ones were read. */
    private static final class Loader {
        private final GgufFile file;
        private final TensorKernels scalar = TensorKernels.scalar();
        private final Set<String> used = new HashSet<>();

        Loader(GgufFile file) {
            this.file = file;
        }

        Weight matrix(String name, int rows, int cols) {
            used.add(name);
            return Weight.matrix(file.tensor(name), rows, cols);
        }

        /** A 1-D tensor of {@code n} elements read into a float array. */
        float[] vector(String name, int n) {
            used.add(name);
            return ModelWeights.vector(file, scalar, name, n);
        }

        /** A vector of an optional group: null when absent and allowed to be; errors name the tensor. */
        float[] vector(String name, int n, Presence presence) {
            boolean present = file.findTensor(name).isPresent();
            return switch (presence) {
                case REQUIRED -> vector(name, n);
                case OPTIONAL -> present ? vector(name, n) : null;
                case ABSENT -> null;   // a present one is reported by checkAllUsed
            };
        }

        void checkAllUsed(Architecture a) {
            List<String> unused = file.tensors().stream().map(GgufTensor::name).filter(n -> !used.contains(n)).toList();
            if (!unused.isEmpty()) {
                throw new IllegalArgumentException(file.path().getFileName() + ": tensors that architecture '"
                        + a.ggufName() + "' does not use: " + unused.stream().limit(8).collect(Collectors.joining(", "))
                        + (unused.size() > 8 ? " and " + (unused.size() - 8) + " more" : ""));
            }
        }
    }

    /** Reads a 1-D tensor (a norm weight) of {@code n} elements into a float array. */
    static float[] vector(GgufFile file, TensorKernels kernels, String name, int n) {
        GgufTensor t = file.tensor(name);
        if (t.elementCount() != n) {
            throw new IllegalArgumentException(file.path().getFileName() + ": tensor '" + name + "' has "
                    + t.elementCount() + " elements, expected " + n);
        }
        if (!t.type().computeSupported()) {
            throw new IllegalArgumentException(file.path().getFileName() + ": tensor '" + name + "' has type "
                    + t.type() + ", which this engine cannot compute with");
        }
        float[] out = new float[n];
        kernels.dequantize(t.type(), t.data(), 0, out, 0, n);
        return out;
    }
}
