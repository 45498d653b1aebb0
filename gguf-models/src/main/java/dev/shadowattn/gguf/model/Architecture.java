package dev.shadowattn.gguf.model;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * Model architectures the engine runs, keyed by GGUF {@code general.architecture}. Each constant carries what
 * differs between them in the forward pass.
 */
public enum Architecture {
    /** Llama 1/2/3, SmolLM, TinyLlama, the house model: RoPE on adjacent pairs (GGUF's permuted Q/K weights). */
    LLAMA("llama", RopeStyle.ADJACENT_PAIRS);

    private final String ggufName;
    private final RopeStyle ropeStyle;

    Architecture(String ggufName, RopeStyle ropeStyle) {
        this.ggufName = ggufName;
        this.ropeStyle = ropeStyle;
    }

    /** The value of {@code general.architecture}, also the prefix of architecture-specific metadata keys. */
    public String ggufName() {
        return ggufName;
    }

    public RopeStyle ropeStyle() {
        return ropeStyle;
    }

    /** The architecture named by {@code general.architecture}; an unsupported one fails listing the supported. */
    public static Architecture of(String name, Path file) {
        for (Architecture a : values()) {
            if (a.ggufName.equals(name)) {
                return a;
            }
        }
        throw new IllegalArgumentException(file.getFileName() + ": general.architecture '" + name
                + "' is not supported; supported: "
                + Arrays.stream(values()).map(Architecture::ggufName).collect(Collectors.joining(", ")));
    }

    /** How RoPE pairs the dimensions of a head. */
    public enum RopeStyle {
        /** Rotate (x[2i], x[2i+1]): ggml's "normal" mode, used by GGUF llama files. */
        ADJACENT_PAIRS,
        /** Rotate (x[i], x[i + d/2]): ggml's NeoX mode (Qwen, GPT-NeoX). */
        HALF_SPLIT
    }
}
