package dev.shadowattn.host.engine;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SamplerTest {

    @Test
    void greedyPicksTheArgmax() {
        assertEquals(2, Sampler.greedy().sample(new float[]{0.1f, -3f, 5f, 4.9f}));
    }

    @Test
    void samplingFollowsTheDistribution() {
        // softmax of ln(1), ln(2), ln(7) = 0.1, 0.2, 0.7
        float[] logits = {(float) Math.log(1), (float) Math.log(2), (float) Math.log(7)};
        Sampler s = new Sampler(1f, 1f, 3);
        int[] counts = new int[3];
        int n = 20000;
        for (int i = 0; i < n; i++) {
            counts[s.sample(logits)]++;
        }
        assertEquals(0.1, counts[0] / (double) n, 0.015);
        assertEquals(0.2, counts[1] / (double) n, 0.015);
        assertEquals(0.7, counts[2] / (double) n, 0.015);
    }

    @Test
    void topPKeepsOnlyTheNucleus() {
        float[] logits = {(float) Math.log(1), (float) Math.log(2), (float) Math.log(7)};
        Sampler s = new Sampler(1f, 0.6f, 3); // 0.7 alone reaches 0.6
        for (int i = 0; i < 1000; i++) {
            assertEquals(2, s.sample(logits));
        }
        Sampler s2 = new Sampler(1f, 0.8f, 3); // needs 0.7 + 0.2
        boolean sawOne = false;
        for (int i = 0; i < 2000; i++) {
            int t = s2.sample(logits);
            assertTrue(t != 0, "token 0 is outside the nucleus");
            sawOne |= t == 1;
        }
        assertTrue(sawOne);
    }

    @Test
    void sameSeedSameSequence() {
        float[] logits = new float[100];
        for (int i = 0; i < logits.length; i++) {
            logits[i] = (float) Math.sin(i);
        }
        Sampler a = new Sampler(0.9f, 0.9f, 11), b = new Sampler(0.9f, 0.9f, 11);
        for (int i = 0; i < 100; i++) {
            assertEquals(a.sample(logits), b.sample(logits));
        }
    }

    @Test
    void rejectsBadParameters() {
        assertThrows(IllegalArgumentException.class, () -> new Sampler(-1f, 0.9f, 0));
        assertThrows(IllegalArgumentException.class, () -> new Sampler(1f, 0f, 0));
        assertThrows(IllegalArgumentException.class, () -> new Sampler(1f, 1.5f, 0));
        assertThrows(IllegalArgumentException.class, () -> new Sampler(Float.NaN, 0.9f, 0));
    }
}
