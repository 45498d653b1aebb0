package dev.shadowattn.host.cli;

import dev.shadowattn.api.AttentionBackend;
import dev.shadowattn.api.AttentionOptions;
import dev.shadowattn.api.AttentionProvider;
import dev.shadowattn.gguf.model.Model;
import dev.shadowattn.host.backend.AttentionBackends;
import dev.shadowattn.host.engine.Engine;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;

/** Options shared by the commands that run a model, and the construction of the engine from them. */
final class EngineOptions {

    private EngineOptions() {
    }

    static CliArgs declare(CliArgs args) {
        return declareRuntime(declareBackend(declareModel(args)));
    }

    /** {@code --model}. */
    static CliArgs declareModel(CliArgs args) {
        return args.option("model", "-m", "file.gguf", "GGUF model (default: the embedded " + ModelLocator.EMBEDDED + ")");
    }

    /** {@code --backend} and {@code --backend-opt}. */
    static CliArgs declareBackend(CliArgs args) {
        return args
                .option("backend", "-b", "name", "attention backend (default: -D" + AttentionBackends.PROPERTY
                        + ", else the highest-priority available; see 'backends')")
                .repeatable("backend-opt", "key=value", "option for the attention backend");
    }

    /** {@code --threads}, {@code --chunk} and {@code --help}. */
    static CliArgs declareRuntime(CliArgs args) {
        return args
                .option("threads", "-t", "n", "threads (default: all cores)")
                .option("chunk", "n", "prefill chunk rows (default " + Engine.DEFAULT_CHUNK + ")")
                .flag("allow-long-context", "allow a context beyond the model's trained length (RoPE extrapolates; quality drops)")
                .flag("help", "show this help");
    }

    static Path modelPath(CliArgs args) {
        Path p = args.get("model").map(Path::of).orElseGet(ModelLocator::defaultModel);
        if (!Files.isRegularFile(p)) {
            throw new CliArgs.UsageException("--model " + p + ": no such file");
        }
        return p;
    }

    static int threads(CliArgs args) {
        int t = args.getInt("threads", Runtime.getRuntime().availableProcessors());
        if (t < 1 || t > 1024) {
            throw new CliArgs.UsageException("--threads must be between 1 and 1024, got " + t);
        }
        return t;
    }

    /**
     * Builds an engine over {@code model} with the selected backend and {@code contextSize} positions. A context
     * beyond the model's trained length is refused up front unless {@code --allow-long-context} is given.
     */
    static Engine engine(CliArgs args, Model model, int contextSize, PrintStream err) {
        return engine(args, model, contextSize, args.get("backend").orElse(null), args.has("allow-long-context"), err);
    }

    /**
     * As {@link #engine(CliArgs, Model, int, PrintStream)}, with the backend named and the long-context rule given:
     * when {@code allowLongContext}, a context beyond the trained length only warns (benchmarks measure speed there).
     */
    static Engine engine(CliArgs args, Model model, int contextSize, String backendName, boolean allowLongContext,
                         PrintStream err) {
        int trained = model.config().contextLength();
        if (contextSize > trained) {
            if (!allowLongContext) {
                throw new CliArgs.UsageException("a context of " + contextSize + " positions exceeds the model's trained context of "
                        + trained + " (" + model.path().getFileName() + "); use a smaller --ctx-size, or --allow-long-context to run beyond it");
            }
            err.printf("warning: context %d exceeds the model's trained context %d%n", contextSize, trained);
        }
        int threads = threads(args);
        int chunk = chunk(args);
        AttentionBackend backend = backend(model, contextSize, backendName, args.all("backend-opt"), threads);
        try {
            return new Engine(model, backend, contextSize, threads, chunk);
        } catch (RuntimeException e) {
            backend.close();
            throw e;
        }
    }

    static int chunk(CliArgs args) {
        int chunk = args.getInt("chunk", Engine.DEFAULT_CHUNK);
        if (chunk < 1 || chunk > 4096) {
            throw new CliArgs.UsageException("--chunk must be between 1 and 4096, got " + chunk);
        }
        return chunk;
    }

    /**
     * Creates the named backend ({@code null}: the default one) for {@code model} with {@code contextSize} positions,
     * given {@code key=value} options plus the model path, model name and thread count the engine always passes.
     */
    static AttentionBackend backend(Model model, int contextSize, String backendName, Iterable<String> backendOpts,
                                    int threads) {
        AttentionProvider provider = AttentionBackends.discover().select(backendName);
        AttentionOptions options = AttentionOptions.parse(backendOpts)
                .with(AttentionOptions.MODEL_PATH, model.path().toString())
                .with(AttentionOptions.MODEL_NAME, model.config().name())
                .with(AttentionOptions.THREADS, Integer.toString(threads));
        return provider.create(Engine.geometry(model.config(), contextSize), options);
    }
}
