package dev.shadowattn.plugin.exec;

import org.junit.jupiter.api.Test;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicIntegerArray;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class WorkerPoolTest {

    @Test
    void everyTaskRunsOnceWithDistinctConcurrentWorkers() {
        try (WorkerPool pool = new WorkerPool(3)) {
            for (int round = 0; round < 50; round++) {
                int tasks = 1 + round % 9;
                AtomicIntegerArray runs = new AtomicIntegerArray(tasks);
                ConcurrentHashMap<Integer, Thread> busy = new ConcurrentHashMap<>();
                pool.run(tasks, (t, w) -> {
                    assertTrue(w >= 0 && w < 3);
                    assertTrue(busy.putIfAbsent(w, Thread.currentThread()) == null, "worker index used twice at once");
                    runs.incrementAndGet(t);
                    busy.remove(w);
                });
                for (int t = 0; t < tasks; t++) {
                    assertEquals(1, runs.get(t));
                }
            }
        }
    }

    @Test
    void failureIsRethrownAfterOtherTasksStop() {
        try (WorkerPool pool = new WorkerPool(2)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> pool.run(20, (t, w) -> {
                if (t == 3) {
                    throw new IllegalArgumentException("task 3");
                }
            }));
            assertEquals("task 3", e.getMessage());
            // The pool still works afterwards.
            AtomicIntegerArray runs = new AtomicIntegerArray(5);
            pool.run(5, (t, w) -> runs.incrementAndGet(t));
            assertEquals(1, runs.get(4));
        }
    }

    @Test
    void concurrentCallersEachGetTheirTasksDone() throws Exception {
        try (WorkerPool pool = new WorkerPool(2)) {
            Thread[] callers = new Thread[4];
            AtomicIntegerArray done = new AtomicIntegerArray(callers.length);
            for (int c = 0; c < callers.length; c++) {
                int id = c;
                callers[c] = new Thread(() -> {
                    for (int r = 0; r < 100; r++) {
                        pool.run(4, (t, w) -> done.incrementAndGet(id));
                    }
                });
                callers[c].start();
            }
            for (Thread t : callers) {
                t.join(60_000);
            }
            for (int c = 0; c < callers.length; c++) {
                assertEquals(400, done.get(c));
            }
        }
    }

    @Test
    void singleThreadRunsInlineAndClosedPoolStillCompletes() {
        WorkerPool one = new WorkerPool(1);
        Thread caller = Thread.currentThread();
        one.run(3, (t, w) -> assertEquals(caller, Thread.currentThread()));
        one.close();
        WorkerPool two = new WorkerPool(2);
        two.close();
        AtomicIntegerArray runs = new AtomicIntegerArray(3);
        two.run(3, (t, w) -> runs.incrementAndGet(t));
        assertEquals(1, runs.get(2), "after close the caller does the work itself");
        assertThrows(IllegalArgumentException.class, () -> new WorkerPool(0));
    }
}
