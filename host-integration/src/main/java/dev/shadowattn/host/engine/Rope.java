package dev.shadowattn.host.engine;

import dev.shadowattn.gguf.model.Architecture.RopeStyle;

/**
 * Rotary position embedding. Frequencies follow RoFormer / ggml: {@code theta_i = base^(-2i/d)} for the first
 * {@code d} (rope dimensions) of a head, divided by the model's scaling factors. GGUF llama files rotate adjacent pairs {@code (x[2i], x[2i+1])} (the
 * converter permutes Q/K weights for this); NeoX-style models rotate {@code (x[i], x[i + d/2])}.
 */
final class Rope {

    private final RopeStyle style;
    private final int ropeDim;
    private final double[] frequencies;

    /**
     * @param frequencies radians per position of each of the {@code ropeDim / 2} pairs, scaling included (see
     *                    {@link dev.shadowattn.gguf.model.RopeScaling#frequencies})
     */
    Rope(RopeStyle style, int ropeDim, double[] frequencies) {
        if (frequencies.length != ropeDim / 2) {
            throw new IllegalArgumentException(frequencies.length + " RoPE frequencies for " + ropeDim + " dimensions");
        }
        this.style = style;
        this.ropeDim = ropeDim;
        this.frequencies = frequencies.clone();
    }

    int pairs() {
        return frequencies.length;
    }

    /** Fills {@code cos/sin[row * pairs + i]} for positions {@code pos .. pos+n-1}. */
    void tables(int pos, int n, float[] cos, float[] sin) {
        int p = frequencies.length;
        for (int r = 0; r < n; r++) {
            for (int i = 0; i < p; i++) {
                double angle = (double) (pos + r) * frequencies[i];
                cos[r * p + i] = (float) Math.cos(angle);
                sin[r * p + i] = (float) Math.sin(angle);
            }
        }
    }

    /** Rotates every head of {@code n} rows of {@code x[n][heads][headDim]} in place, with tables of the same rows. */
    void apply(float[] x, int n, int heads, int headDim, float[] cos, float[] sin) {
        int p = frequencies.length;
        for (int r = 0; r < n; r++) {
            int t = r * p;
            for (int h = 0; h < heads; h++) {
                int base = (r * heads + h) * headDim;
                switch (style) {
                    case ADJACENT_PAIRS -> {
                        for (int i = 0; i < p; i++) {
                            int j = base + 2 * i;
                            float c = cos[t + i], s = sin[t + i];
                            float a = x[j], b = x[j + 1];
                            x[j] = a * c - b * s;
                            x[j + 1] = a * s + b * c;
                        }
                    }
                    case HALF_SPLIT -> {
                        int half = ropeDim / 2;
                        for (int i = 0; i < p; i++) {
                            int j = base + i;
                            float c = cos[t + i], s = sin[t + i];
                            float a = x[j], b = x[j + half];
                            x[j] = a * c - b * s;
                            x[j + half] = a * s + b * c;
                        }
                    }
                }
            }
        }
    }
}
