package dev.shadowattn.host.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Finds the embedded default model, {@code gguf-models/models/house-25m-q8_0.gguf}: relative to the project home
 * (system property {@code shadowattn.home}, set by the launcher), the working directory, or the directories above
 * the running code.
 */
final class ModelLocator {

    static final String EMBEDDED = "gguf-models/models/house-25m-q8_0.gguf";

    private ModelLocator() {
    }

    static Path defaultModel() {
        List<Path> tried = new ArrayList<>();
        String home = System.getProperty("shadowattn.home");
        if (home != null) {
            tried.add(Path.of(home).resolve(EMBEDDED));
        }
        Path cwd = Path.of("").toAbsolutePath();
        for (Path p = cwd; p != null; p = p.getParent()) {
            tried.add(p.resolve(EMBEDDED));
        }
        try {
            Path code = Path.of(ModelLocator.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            for (Path p = code; p != null; p = p.getParent()) {
                tried.add(p.resolve(EMBEDDED));
            }
        } catch (Exception ignored) {
            // no code source: rely on the other places
        }
        for (Path p : tried) {
            if (Files.isRegularFile(p)) {
                return p.normalize();
            }
        }
        throw new CliArgs.UsageException("no --model given and the embedded model " + EMBEDDED
                + " was not found (looked under " + cwd + " and its parents); pass --model PATH");
    }
}
