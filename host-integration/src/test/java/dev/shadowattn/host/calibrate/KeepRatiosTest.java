package dev.shadowattn.host.calibrate;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class KeepRatiosTest {

    private static final double[][] HEAD_IMP = {{0.2, 0.1}, {0.05, -0.01}};
    private static final double[] LAYER_IMP = {0.5, 0.2};

    @Test
    void paperFormulaWhenNoHeadIsCapped() {
        // p = headImp * layerImp = {{0.1, 0.05}, {0.01, EPS * 0.2}}; r * N = 0.25 * 4 = 1, so ratio = p / sum(p).
        double[][] r = KeepRatios.allocate(KeepRatios.weights(HEAD_IMP, LAYER_IMP, 0), 0.25);
        double sum = 0.16 + KeepRatios.EPS * 0.2;
        assertArrayEquals(new double[]{0.1 / sum, 0.05 / sum}, r[0], 1e-12);
        assertArrayEquals(new double[]{0.01 / sum, KeepRatios.EPS * 0.2 / sum}, r[1], 1e-12);
        assertEquals(0.625, r[0][0], 1e-5);
        assertEquals(0.25, mean(r), 1e-15);
    }

    @Test
    void overflowOfCappedHeadsIsSharedInProportion() {
        // r * N = 2: head (0,0) would get 2 * 0.1 / 0.16 = 1.25; capped at 1, the other heads share the remaining 1.
        double[][] r = KeepRatios.allocate(KeepRatios.weights(HEAD_IMP, LAYER_IMP, 0), 0.5);
        double rest = 0.06 + KeepRatios.EPS * 0.2;
        assertEquals(1.0, r[0][0]);
        assertEquals(0.05 / rest, r[0][1], 1e-12);
        assertEquals(0.01 / rest, r[1][0], 1e-12);
        assertEquals(0.5, mean(r), 1e-15);
    }

    @Test
    void floorLiftsUnimportantHeads() {
        // mean(p) ~ 0.04, floor 0.5: least weight 0.02 -> p = {0.1, 0.05, 0.02, 0.02}, sum 0.19.
        double[][] w = KeepRatios.weights(HEAD_IMP, LAYER_IMP, 0.5);
        double least = 0.5 * (0.16 + KeepRatios.EPS * 0.2) / 4;
        double sum = 0.15 + 2 * least;
        double[][] r = KeepRatios.allocate(w, 0.25);
        assertArrayEquals(new double[]{0.1 / sum, 0.05 / sum}, r[0], 1e-12);
        assertArrayEquals(new double[]{least / sum, least / sum}, r[1], 1e-12);
        assertEquals(4.0, Arrays.stream(w).flatMapToDouble(Arrays::stream).sum(), 1e-12, "weights have mean 1");
    }

    @Test
    void negativeImportancesNeverMakeAPositiveProduct() {
        double[][] w = KeepRatios.weights(new double[][]{{-0.1, 0.3}}, new double[]{-0.2}, 0);
        // Both factors of head 0 clamp to EPS; head 1 is 0.3 * EPS: head 0 must weigh far less than head 1.
        assertTrue(w[0][0] < w[0][1] * 1e-4, Arrays.toString(w[0]));
    }

    @Test
    void meanEqualsTheGlobalRatioAndOrderIsKept() {
        Random rnd = new Random(5);
        for (int trial = 0; trial < 200; trial++) {
            int layers = 1 + rnd.nextInt(8);
            int heads = 1 + rnd.nextInt(8);
            double[][] headImp = new double[layers][heads];
            double[] layerImp = new double[layers];
            for (int l = 0; l < layers; l++) {
                layerImp[l] = rnd.nextGaussian();
                for (int h = 0; h < heads; h++) {
                    headImp[l][h] = Math.pow(rnd.nextDouble(), 4) - 0.1;
                }
            }
            double ratio = 0.01 + 0.99 * rnd.nextDouble();
            double[][] w = KeepRatios.weights(headImp, layerImp, rnd.nextDouble() * 0.3);
            double[][] r = KeepRatios.allocate(w, ratio);
            assertEquals(ratio, mean(r), 1e-12, "trial " + trial);
            for (int l = 0; l < layers; l++) {
                for (int h = 0; h < heads; h++) {
                    assertTrue(r[l][h] > 0 && r[l][h] <= 1, "ratio in (0, 1]: " + r[l][h]);
                    for (int h2 = 0; h2 < heads; h2++) {
                        if (w[l][h] > w[l][h2]) {
                            assertTrue(r[l][h] >= r[l][h2], "a heavier head keeps no less");
                        }
                    }
                }
            }
        }
    }

    @Test
    void ratioOneKeepsEverything() {
        double[][] r = KeepRatios.allocate(new double[][]{{1, 5, 0.1}, {2, 2, 2}}, 1.0);
        for (double[] row : r) {
            for (double x : row) {
                assertEquals(1.0, x, 1e-12);
            }
        }
    }

    @Test
    void badInputIsRejectedNamingIt() {
        double[][] w = {{1, 1}};
        assertTrue(assertThrows(IllegalArgumentException.class, () -> KeepRatios.allocate(w, 0))
                .getMessage().contains("global keep ratio 0.0"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> KeepRatios.allocate(w, 1.5))
                .getMessage().contains("outside (0, 1]"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> KeepRatios.allocate(new double[][]{{1, 0}}, 0.2))
                .getMessage().contains("weight [0][1]"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> KeepRatios.weights(new double[][]{{Double.NaN}}, new double[]{1}, 0))
                .getMessage().contains("head importance [0][0]"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> KeepRatios.weights(new double[][]{{1}}, new double[]{1, 2}, 0))
                .getMessage().contains("layer importance 2"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> KeepRatios.weights(new double[][]{{1}}, new double[]{1}, 2))
                .getMessage().contains("floor 2.0"));
    }

    private static double mean(double[][] r) {
        return Arrays.stream(r).flatMapToDouble(Arrays::stream).average().orElseThrow();
    }
}
