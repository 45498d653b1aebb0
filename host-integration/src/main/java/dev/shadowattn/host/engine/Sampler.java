package dev.shadowattn.host.engine;

import java.util.Arrays;
import java.util.random.RandomGenerator;
import java.util.random.RandomGeneratorFactory;

/**
 * Picks the next token from logits: greedy when {@code temperature == 0}, otherwise softmax at the temperature
 * restricted to the smallest set of tokens whose probability reaches {@code topP} (nucleus sampling), with a
 * seeded generator so runs are reproducible.
 */
public final class Sampler {

    private final float temperature;
    private final float topP;
    private final RandomGenerator random;
    private int[] order = new int[0];
    private float[] probs = new float[0];

    public Sampler(float temperature, float topP, long seed) {
        if (!(temperature >= 0) || Float.isInfinite(temperature)) {
            throw new IllegalArgumentException("--temperature must be >= 0, got " + temperature);
        }
        if (!(topP > 0 && topP <= 1)) {
            throw new IllegalArgumentException("--top-p must be in (0, 1], got " + topP);
        }
        this.temperature = temperature;
        this.topP = topP;
        this.random = RandomGeneratorFactory.of("L64X128MixRandom").create(seed);
    }

    public static Sampler greedy() {
        return new Sampler(0f, 1f, 0);
    }

    public int sample(float[] logits) {
        if (temperature == 0f) {
            return argmax(logits);
        }
        int n = logits.length;
        if (probs.length < n) {
            probs = new float[n];
            order = new int[n];
        }
        float max = Float.NEGATIVE_INFINITY;
        for (float l : logits) {
            max = Math.max(max, l);
        }
        double sum = 0;
        for (int i = 0; i < n; i++) {
            float p = (float) Math.exp((logits[i] - max) / temperature);
            probs[i] = p;
            sum += p;
        }
        if (topP >= 1f) {
            double u = random.nextDouble() * sum;
            double acc = 0;
            for (int i = 0; i < n; i++) {
                acc += probs[i];
                if (acc > u) {
                    return i;
                }
            }
            return argmax(logits);
        }
        // Nucleus: walk tokens by decreasing probability until the mass reaches topP; sample inside that prefix.
        // Only tokens above a cut-off can be in the nucleus; sort just those.
        float cutoff = (float) ((1 - topP) / (n - 1) * sum);
        int m = 0;
        for (int i = 0; i < n; i++) {
            if (probs[i] >= cutoff) {
                order[m++] = i;
            }
        }
        Integer[] boxed = new Integer[m];
        for (int i = 0; i < m; i++) {
            boxed[i] = order[i];
        }
        Arrays.sort(boxed, (a, b) -> Float.compare(probs[b], probs[a]));
        double target = topP * sum;
        double mass = 0;
        int last = m - 1;
        for (int i = 0; i < m; i++) {
            mass += probs[boxed[i]];
            if (mass >= target) {
                last = i;
                break;
            }
        }
        double r = random.nextDouble() * mass;
        double acc = 0;
        for (int i = 0; i <= last; i++) {
            acc += probs[boxed[i]];
            if (acc > r) {
                return boxed[i];
            }
        }
        return boxed[last];
    }

    public static int argmax(float[] logits) {
        int best = 0;
        for (int i = 1; i < logits.length; i++) {
            if (logits[i] > logits[best]) {
                best = i;
            }
        }
        return best;
    }
}
