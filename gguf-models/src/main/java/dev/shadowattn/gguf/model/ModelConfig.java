package dev.shadowattn.gguf.model;

import dev.shadowattn.gguf.GgufFile;
import dev.shadowattn.gguf.GgufMetadata;
import dev.shadowattn.gguf.GgufTensor;

/**
 * Hyperparameters of a model, read from GGUF metadata ({@code ARCH.embedding_length} and friends, see the GGUF
 * spec's "LLM" key section).
 *
 * @param architecture     the architecture
 * @param name             {@code general.name}, or the file name
 * @param dim              embedding length
 * @param layers           block count
 * @param heads            query heads
 * @param kvHeads          key/value heads (grouped-query attention)
 * @param headDim          dimension of one head
 * @param ffnDim           feed-forward hidden size
 * @param vocabularySize   rows of the token embedding
 * @param contextLength    context the model was trained for
 * @param ropeBase         RoPE frequency base
 * @param ropeDimensions   dimensions of a head that RoPE rotates (from {@code rope.dimension_count}, else all)
 * @param ropeScaling      context-extension scaling of the RoPE frequencies
 * @param rmsEps           RMSNorm epsilon
 */
public record ModelConfig(Architecture architecture, String name, int dim, int layers, int heads, int kvHeads,
                          int headDim, int ffnDim, int vocabularySize, int contextLength, float ropeBase,
                          int ropeDimensions, RopeScaling ropeScaling, float rmsEps) {

    public ModelConfig {
        if (heads % kvHeads != 0) {
            throw new IllegalArgumentException("head_count " + heads + " is not a multiple of head_count_kv " + kvHeads);
        }
        if (ropeDimensions < 0 || ropeDimensions % 2 != 0 || ropeDimensions > headDim) {
            throw new IllegalArgumentException("rope.dimension_count " + ropeDimensions
                    + " must be even, not negative and <= head dim " + headDim);
        }
    }

    public static ModelConfig fromGguf(GgufFile file) {
        GgufMetadata md = file.metadata();
        Architecture arch = Architecture.of(md.getString("general.architecture"), file.path());
        String p = arch.ggufName() + ".";
        int dim = positive(file, p + "embedding_length", md.getInt(p + "embedding_length"));
        int heads = positive(file, p + "attention.head_count", md.getInt(p + "attention.head_count"));
        int kvHeads = positive(file, p + "attention.head_count_kv", md.getInt(p + "attention.head_count_kv", heads));
        if (dim % heads != 0 && !md.contains(p + "attention.key_length")) {
            throw new IllegalArgumentException(file.path().getFileName() + ": embedding_length " + dim
                    + " is not a multiple of attention.head_count " + heads);
        }
        // Head dimension: attention.key_length when present (Qwen3: not width / heads), else width / heads.
        int headDim = positive(file, p + "attention.key_length", md.getInt(p + "attention.key_length", dim / heads));
        int valueDim = md.getInt(p + "attention.value_length", headDim);
        if (valueDim != headDim) {
            throw new IllegalArgumentException(file.path().getFileName() + ": attention.value_length " + valueDim
                    + " differs from attention.key_length " + headDim + "; the engine needs equal K and V head sizes");
        }
        // ne[1] of the token embedding is the vocabulary size (fuzz findings: a 1-D embedding was an AIOOBE, an
        // embedding of 0 rows was accepted).
        GgufTensor embedding = file.tensor("token_embd.weight");
        if (embedding.dims() != 2 || embedding.dim(1) < 1 || embedding.dim(1) > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(file.path().getFileName() + ": tensor 'token_embd.weight' has shape "
                    + java.util.Arrays.toString(embedding.shape()) + ", expected [embedding_length, vocabulary size]");
        }
        int vocab = (int) embedding.dim(1);
        return new ModelConfig(arch,
                md.getString("general.name", file.path().getFileName().toString()),
                dim,
                positive(file, p + "block_count", md.getInt(p + "block_count")),
                heads, kvHeads, headDim,
                positive(file, p + "feed_forward_length", md.getInt(p + "feed_forward_length")),
                vocab,
                positive(file, p + "context_length", md.getInt(p + "context_length")),
                md.getFloat(p + "rope.freq_base", 10000f),
                md.getInt(p + "rope.dimension_count", headDim),
                RopeScaling.fromGguf(md, p, file.path()),
                md.getFloat(p + "attention.layer_norm_rms_epsilon", 1e-5f));
    }

    private static int positive(GgufFile file, String key, int value) {
        if (value <= 0) {
            throw new IllegalArgumentException(file.path().getFileName() + ": metadata " + key + " must be positive, got " + value);
        }
        return value;
    }

    /** Floats in one position's K (or V) across KV heads. */
    public int kvDim() {
        return kvHeads * headDim;
    }

    /** Floats in one position's Q across query heads. */
    public int qDim() {
        return heads * headDim;
    }
}
