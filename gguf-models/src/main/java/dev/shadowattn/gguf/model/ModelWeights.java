package dev.shadowattn.gguf.model;

import dev.shadowattn.gguf.GgufFile;
import dev.shadowattn.gguf.GgufTensor;
import dev.shadowattn.gguf.tensor.TensorKernels;

import java.util.ArrayList;
import java.util.List;

/**
 * All weights of a model, as views of the mapped GGUF file (nothing is copied but the small norm vectors).
 *
 * @param tokenEmbedding {@code token_embd.weight}, vocab x dim
 * @param layers         the blocks
 * @param outputNorm     {@code output_norm.weight}
 * @param output         {@code output.weight}, or the token embedding when the model ties them
 */
public record ModelWeights(Weight tokenEmbedding, List<LayerWeights> layers, float[] outputNorm, Weight output) {

    public static ModelWeights load(GgufFile file, ModelConfig c) {
        TensorKernels scalar = TensorKernels.scalar();
        Weight embedding = Weight.matrix(file.tensor("token_embd.weight"), c.vocabularySize(), c.dim());
        List<LayerWeights> layers = new ArrayList<>(c.layers());
        for (int i = 0; i < c.layers(); i++) {
            String p = "blk." + i + ".";
            layers.add(new LayerWeights(
                    vector(file, scalar, p + "attn_norm.weight", c.dim()),
                    Weight.matrix(file.tensor(p + "attn_q.weight"), c.qDim(), c.dim()),
                    Weight.matrix(file.tensor(p + "attn_k.weight"), c.kvDim(), c.dim()),
                    Weight.matrix(file.tensor(p + "attn_v.weight"), c.kvDim(), c.dim()),
                    Weight.matrix(file.tensor(p + "attn_output.weight"), c.dim(), c.qDim()),
                    vector(file, scalar, p + "ffn_norm.weight", c.dim()),
                    Weight.matrix(file.tensor(p + "ffn_gate.weight"), c.ffnDim(), c.dim()),
                    Weight.matrix(file.tensor(p + "ffn_up.weight"), c.ffnDim(), c.dim()),
                    Weight.matrix(file.tensor(p + "ffn_down.weight"), c.dim(), c.ffnDim())));
        }
        Weight output = file.findTensor("output.weight")
                .map(t -> Weight.matrix(t, c.vocabularySize(), c.dim()))
                .orElse(embedding);
        return new ModelWeights(embedding, List.copyOf(layers), vector(file, scalar, "output_norm.weight", c.dim()), output);
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
