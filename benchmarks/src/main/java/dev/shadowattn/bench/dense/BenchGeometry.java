package dev.shadowattn.bench.dense;

import java.util.Random;

import dev.shadowattn.api.AttentionGeometry;

/**
 * A benchmark shape written {@code KVHEADSxQUERYHEADSxHEADDIM} ({@code 1x3x64}: one GQA group; {@code 2x6x64}: the
 * house model), and the number of layers to cycle through so that the K/V read by successive calls exceeds the L3
 * cache ("cold", as in decoding a real model, where each layer's cache is read once per token).
 */
record BenchGeometry(int kvHeads, int queryHeads, int headDim) {

    /** K/V bytes to cycle through in cold mode: twice a 32 MiB L3. */
    static final long COLD_BYTES = 64L << 20;

    static BenchGeometry parse(String spec) {
        String[] p = spec.split("x");
        if (p.length != 3) {
            throw new IllegalArgumentException("geometry '" + spec + "' is not KVHEADSxQUERYHEADSxHEADDIM");
        }
        return new BenchGeometry(Integer.parseInt(p[0]), Integer.parseInt(p[1]), Integer.parseInt(p[2]));
    }

    long kvBytesPerLayer(int context) {
        return 2L * context * kvHeads * headDim * Float.BYTES;
    }

    int layers(int context, String cache) {
        return switch (cache) {
            case "hot" -> 1;
            case "cold" -> (int) Math.max(1, (COLD_BYTES + kvBytesPerLayer(context) - 1) / kvBytesPerLayer(context));
            default -> throw new IllegalArgumentException("cache must be hot or cold, got " + cache);
        };
    }

    AttentionGeometry attention(int layers, int context) {
        return new AttentionGeometry(layers, queryHeads, kvHeads, headDim, context);
    }

    static float[] gaussian(long seed, int n) {
        Random rnd = new Random(seed);
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) rnd.nextGaussian();
        }
        return a;
    }
}
