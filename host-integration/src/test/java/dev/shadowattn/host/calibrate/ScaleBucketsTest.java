package dev.shadowattn.host.calibrate;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

class ScaleBucketsTest {

    @Test
    void headsTakeTheNearestOfTheThreeByThreeGrid() {
        // Layer 0: Q mean 1.0 -> grid {0.5, 1, 2}; K mean 1.9 -> grid {0.95, 1.9, 3.8}.
        float[][] q = {{0.3f, 0.74f, 0.76f, 1.49f, 1.51f, 1.2f}};
        float[][] k = {{1.0f, 2.8f}};
        ScaleBuckets b = ScaleBuckets.of(q, k);
        assertEquals(1.0, b.lamQ()[0], 1e-6);
        assertEquals(1.9, b.lamK()[0], 1e-6);
        assertArrayEquals(new int[]{0, 0, 1, 1, 2, 1}, b.qStep()[0]);
        assertArrayEquals(new int[]{0, 1}, b.kStep()[0]);
        // Query heads 0-2 read KV head 0, heads 3-5 KV head 1: bucket = 3 * qStep + kStep.
        assertArrayEquals(new int[]{0, 0, 3, 4, 7, 4}, b.buckets()[0]);
        assertEquals(2.0, b.snappedQ(0, 4), 1e-6);
        assertEquals(0.95, b.snappedK(0, 0), 1e-6);
    }

    @Test
    void eachLayerHasItsOwnGrid() {
        float[][] q = {{1, 1}, {10, 40}};
        float[][] k = {{1}, {4}};
        ScaleBuckets b = ScaleBuckets.of(q, k);
        assertArrayEquals(new double[]{1, 25}, b.lamQ(), 1e-9);
        // 10 vs {12.5, 25, 50}: 12.5; 40 vs the same: 50.
        assertArrayEquals(new int[]{0, 2}, b.qStep()[1]);
        assertArrayEquals(new int[]{1, 1}, b.qStep()[0]);
        assertArrayEquals(new int[]{1}, b.kStep()[1]);
    }

    @Test
    void nearestStepAtTheExtremes() {
        assertEquals(0, ScaleBuckets.nearest(0, 1));
        assertEquals(2, ScaleBuckets.nearest(100, 1));
        assertEquals(1, ScaleBuckets.nearest(1.49, 1));
        assertEquals(2, ScaleBuckets.nearest(1.51, 1));
    }
}
