package dev.shadowattn.plugin.qnn;

/** {@code Qnn_Version_t}: major, minor, patch. */
public record QnnVersion(int major, int minor, int patch) {

    @Override
    public String toString() {
        return Integer.toUnsignedString(major) + "." + Integer.toUnsignedString(minor) + "."
                + Integer.toUnsignedString(patch);
    }
}
