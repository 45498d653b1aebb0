package dev.shadowattn.plugin.profile;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;

/**
 * The model file a profile was calibrated on (the {@code "modelFile"} object): its name, size, modification time and
 * SHA-256.
 *
 * <p>Checking a model: the size always (a different size is a different model); then the SHA-256 of the whole file,
 * except when name, size and modification time all equal the recorded ones, i.e. the very file that was hashed at
 * calibration, untouched since. A multi-gigabyte model calibrated in place is thus not hashed on every start; a copied
 * or re-downloaded one is hashed once per start (about 1 s per GB).
 *
 * @param name     file name, without directory
 * @param size     bytes
 * @param modified modification time at calibration, or {@code null} when not recorded (always hash)
 * @param sha256   64 lower-case hex digits
 */
public record ModelFileId(String name, long size, Instant modified, String sha256) {

    /** Fails naming the mismatch unless {@code model} is the file this profile was calibrated on. */
    public void check(Path model, String source) {
        long actualSize;
        Instant actualModified;
        try {
            actualSize = Files.size(model);
            actualModified = Instant.ofEpochMilli(Files.getLastModifiedTime(model).toMillis());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read model " + model + " to check profile " + source + ": "
                    + e.getMessage(), e);
        }
        if (actualSize != size) {
            throw new IllegalArgumentException("model profile " + source + " was calibrated for another model: "
                    + "modelFile.size is " + size + " bytes (" + name + ") but " + model + " has " + actualSize);
        }
        if (name.equals(String.valueOf(model.getFileName())) && actualModified.equals(modified)) {
            return;
        }
        String actual;
        try {
            actual = FileHash.sha256(model);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot hash model " + model + ": " + e.getMessage(), e);
        }
        if (!actual.equals(sha256)) {
            throw new IllegalArgumentException("model profile " + source + " was calibrated for another model: "
                    + "modelFile.sha256 is " + sha256 + " (" + name + ") but " + model + " has sha256 " + actual);
        }
    }
}
