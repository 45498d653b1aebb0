package dev.shadowattn.plugin.testing;

import dev.shadowattn.api.AttentionGeometry;
import dev.shadowattn.api.AttentionOptions;
import dev.shadowattn.plugin.ShadowAttnBackend;
import dev.shadowattn.plugin.ShadowAttnProvider;

import java.util.ArrayList;
import java.util.List;

/** Backends for tests: {@code "key=value,key=value"} option strings, geometry from the data. */
public final class Backends {

    private Backends() {
    }

    public static AttentionGeometry geometry(QkvData x, int layers) {
        return new AttentionGeometry(layers, x.queryHeads(), x.kvHeads(), x.headDim(), Math.max(x.n(), 1));
    }

    public static AttentionOptions options(String spec) {
        List<String> pairs = new ArrayList<>();
        for (String p : spec.split(",")) {
            if (!p.isBlank()) {
                pairs.add(p.trim());
            }
        }
        pairs.add("profile=none");
        return AttentionOptions.parse(pairs);
    }

    public static ShadowAttnBackend create(QkvData x, String spec) {
        return (ShadowAttnBackend) new ShadowAttnProvider().create(geometry(x, 1), options(spec));
    }
}
