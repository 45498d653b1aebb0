package dev.shadowattn.host.calibrate;

import dev.shadowattn.api.AttentionGeometry;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MassAllocationTest {

    @Test
    void budgetGoesWhereItKeepsTheMostMass() {
        double[] grid = {0.1, 0.5, 1.0};
        // Head 0 concentrated, head 1 diffuse: per unit of ratio above 0.1, head 0 gains 0.225, head 1 gains 1.
        double[][][] curves = {{{0.9, 0.99, 1.0}, {0.1, 0.5, 1.0}}};
        assertArrayEquals(new double[]{0.1, 0.5}, MassAllocation.allocate(grid, curves, 0.3)[0], 1e-9);
        // Beyond 0.5 head 1 gains 1.0 per unit, head 0 still 0.225 until its 0.5: head 1 goes on first.
        assertArrayEquals(new double[]{0.1, 0.9}, MassAllocation.allocate(grid, curves, 0.5)[0], 1e-9);
        assertArrayEquals(new double[]{1.0, 1.0}, MassAllocation.allocate(grid, curves, 1.0)[0], 1e-9);
        assertThrows(IllegalArgumentException.class, () -> MassAllocation.allocate(grid, curves, 0.05));
    }

    @Test
    void meanIsTheGlobalRatioAndMassIsNeverBelowUniform() {
        Random rnd = new Random(3);
        double[] grid = AttentionMass.GRID;
        double[][][] curves = new double[3][4][grid.length];
        for (double[][] layer : curves) {
            for (double[] c : layer) {
                // mass = x^(1/a), a >= 1: concave (a top-k share grows ever slower with k), 1 at x = 1
                double a = 1 + 5 * rnd.nextDouble();
                for (int i = 0; i < grid.length; i++) {
                    c[i] = Math.pow(grid[i], 1 / a);
                }
            }
        }
        for (double r : new double[]{0.01, 0.05, 0.1, 0.2, 0.37, 0.8}) {
            double[][] ratios = MassAllocation.allocate(grid, curves, r);
            assertEquals(r, Arrays.stream(ratios).flatMapToDouble(Arrays::stream).average().orElseThrow(), 1e-9);
            double kept = 0;
            double uniform = 0;
            for (int l = 0; l < 3; l++) {
                for (int h = 0; h < 4; h++) {
                    assertTrue(ratios[l][h] >= grid[0] - 1e-12 && ratios[l][h] <= 1 + 1e-12);
                    kept += MassAllocation.mass(grid, curves[l][h], ratios[l][h]);
                    uniform += MassAllocation.mass(grid, curves[l][h], r);
                }
            }
            assertTrue(kept >= uniform - 1e-9, "ratio " + r + ": " + kept + " < uniform " + uniform);
        }
    }

    @Test
    void interpolatesLinearlyBetweenGridPoints() {
        double[] grid = {0.1, 0.5, 1.0};
        double[] c = {0.2, 0.6, 1.0};
        assertEquals(0.2, MassAllocation.mass(grid, c, 0.05), 1e-12);
        assertEquals(0.4, MassAllocation.mass(grid, c, 0.3), 1e-12);
        assertEquals(0.8, MassAllocation.mass(grid, c, 0.75), 1e-12);
    }

    @Test
    void attentionMassMeasuresTheTopKeysShareOfTheSoftmax() {
        // One layer, one head, head dim 1, so scores are q * k. 4 positions in one call.
        AttentionGeometry g = new AttentionGeometry(1, 1, 1, 1, 8);
        AttentionMass m = new AttentionMass(g);
        float[] k = {0, 0, 0, (float) Math.log(7)};
        m.keys(0, 0, 4, k, 0);
        m.queries(0, 0, 4, new float[]{1, 1, 1, 1}, 0);
        double[][][] c = m.curves();
        // Rows see 1, 2, 3, 4 keys with weights (1), (1,1), (1,1,1), (1,1,1,7). At ratio 0.01 each row keeps 1 key:
        // 1, 1/2, 1/3, 7/10.
        assertEquals((1 + 0.5 + 1 / 3.0 + 0.7) / 4, c[0][0][0], 1e-6);
        assertEquals(1.0, c[0][0][AttentionMass.GRID.length - 1], 1e-9);
        // At 0.5 the rows keep ceil(0.5 * visible) = 1, 1, 2, 2 keys: 1, 1/2, 2/3, 8/10.
        int half = Arrays.binarySearch(AttentionMass.GRID, 0.5);
        assertEquals((1 + 0.5 + 2 / 3.0 + 0.8) / 4, c[0][0][half], 1e-6);
    }
}
