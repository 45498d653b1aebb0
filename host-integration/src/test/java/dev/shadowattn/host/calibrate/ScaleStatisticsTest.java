package dev.shadowattn.host.calibrate;

import dev.shadowattn.api.AttentionGeometry;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ScaleStatisticsTest {

    // 2 layers, 2 query heads, 1 KV head, head dim 2.
    private static final AttentionGeometry G = new AttentionGeometry(2, 2, 1, 2, 16);

    @Test
    void scaleIsTheMeanOverWindowsOfAbsMaxOver127() {
        ScaleStatistics s = new ScaleStatistics(G);
        // Window 1: two calls on layer 0; Q rows [h0: (1, -3), h1: (0.5, 0.5)], then [h0: (2, 0), h1: (-4, 1)].
        s.queries(0, 0, 1, new float[]{9, 9, 1, -3, 0.5f, 0.5f}, 2);
        s.queries(0, 1, 1, new float[]{2, 0, -4, 1}, 0);
        s.keys(0, 0, 2, new float[]{0.25f, -0.5f, 1, 0}, 0);
        s.queries(1, 0, 1, new float[]{1, 1, 1, 1}, 0);
        s.keys(1, 0, 1, new float[]{2, 2}, 0);
        s.endWindow();
        // Window 2: smaller values on layer 0.
        s.queries(0, 0, 1, new float[]{1, 0, 0, 2}, 0);
        s.keys(0, 0, 1, new float[]{0, 3}, 0);
        s.queries(1, 0, 1, new float[]{1, 1, 1, 1}, 0);
        s.keys(1, 0, 1, new float[]{2, 2}, 0);
        s.endWindow();
        float[][] q = s.qScale();
        float[][] k = s.kScale();
        assertArrayEquals(new float[]{(3 + 1) / 2f / 127, (4 + 2) / 2f / 127}, q[0], 1e-7f);
        assertArrayEquals(new float[]{1 / 127f, 1 / 127f}, q[1], 1e-7f);
        assertArrayEquals(new float[]{(1 + 3) / 2f / 127}, k[0], 1e-7f);
        assertArrayEquals(new float[]{2 / 127f}, k[1], 1e-7f);
    }

    @Test
    void aHeadThatWasNeverNonZeroIsAnError() {
        ScaleStatistics s = new ScaleStatistics(G);
        assertThrows(IllegalStateException.class, s::qScale);
        s.queries(0, 0, 1, new float[]{1, 1, 1, 1}, 0);
        s.keys(0, 0, 1, new float[]{1, 1}, 0);
        s.queries(1, 0, 1, new float[]{1, 1, 0, 0}, 0);
        s.keys(1, 0, 1, new float[]{1, 1}, 0);
        IllegalStateException e = assertThrows(IllegalStateException.class, s::endWindow);
        assertTrue(e.getMessage().contains("layer 1 head 1"), e.getMessage());
    }
}
