package dev.shadowattn.plugin.scoring;

import java.lang.foreign.MemorySegment;

/**
 * Read view of one layer's INT8 shadow K, as a {@link ScoringDevice} sees it. Per KV head: INT8 keys in transposed
 * groups of 16 ({@code [group][headDim][16]} bytes, {@link dev.shadowattn.plugin.cache.KeyLayout}) and one float
 * scale per group ({@code real = int8 * scale}); with static scales every group of a KV head has the same scale.
 * Segments are valid until the next append to the layer. Keys are appended in order and may be truncated: a device
 * that keeps its own copy (NPU memory) refreshes from the first position it has not seen or that changed.
 */
public interface ShadowKeys {

    int headDim();

    int kvHeads();

    /** Positions held. */
    int length();

    MemorySegment keys8(int kvHead);

    MemorySegment scales(int kvHead);
}
