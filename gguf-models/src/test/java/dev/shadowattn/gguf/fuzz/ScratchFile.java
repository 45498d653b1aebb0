package dev.shadowattn.gguf.fuzz;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The one file a fuzz loop rewrites for every input, on tmpfs ({@code /dev/shm}) when the machine has it: writing
 * a small file there takes microseconds, on a disk file system a truncating write can take milliseconds.
 */
public final class ScratchFile implements AutoCloseable {

    private final Path dir;
    private final Path file;

    public ScratchFile(Path fallbackDir, String name) {
        Path shm = Path.of("/dev/shm");
        try {
            dir = Files.createTempDirectory(Files.isDirectory(shm) && Files.isWritable(shm) ? shm : fallbackDir,
                    "shadowattn-fuzz");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        file = dir.resolve(name);
    }

    /** Replaces the file's content with {@code bytes}; returns its path. */
    public Path write(byte[] bytes) {
        try {
            return Files.write(file, bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        try {
            Files.deleteIfExists(file);
            Files.deleteIfExists(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
