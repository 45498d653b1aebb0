package dev.shadowattn.gguf.model;

import dev.shadowattn.gguf.GgufFile;
import dev.shadowattn.gguf.tokenizer.Tokenizer;

import java.nio.file.Path;

/**
 * A loaded model: the mapped GGUF file, its configuration, weights and tokenizer. Closing it unmaps the file;
 * weights must not be used afterwards.
 */
public final class Model implements AutoCloseable {

    private final GgufFile file;
    private final ModelConfig config;
    private final ModelWeights weights;
    private final Tokenizer tokenizer;

    private Model(GgufFile file, ModelConfig config, ModelWeights weights, Tokenizer tokenizer) {
        this.file = file;
        this.config = config;
        this.weights = weights;
        this.tokenizer = tokenizer;
    }

    /** Opens and maps a GGUF model; failures name the file and the key or tensor at fault. */
    public static Model load(Path path) {
        GgufFile file = GgufFile.open(path);
        try {
            ModelConfig config = ModelConfig.fromGguf(file);
            ModelWeights weights = ModelWeights.load(file, config);
            Tokenizer tokenizer = Tokenizer.fromGguf(file.metadata(), path);
            // Every token id must have an embedding row (rows beyond the tokenizer's ids are padding).
            if (tokenizer.vocabularySize() > config.vocabularySize()) {
                throw new IllegalArgumentException(path.getFileName() + ": the tokenizer has "
                        + tokenizer.vocabularySize() + " tokens but tensor 'token_embd.weight' has only "
                        + config.vocabularySize() + " rows");
            }
            return new Model(file, config, weights, tokenizer);
        } catch (RuntimeException e) {
            file.close();
            if (e instanceof IllegalArgumentException && !String.valueOf(e.getMessage()).contains(path.getFileName().toString())) {
                throw new IllegalArgumentException(path.getFileName() + ": " + e.getMessage(), e);
            }
            throw e;
        }
    }

    public GgufFile file() {
        return file;
    }

    public Path path() {
        return file.path();
    }

    public ModelConfig config() {
        return config;
    }

    public ModelWeights weights() {
        return weights;
    }

    public Tokenizer tokenizer() {
        return tokenizer;
    }

    @Override
    public void close() {
        file.close();
    }
}
