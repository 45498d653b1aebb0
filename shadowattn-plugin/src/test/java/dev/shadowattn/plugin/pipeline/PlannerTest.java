package dev.shadowattn.plugin.pipeline;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PlannerTest {

    private static int[] singletons(int n) {
        int[] b = new int[n];
        for (int i = 0; i < n; i++) {
            b[i] = i;
        }
        return b;
    }

    @Test
    void greedyStartsWithTheUnitThatFinishesFirst() {
        // Unit 0: long scorer, short CPU; unit 1: short scorer, long CPU. One CPU thread.
        StageCosts c = new StageCosts(new long[]{5, 1}, new long[]{1, 4}, 1.0);
        SchedulePlan fifo = Planner.fifo(c, singletons(2), 1);
        SchedulePlan greedy = Planner.greedy(c, singletons(2), 1);
        assertArrayEquals(new int[]{0, 1}, fifo.order());
        // FIFO: scorer 0-5, 5-6; CPU 5-6, 6-10.
        assertEquals(10, fifo.predictedNanos());
        // Greedy: unit 1 finishes at 5 if first, unit 0 at 6: unit 1 first; then scorer 1-6, CPU 6-7.
        assertArrayEquals(new int[]{1, 0}, greedy.order());
        assertEquals(7, greedy.predictedNanos());
    }

    @Test
    void simulationUsesEveryCpuThread() {
        StageCosts c = new StageCosts(new long[]{1, 1, 1}, new long[]{10, 10, 10}, 1.0);
        // Scorer 0-1, 1-2, 2-3; three threads run the CPU stages side by side: 1-11, 2-12, 3-13.
        assertEquals(13, Planner.fifo(c, singletons(3), 3).predictedNanos());
        // One thread: 1-11, 11-21, 21-31.
        assertEquals(31, Planner.fifo(c, singletons(3), 1).predictedNanos());
    }

    @Test
    void fusedGroupsStayTogetherAndCostLessThanTheirSum() {
        StageCosts c = new StageCosts(new long[]{4, 4, 4, 4}, new long[]{1, 2, 3, 4}, 0.5);
        int[] bucket = {7, 3, 7, 3};
        SchedulePlan fifo = Planner.fifo(c, bucket, 1);
        assertArrayEquals(new int[]{0, 2, 1, 3}, fifo.order());
        assertArrayEquals(new int[]{2, 4}, fifo.groupEnd());
        // Fused launch of two 4s costs 4 + 0.5 * 4 = 6: scorer 0-6, 6-12; CPU 6-7, 7-10, 12-14, 14-18.
        assertEquals(18, fifo.predictedNanos());
        SchedulePlan greedy = Planner.greedy(c, bucket, 1);
        assertEquals(2, greedy.groups());
        for (int g = 0; g < greedy.groups(); g++) {
            int b0 = bucket[greedy.order()[greedy.groupStart(g)]];
            for (int i = greedy.groupStart(g); i < greedy.groupEnd()[g]; i++) {
                assertEquals(b0, bucket[greedy.order()[i]], "a group holds one bucket");
            }
        }
        assertEquals(greedy.predictedNanos(), Planner.simulate(c, greedy.order(), greedy.groupEnd(), 1));
    }

    @Test
    void greedyIsAPermutationAndNeverMuchWorseOnRandomCosts() {
        Random rnd = new Random(11);
        int better = 0;
        for (int trial = 0; trial < 200; trial++) {
            int n = 1 + rnd.nextInt(32);
            long[] s = new long[n];
            long[] cpu = new long[n];
            int[] bucket = new int[n];
            for (int i = 0; i < n; i++) {
                s[i] = 1 + rnd.nextInt(100);
                cpu[i] = 1 + rnd.nextInt(300);
                bucket[i] = rnd.nextInt(9);
            }
            StageCosts c = new StageCosts(s, cpu, rnd.nextDouble());
            int threads = 1 + rnd.nextInt(3);
            SchedulePlan f = Planner.fifo(c, bucket, threads);
            SchedulePlan g = Planner.greedy(c, bucket, threads);
            assertEquals(n, g.order().length);
            assertEquals(g.predictedNanos(), Planner.simulate(c, g.order(), g.groupEnd(), threads));
            // A lower bound: the scorer's total work, and the CPU work spread over the threads.
            long scorer = 0;
            for (int gi = 0; gi < g.groups(); gi++) {
                scorer += c.groupScoreNanos(g.order(), g.groupStart(gi), g.groupEnd()[gi]);
            }
            assertTrue(g.predictedNanos() >= scorer);
            if (g.predictedNanos() < f.predictedNanos()) {
                better++;
            }
        }
        assertTrue(better > 0, "greedy should beat FIFO on some random instance");
    }

    @Test
    void badInputIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> new StageCosts(new long[2], new long[3], 1.0));
        assertThrows(IllegalArgumentException.class, () -> new StageCosts(new long[]{-1}, new long[1], 1.0));
        assertThrows(IllegalArgumentException.class, () -> new SchedulePlan(new int[]{0, 0}, new int[]{2}, 0));
        StageCosts c = new StageCosts(new long[2], new long[2], 1.0);
        assertThrows(IllegalArgumentException.class, () -> Planner.greedy(c, new int[3], 1));
        assertThrows(IllegalArgumentException.class, () -> Planner.greedy(c, new int[2], 0));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> PipelineMode.parse("pipeline", "fast"));
        assertTrue(e.getMessage().contains("pipeline=fast"), e.getMessage());
    }
}
