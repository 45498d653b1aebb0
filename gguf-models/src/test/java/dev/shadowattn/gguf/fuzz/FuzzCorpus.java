package dev.shadowattn.gguf.fuzz;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** The committed fuzz corpus under {@code src/test/resources/fuzz/} (tests run in the module directory). */
public final class FuzzCorpus {

    public static final Path ROOT = Path.of("src/test/resources/fuzz");

    private FuzzCorpus() {
    }

    /** The regular files under {@code ROOT/sub}, sorted by path (empty if the folder does not exist). */
    public static List<Path> files(String sub) {
        Path dir = ROOT.resolve(sub);
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).filter(p -> !p.getFileName().toString().endsWith(".md"))
                    .sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The contents of {@link #files}. */
    public static List<byte[]> contents(String sub) {
        return files(sub).stream().map(FuzzCorpus::read).toList();
    }

    public static byte[] read(Path p) {
        try {
            return Files.readAllBytes(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
