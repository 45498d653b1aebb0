package dev.shadowattn.plugin.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The captured Q/K/V of the house model ({@code src/test/resources/qkv/house-L{layer}.qkv}). */
public final class HouseQkv {

    /** Layers captured by the engine's CaptureQkv tool. */
    public static final int[] LAYERS = {1, 4, 7};

    private HouseQkv() {
    }

    /** Every captured layer present on the test class path. */
    public static List<QkvData> all() {
        List<QkvData> out = new ArrayList<>();
        for (int l : LAYERS) {
            URL url = HouseQkv.class.getResource("/qkv/house-L" + l + ".qkv");
            if (url != null) {
                try {
                    out.add(QkvFile.read(Path.of(url.toURI())));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                } catch (URISyntaxException e) {
                    throw new IllegalStateException(e);
                }
            }
        }
        return out;
    }
}
