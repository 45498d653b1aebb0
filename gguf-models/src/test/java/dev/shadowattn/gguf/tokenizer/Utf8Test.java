package dev.shadowattn.gguf.tokenizer;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

class Utf8Test {

    @Test
    void escapeSpacesMatchesReplaceThenEncode() {
        Random random = new Random(11);
        char[] pool = {'a', ' ', '\n', 'é', '€', '\u2581', '\uD83D', '\uDE00', '\uDC00', '\uD800', 'z'};
        for (int i = 0; i < 2000; i++) {
            StringBuilder b = new StringBuilder();
            int n = random.nextInt(12);
            for (int j = 0; j < n; j++) {
                b.append(pool[random.nextInt(pool.length)]);
            }
            String s = "<" + b + ">";
            int from = 1;
            int to = s.length() - 1;
            for (boolean prefix : new boolean[] {false, true}) {
                String expected = (prefix ? " " : "") + s.substring(from, to);
                assertArrayEquals(expected.replace(' ', '\u2581').getBytes(StandardCharsets.UTF_8),
                        Utf8.escapeSpaces(s, from, to, prefix), () -> "input " + s);
            }
        }
    }

    @Test
    void sequenceLengthFromLeadByte() {
        assertEquals(1, Utf8.sequenceLength((byte) 'a'));
        assertEquals(1, Utf8.sequenceLength((byte) 0x80));   // stray continuation byte
        assertEquals(2, Utf8.sequenceLength((byte) 0xC3));
        assertEquals(3, Utf8.sequenceLength((byte) 0xE2));
        assertEquals(4, Utf8.sequenceLength((byte) 0xF0));
    }

    @Test
    void completePrefixHoldsBackOnlyUnfinishedCharacters() {
        byte[] euro = "x€".getBytes(StandardCharsets.UTF_8);   // 78 E2 82 AC
        assertEquals(4, Utf8.completePrefixLength(euro, 4));
        assertEquals(1, Utf8.completePrefixLength(euro, 3));
        assertEquals(1, Utf8.completePrefixLength(euro, 2));
        assertEquals(1, Utf8.completePrefixLength(euro, 1));
        byte[] emoji = "😀".getBytes(StandardCharsets.UTF_8);
        assertEquals(0, Utf8.completePrefixLength(emoji, 3));
        assertEquals(4, Utf8.completePrefixLength(emoji, 4));
        assertEquals(0, Utf8.completePrefixLength(new byte[0], 0));
        // Malformed input is not held back: stray continuations, invalid leads, over-long continuation runs.
        assertEquals(2, Utf8.completePrefixLength(new byte[] {(byte) 0x80, (byte) 0x80}, 2));
        assertEquals(1, Utf8.completePrefixLength(new byte[] {(byte) 0xFF}, 1));
        assertEquals(1, Utf8.completePrefixLength(new byte[] {(byte) 0xC0}, 1));
        assertEquals(4, Utf8.completePrefixLength(new byte[] {(byte) 0xE2, (byte) 0x82, (byte) 0xAC, (byte) 0x80}, 4));
    }
}
