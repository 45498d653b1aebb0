package dev.shadowattn.gguf.model;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * Model architectures the engine runs, keyed by GGUF {@code general.architecture}. Each constant carries what
 * differs between them in the forward pass (as llama.cpp's {@code llm_build_llama}, {@code llm_build_qwen2} and
 * {@code llm_build_qwen3} build it); everything else is the shared pre-norm transformer with grouped-query
 * attention and a SwiGLU feed-forward network.
 */
public enum Architecture {
    /**
     * Llama 1/2/3.x, SmolLM, TinyLlama, the house model: RoPE on adjacent pairs (GGUF's permuted Q/K weights);
     * Q/K/V/output biases if the file has them; Llama 3.1 frequency factors ({@code rope_freqs.weight}) if present.
     */
    LLAMA("llama", RopeStyle.ADJACENT_PAIRS, Presence.OPTIONAL, Presence.OPTIONAL, Presence.ABSENT, Presence.OPTIONAL),
    /** Qwen2 and Qwen2.5: NeoX RoPE (pairs half a head apart), Q/K/V biases, no output bias. */
    QWEN2("qwen2", RopeStyle.HALF_SPLIT, Presence.REQUIRED, Presence.ABSENT, Presence.ABSENT, Presence.ABSENT),
    /**
     * Qwen3 (dense): NeoX RoPE, no biases, an RMSNorm over each head of Q and of K before RoPE
     * ({@code attn_q_norm}, {@code attn_k_norm}); the head dimension is {@code key_length}, not width / heads.
     */
    QWEN3("qwen3", RopeStyle.HALF_SPLIT, Presence.ABSENT, Presence.ABSENT, Presence.REQUIRED, Presence.ABSENT);

    private final String ggufName;
    private final RopeStyle ropeStyle;
    private final Presence qkvBias;
    private final Presence outputBias;
    private final Presence qkNorm;
    private final Presence ropeFactors;

    Architecture(String ggufName, RopeStyle ropeStyle, Presence qkvBias, Presence outputBias, Presence qkNorm,
                 Presence ropeFactors) {
        this.ggufName = ggufName;
        this.ropeStyle = ropeStyle;
        this.qkvBias = qkvBias;
        this.outputBias = outputBias;
        this.qkNorm = qkNorm;
        this.ropeFactors = ropeFactors;
    }

    /** The value of {@code general.architecture}, also the prefix of architecture-specific metadata keys. */
    public String ggufName() {
        return ggufName;
    }

    public RopeStyle ropeStyle() {
        return ropeStyle;
    }

    /** Biases added after the Q, K and V projections ({@code attn_q.bias}, {@code attn_k.bias}, {@code attn_v.bias}). */
    public Presence qkvBias() {
        return qkvBias;
    }

    /** Bias added after the attention output projection ({@code attn_output.bias}). */
    public Presence outputBias() {
        return outputBias;
    }

    /** Per-head RMSNorm of Q and K before RoPE ({@code attn_q_norm.weight}, {@code attn_k_norm.weight}). */
    public Presence qkNorm() {
        return qkNorm;
    }

    /** Per-pair RoPE frequency factors ({@code rope_freqs.weight}, Llama 3.1 scaling as llama.cpp converts it). */
    public Presence ropeFactors() {
        return ropeFactors;
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

    /** Whether an architecture has a group of optional tensors. */
    public enum Presence {
        /** Never: a file that has them is rejected, since the forward pass would ignore them. */
        ABSENT,
        /** Used when the file has them. */
        OPTIONAL,
        /** Always: a file without them is rejected. */
        REQUIRED
    }
}
