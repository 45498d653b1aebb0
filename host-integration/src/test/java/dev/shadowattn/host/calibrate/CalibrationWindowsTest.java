package dev.shadowattn.host.calibrate;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CalibrationWindowsTest {

    private static int[] tokens(int n) {
        int[] t = new int[n];
        for (int i = 0; i < n; i++) {
            t[i] = 100 + i;
        }
        return t;
    }

    @Test
    void windowsSpanTheTextEvenlyAndStartWithBos() {
        CalibrationWindows w = CalibrationWindows.evenlySpaced(tokens(100), 3, 20, 1);
        assertArrayEquals(new int[]{0, 40, 80}, w.starts());
        assertEquals(1, w.windows()[1][0]);
        assertEquals(141, w.windows()[1][1]);
        assertEquals(199, w.windows()[2][19]);
        assertEquals(10, w.firstScored());
        assertEquals(9, w.scoredPerWindow());
        assertEquals(100, w.textTokens());
        assertArrayEquals(new int[]{0}, CalibrationWindows.evenlySpaced(tokens(100), 1, 20, 1).starts());
    }

    @Test
    void tooShortATextIsAnErrorNamingTheOptions() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> CalibrationWindows.evenlySpaced(tokens(100), 6, 20, 1));
        assertTrue(e.getMessage().contains("100 tokens") && e.getMessage().contains("--windows 6"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> CalibrationWindows.evenlySpaced(tokens(100), 0, 20, 1));
        assertThrows(IllegalArgumentException.class, () -> CalibrationWindows.evenlySpaced(tokens(100), 1, 4, 1));
    }
}
