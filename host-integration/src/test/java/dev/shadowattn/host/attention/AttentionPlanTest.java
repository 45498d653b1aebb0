package dev.shadowattn.host.attention;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;

import org.junit.jupiter.api.Test;

class AttentionPlanTest {

    @Test
    void shortWorkStaysOnTheCallerThread() {
        AttentionPlan plan = AttentionPlan.of(2, 6, 64, 16, 2, 100, 1);
        assertFalse(plan.parallel());
        assertEquals(1, plan.splits());
        assertEquals(2, plan.tasks());
    }

    @Test
    void decodeSplitsKeysOnlyWhenHeadsDoNotFillTheThreads() {
        AttentionPlan twoHeads = AttentionPlan.of(2, 6, 64, 16, 2, 16_000, 1);
        assertTrue(twoHeads.parallel());
        assertEquals(2, twoHeads.splits(), "two tasks per thread");
        AttentionPlan oneHead = AttentionPlan.of(1, 3, 64, 16, 2, 16_000, 1);
        assertTrue(oneHead.parallel());
        assertEquals(4, oneHead.splits());
        AttentionPlan manyHeads = AttentionPlan.of(8, 32, 64, 16, 2, 16_000, 1);
        assertEquals(1, manyHeads.splits(), "eight KV heads feed two threads");
        AttentionPlan shortContext = AttentionPlan.of(1, 32, 128, 16, 2, 1100, 1);
        assertTrue(shortContext.parallel());
        assertEquals(2, shortContext.splits(), "a split covers at least " + AttentionPlan.MIN_SPLIT_UNITS + " units");
        AttentionPlan threeHeads = AttentionPlan.of(3, 9, 64, 16, 2, 16_000, 1);
        assertEquals(0, threeHeads.tasks() % 2, "3 heads on 2 threads are split evenly: " + threeHeads);
    }

    @Test
    void prefillTilesCoverEveryRowOnceAndTasksMapBack() {
        AttentionPlan plan = AttentionPlan.of(2, 6, 64, 16, 2, 4000, 128);
        assertEquals(8, plan.tiles());
        assertEquals(1, plan.splits());
        Set<String> seen = new HashSet<>();
        for (int t = 0; t < plan.tasks(); t++) {
            assertTrue(seen.add(plan.kvHead(t) + "/" + plan.tile(t) + "/" + plan.split(t)));
        }
        assertEquals(16, seen.size());
    }
}
