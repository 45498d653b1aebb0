package dev.shadowattn.gguf.tokenizer;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BigramQueueTest {

    private record Entry(float score, int left, int length) {
    }

    @Test
    void popsHighestScoreThenLeftmost() {
        Random random = new Random(7);
        BigramQueue queue = new BigramQueue(1);   // forces growth
        List<Entry> entries = new ArrayList<>();
        float[] scores = {-1e9f, -31740f, -3.5f, -1f, -0.0f, 0f, 2.25f, 1e9f};
        for (int i = 0; i < 5000; i++) {
            Entry e = new Entry(scores[random.nextInt(scores.length)], random.nextInt(1 << 30), 1 + random.nextInt(64));
            entries.add(e);
            queue.push(e.score(), e.left(), e.length());
        }
        // -0.0 and 0.0 tie (C's <), so compare scores with == semantics via +0.0f.
        entries.sort(Comparator.comparingDouble((Entry e) -> -(e.score() + 0.0f)).thenComparingInt(Entry::left));
        for (int i = 0; i < entries.size(); i++) {
            Entry expected = entries.get(i);
            int left = queue.pop();
            assertEquals(expected.left(), left, "entry " + i);
            if (i + 1 < entries.size() && entries.get(i + 1).left() == left) {
                continue;   // equal keys: payloads may come out in either order
            }
            assertEquals(expected.length(), queue.poppedPiece(), "entry " + i);
        }
        assertTrue(queue.isEmpty());
    }

    @Test
    void negativeZeroTiesWithZero() {
        BigramQueue queue = new BigramQueue(4);
        queue.push(0.0f, 9, 2);
        queue.push(-0.0f, 3, 2);
        queue.push(-1f, 0, 2);
        assertEquals(3, queue.pop());
        assertEquals(9, queue.pop());
        assertEquals(0, queue.pop());
    }
}
