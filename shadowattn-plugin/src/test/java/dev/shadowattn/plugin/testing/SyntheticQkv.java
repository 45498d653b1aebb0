package dev.shadowattn.plugin.testing;

import java.util.Random;

/**
 * Q/K/V with the structure of real attention, for tests until captured tensors exist: an attention sink at
 * position 0 (a key direction every query leans towards), locality (a rotary-like positional code shared by queries
 * and keys, so nearby keys score higher), a few heavy keys (a topic direction some keys carry strongly) and noise.
 * Different query heads of one KV head weigh these differently.
 */
public final class SyntheticQkv {

    private SyntheticQkv() {
    }

    public static QkvData generate(long seed, int queryHeads, int kvHeads, int headDim, int n) {
        Random rnd = new Random(seed);
        int group = queryHeads / kvHeads;
        float[] q = new float[n * queryHeads * headDim];
        float[] k = new float[n * kvHeads * headDim];
        float[] v = new float[n * kvHeads * headDim];
        int half = headDim / 4;  // channels [0, 2*half) carry the positional code
        for (int kv = 0; kv < kvHeads; kv++) {
            float[] sink = unit(rnd, headDim, 2 * half);
            float[] topic = unit(rnd, headDim, 2 * half);
            boolean[] heavy = new boolean[n];
            for (int j = 1; j < n; j++) {
                heavy[j] = rnd.nextDouble() < 0.01;
            }
            for (int j = 0; j < n; j++) {
                int o = (j * kvHeads + kv) * headDim;
                for (int c = 0; c < headDim; c++) {
                    k[o + c] = (float) (rnd.nextGaussian() * 0.8);
                    v[o + c] = (float) rnd.nextGaussian();
                }
                positional(k, o, j, half, 2.0);
                add(k, o, sink, j == 0 ? 9.0 : 0.3);
                add(k, o, topic, heavy[j] ? 4.0 + 2 * rnd.nextDouble() : 0.0);
            }
            for (int hh = 0; hh < group; hh++) {
                int h = kv * group + hh;
                double wSink = 0.6 + 0.4 * rnd.nextDouble();
                double wTopic = 0.3 + 0.9 * rnd.nextDouble();
                double wPos = 0.5 + 1.0 * rnd.nextDouble();
                for (int p = 0; p < n; p++) {
                    int o = (p * queryHeads + h) * headDim;
                    for (int c = 0; c < headDim; c++) {
                        q[o + c] = (float) (rnd.nextGaussian() * 0.8);
                    }
                    positional(q, o, p, half, 2.0 * wPos);
                    add(q, o, sink, 2.5 * wSink);
                    add(q, o, topic, 2.0 * wTopic);
                }
            }
        }
        return new QkvData("synthetic-" + seed, queryHeads, kvHeads, headDim, n, q, k, v);
    }

    /** Rotary-like code: pairs (cos, sin) of geometric frequencies, so code(p)·code(j) depends on p - j. */
    private static void positional(float[] x, int o, int p, int half, double amp) {
        for (int i = 0; i < half; i++) {
            double w = Math.pow(0.5, 1 + i * 10.0 / half);
            x[o + 2 * i] += (float) (amp * Math.cos(w * p));
            x[o + 2 * i + 1] += (float) (amp * Math.sin(w * p));
        }
    }

    private static void add(float[] x, int o, float[] dir, double amount) {
        for (int c = 0; c < dir.length; c++) {
            x[o + c] += (float) (amount * dir[c]);
        }
    }

    /** A random unit vector outside the positional channels {@code [0, from)}. */
    private static float[] unit(Random rnd, int d, int from) {
        float[] u = new float[d];
        double norm = 0;
        for (int c = from; c < d; c++) {
            u[c] = (float) rnd.nextGaussian();
            norm += u[c] * u[c];
        }
        for (int c = from; c < d; c++) {
            u[c] /= (float) Math.sqrt(norm);
        }
        return u;
    }
}
