package dev.shadowattn.plugin.config;

/**
 * Defaults of {@code mode=cpu}, chosen by measurement (see {@code docs/SHADOWATTN-BACKEND.md}, "Choice of
 * defaults").
 */
final class CpuDefaults {

    static final Estimator ESTIMATOR = Estimator.BLOCKS_INT8;
    static final int BLOCK = 64;
    static final int TILE = 16;
    static final int SUMMARY = 32;
    static final double SHORTLIST = 1.25;
    static final int ESTIMATE_STRIDE = 2;
    static final int BOUND_STRIDE = 1;
    static final int SINK = 0;
    static final int WINDOW = 0;
    static final int DENSE_BELOW = 512;

    private CpuDefaults() {
    }
}
