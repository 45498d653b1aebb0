package dev.shadowattn.plugin;

import dev.shadowattn.api.AttentionBackend;
import dev.shadowattn.api.AttentionGeometry;
import dev.shadowattn.api.AttentionOptions;
import dev.shadowattn.api.AttentionProvider;
import dev.shadowattn.plugin.profile.ModelProfile;

/**
 * The {@code shadowattn} attention provider (ServiceLoader entry point). Options: see
 * {@code shadowattn-plugin/docs/SHADOWATTN-BACKEND.md}.
 */
public final class ShadowAttnProvider implements AttentionProvider {

    public static final String NAME = "shadowattn";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "shadowAttn: INT8 Q·K estimation, top-k key selection, exact sparse softmax·V";
    }

    /** Above the dense backend's 10: chosen by default when on the class path. */
    @Override
    public int priority() {
        return 20;
    }

    /** Always: the Vector API kernels are used when available, else the scalar ones. */
    @Override
    public boolean isAvailable() {
        return true;
    }

    @Override
    public AttentionBackend create(AttentionGeometry geometry, AttentionOptions options) {
        return PlanResolver.create(geometry, options, null, System.err);
    }

    /** Creates a backend with a profile given directly (calibration, tests), instead of from a file. */
    public static ShadowAttnBackend create(AttentionGeometry geometry, AttentionOptions options,
                                           ModelProfile profile) {
        return PlanResolver.create(geometry, options, profile, System.err);
    }
}
