package dev.shadowattn.host.calibrate;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;

/**
 * What identifies a model file in its profile: name, size, modification time and the SHA-256 of its bytes.
 *
 * @param name     file name (no directory)
 * @param size     bytes
 * @param modified last modification time, to millisecond precision
 * @param sha256   lower-case hex digest of the whole file
 */
public record ModelFingerprint(String name, long size, Instant modified, String sha256) {

    public static ModelFingerprint of(Path file) {
        try {
            long size = Files.size(file);
            Instant modified = Instant.ofEpochMilli(Files.getLastModifiedTime(file).toMillis());
            return new ModelFingerprint(file.getFileName().toString(), size, modified, sha256(file));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    /** SHA-256 of a file's bytes, read in 1 MiB blocks. */
    public static String sha256(Path file) throws IOException {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JVM has no SHA-256", e);
        }
        ByteBuffer buf = ByteBuffer.allocateDirect(1 << 20);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            while (ch.read(buf.clear()) >= 0) {
                md.update(buf.flip());
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }
}
