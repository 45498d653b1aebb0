package dev.shadowattn.gguf.model;

import dev.shadowattn.gguf.GgufMetadata;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * How a model stretches RoPE beyond its pre-training context, from the GGUF keys {@code ARCH.rope.scaling.type},
 * {@code .factor}, {@code .original_context_length} (and the older {@code ARCH.rope.scale_linear}).
 *
 * <p>Llama 3.1 scaling divides each frequency by a per-pair factor. llama.cpp's converter stores those factors as
 * the tensor {@code rope_freqs.weight}, which takes precedence (see {@link #frequencies}); files that instead carry
 * the Hugging Face {@code rope_scaling} parameters as metadata ({@code rope.scaling.type = "llama3"} with
 * {@code .factor}, {@code .low_freq_factor}, {@code .high_freq_factor}, {@code .original_context_length}) get the
 * same factors computed here.
 *
 * @param type                  the kind of scaling
 * @param factor                context extension factor (1 for none)
 * @param lowFreqFactor         Llama 3.1: wavelengths above original/low are divided by {@code factor}
 * @param highFreqFactor        Llama 3.1: wavelengths below original/high are kept
 * @param originalContextLength Llama 3.1: the pre-training context
 */
public record RopeScaling(Type type, double factor, double lowFreqFactor, double highFreqFactor,
                          int originalContextLength) {

    public static final RopeScaling NONE = new RopeScaling(Type.NONE, 1, 1, 1, 0);

    /** The kinds of scaling, by their GGUF names. */
    public enum Type {
        /** No scaling. */
        NONE("none"),
        /** Position interpolation: every frequency divided by {@code factor} (ggml's {@code freq_scale}). */
        LINEAR("linear"),
        /** Llama 3.1: low frequencies divided by {@code factor}, high ones kept, a smooth ramp in between. */
        LLAMA3("llama3");

        private final String ggufName;

        Type(String ggufName) {
            this.ggufName = ggufName;
        }

        public String ggufName() {
            return ggufName;
        }
    }

    public RopeScaling {
        if (!(factor > 0) || Double.isInfinite(factor)) {
            throw new IllegalArgumentException("rope.scaling.factor must be a positive finite number, got " + factor);
        }
        if (type == Type.LLAMA3 && !(highFreqFactor > lowFreqFactor && lowFreqFactor > 0 && originalContextLength > 0)) {
            throw new IllegalArgumentException("llama3 rope scaling needs 0 < low_freq_factor < high_freq_factor and a"
                    + " positive original_context_length, got " + lowFreqFactor + ", " + highFreqFactor + ", "
                    + originalContextLength);
        }
    }

    /** Reads the scaling keys under {@code prefix} (e.g. {@code "llama."}); unknown types fail naming the key. */
    public static RopeScaling fromGguf(GgufMetadata md, String prefix, Path file) {
        String typeKey = prefix + "rope.scaling.type";
        String name = md.getString(typeKey, md.contains(prefix + "rope.scale_linear") ? "linear" : "none");
        Type type = Arrays.stream(Type.values()).filter(t -> t.ggufName.equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException(file.getFileName() + ": metadata " + typeKey + " '"
                        + name + "' is not supported; supported: " + Arrays.stream(Type.values())
                        .map(Type::ggufName).collect(Collectors.joining(", "))));
        double defaultFactor = switch (type) {
            case NONE -> 1;
            case LINEAR -> md.getFloat(prefix + "rope.scale_linear", 1f);
            case LLAMA3 -> 8;   // Llama 3.1's rope_scaling
        };
        double factor = md.getFloat(prefix + "rope.scaling.factor", (float) defaultFactor);
        if (type == Type.NONE || factor == 0) {   // llama.cpp: factor 0 means none
            return NONE;
        }
        try {
            return new RopeScaling(type, factor,
                    md.getFloat(prefix + "rope.scaling.low_freq_factor", 1f),
                    md.getFloat(prefix + "rope.scaling.high_freq_factor", 4f),
                    md.getInt(prefix + "rope.scaling.original_context_length", 8192));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file.getFileName() + ": " + e.getMessage(), e);
        }
    }

    /**
     * The rotation frequency of each pair of the first {@code ropeDim} dimensions of a head, in radians per
     * position: {@code base^(-2i/ropeDim)} (RoFormer), divided by the pair's frequency factor, divided by
     * {@code factor} for linear scaling. The factors are {@code freqFactors} when the file has
     * {@code rope_freqs.weight} (ggml's {@code freq_factors}, whatever the type), else those of {@link Type#LLAMA3}.
     *
     * @param freqFactors one factor per pair, or null
     */
    public double[] frequencies(int ropeDim, double base, float[] freqFactors) {
        if (freqFactors != null && freqFactors.length != ropeDim / 2) {
            throw new IllegalArgumentException("rope_freqs.weight has " + freqFactors.length + " factors, expected "
                    + ropeDim / 2 + " (rope dimensions / 2)");
        }
        double[] f = new double[ropeDim / 2];
        for (int i = 0; i < f.length; i++) {
            f[i] = Math.pow(base, -2.0 * i / ropeDim);
            if (freqFactors != null) {
                f[i] /= freqFactors[i];
            } else if (type == Type.LLAMA3) {
                f[i] /= llama3Factor(f[i]);
            }
            if (type == Type.LINEAR) {
                f[i] /= factor;
            }
        }
        return f;
    }

    /**
     * Llama 3.1's divisor for a frequency (Meta's {@code apply_scaling}, llama.cpp's {@code convert_hf_to_gguf.py}):
     * 1 for wavelengths under {@code original / high_freq_factor}, {@code factor} over {@code original /
     * low_freq_factor}, and in between the inverse of the interpolation {@code (1 - s) / factor + s} with
     * {@code s = (original / wavelength - low) / (high - low)}.
     */
    public double llama3Factor(double frequency) {
        double wavelength = 2 * Math.PI / frequency;
        double highFreqWavelength = originalContextLength / highFreqFactor;
        double lowFreqWavelength = originalContextLength / lowFreqFactor;
        if (wavelength < highFreqWavelength) {
            return 1;
        }
        if (wavelength > lowFreqWavelength) {
            return factor;
        }
        double smooth = (originalContextLength / wavelength - lowFreqFactor) / (highFreqFactor - lowFreqFactor);
        return 1 / ((1 - smooth) / factor + smooth);
    }
}
