package dev.shadowattn.host.engine;

import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicIntegerArray;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class WorkerPoolTest {

    @Test
    void everyIndexRunsExactlyOnce() {
        try (WorkerPool pool = new WorkerPool(3)) {
            for (int total : new int[]{1, 2, 7, 100, 1001, 32000}) {
                AtomicIntegerArray hits = new AtomicIntegerArray(total);
                pool.run(total, 1, (from, to) -> {
                    for (int i = from; i < to; i++) {
                        hits.incrementAndGet(i);
                    }
                });
                for (int i = 0; i < total; i++) {
                    assertEquals(1, hits.get(i), "index " + i + " of " + total);
                }
            }
        }
    }

    @Test
    void failuresPropagateAndThePoolStaysUsable() {
        try (WorkerPool pool = new WorkerPool(2)) {
            var e = assertThrows(IllegalStateException.class, () -> pool.run(1000, 1, (from, to) -> {
                if (from <= 500 && 500 < to) {
                    throw new IllegalStateException("boom");
                }
            }));
            assertEquals("boom", e.getMessage());
            int[] sum = new int[1];
            pool.run(10, 100, (from, to) -> sum[0] += to - from);
            assertEquals(10, sum[0]);
        }
    }

    @Test
    void closedPoolRefusesWork() {
        WorkerPool pool = new WorkerPool(2);
        pool.close();
        assertThrows(IllegalStateException.class, () -> pool.run(10, 1, (a, b) -> { }));
    }
}
