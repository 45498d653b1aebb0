package dev.shadowattn.host.engine;

import dev.shadowattn.api.AttentionBackend;
import dev.shadowattn.api.AttentionOptions;
import dev.shadowattn.gguf.model.Model;
import dev.shadowattn.host.backend.AttentionBackends;

import java.nio.file.Files;
import java.nio.file.Path;

/** Test access to the embedded house model and engines over it. */
public final class HouseModel {

    /** The embedded model, relative to a module directory (surefire's working directory). */
    public static final Path PATH = Path.of("../gguf-models/models/house-25m-q8_0.gguf");

    private HouseModel() {
    }

    public static Model load() {
        if (!Files.isRegularFile(PATH)) {
            throw new IllegalStateException("embedded model missing at " + PATH.toAbsolutePath());
        }
        return Model.load(PATH);
    }

    /** An engine over {@code model} with the named backend (created through the SPI) and context {@code ctx}. */
    public static Engine engine(Model model, String backend, int ctx, int threads) {
        return engine(model, backend, ctx, threads, AttentionOptions.NONE);
    }

    public static Engine engine(Model model, String backend, int ctx, int threads, AttentionOptions options) {
        AttentionBackend b = AttentionBackends.discover().select(backend)
                .create(Engine.geometry(model.config(), ctx), options);
        return new Engine(model, b, ctx, threads, Engine.DEFAULT_CHUNK);
    }
}
