package dev.shadowattn.plugin.pipeline;

import java.util.Arrays;

/**
 * Orders the units of one attention call for the two-stage pipeline (SHADOWATTN.md, "Head-wise NPU-CPU pipeline").
 *
 * <p>The model: one scorer runs fused groups back to back (a group of one scale bucket is one launch); a group's
 * units become ready when its launch ends; {@code cpuThreads} identical CPU threads take ready units in plan order,
 * each on the thread that frees first. The makespan is when the last CPU stage ends.
 *
 * <ul>
 *   <li>{@link #fifo}: groups in order of their first unit, units ascending: the natural order.</li>
 *   <li>{@link #greedy}: the paper's planner. At each step, every remaining group is tried next: its units are
 *       ordered greedily (repeatedly the unit that would finish first) and the group's finish time noted; the group
 *       finishing earliest is committed. Exact planning is NP-hard; this is O(groups^2 * units * cpuThreads).</li>
 * </ul>
 */
public final class Planner {

    private Planner() {
    }

    /** The natural order. {@code bucket[u]} is the fused-launch group key of unit {@code u}. */
    public static SchedulePlan fifo(StageCosts costs, int[] bucket, int cpuThreads) {
        int[][] groups = groups(costs, bucket);
        int[] order = new int[costs.units()];
        int[] ends = new int[groups.length];
        int n = 0;
        for (int g = 0; g < groups.length; g++) {
            System.arraycopy(groups[g], 0, order, n, groups[g].length);
            n += groups[g].length;
            ends[g] = n;
        }
        return new SchedulePlan(order, ends, simulate(costs, order, ends, cpuThreads));
    }

    /** The paper's greedy plan. */
    public static SchedulePlan greedy(StageCosts costs, int[] bucket, int cpuThreads) {
        checkThreads(cpuThreads);
        int[][] groups = groups(costs, bucket);
        int maxGroup = 0;
        for (int[] grp : groups) {
            maxGroup = Math.max(maxGroup, grp.length);
        }
        long[] cpu = costs.cpuNanos();
        int[] order = new int[costs.units()];
        int[] ends = new int[groups.length];
        boolean[] used = new boolean[groups.length];
        long[] cpuFree = new long[cpuThreads];
        long[] trialFree = new long[cpuThreads];
        long[] bestFree = new long[cpuThreads];
        int[] trialOrder = new int[maxGroup];
        int[] bestOrder = new int[maxGroup];
        boolean[] taken = new boolean[maxGroup];
        long scorerFree = 0;
        int n = 0;
        for (int step = 0; step < groups.length; step++) {
            int best = -1;
            long bestFinish = Long.MAX_VALUE;
            long bestReady = 0;
            for (int g = 0; g < groups.length; g++) {
                if (used[g]) {
                    continue;
                }
                int[] units = groups[g];
                long ready = scorerFree + costs.groupScoreNanos(units, 0, units.length);
                System.arraycopy(cpuFree, 0, trialFree, 0, cpuThreads);
                Arrays.fill(taken, 0, units.length, false);
                long finish = ready;
                for (int k = 0; k < units.length; k++) {
                    int m = argMin(trialFree);
                    long start = Math.max(ready, trialFree[m]);
                    // Every candidate starts at the same time on thread m: the first to finish is the cheapest.
                    int pick = -1;
                    for (int j = 0; j < units.length; j++) {
                        if (!taken[j] && (pick < 0 || cpu[units[j]] < cpu[units[pick]])) {
                            pick = j;
                        }
                    }
                    taken[pick] = true;
                    trialOrder[k] = units[pick];
                    trialFree[m] = start + cpu[units[pick]];
                    finish = Math.max(finish, trialFree[m]);
                }
                if (finish < bestFinish) {
                    bestFinish = finish;
                    best = g;
                    bestReady = ready;
                    System.arraycopy(trialOrder, 0, bestOrder, 0, units.length);
                    System.arraycopy(trialFree, 0, bestFree, 0, cpuThreads);
                }
            }
            used[best] = true;
            scorerFree = bestReady;
            System.arraycopy(bestFree, 0, cpuFree, 0, cpuThreads);
            System.arraycopy(bestOrder, 0, order, n, groups[best].length);
            n += groups[best].length;
            ends[step] = n;
        }
        return new SchedulePlan(order, ends, simulate(costs, order, ends, cpuThreads));
    }

    /** The model's makespan of running {@code order}, cut at {@code ends}, on {@code cpuThreads} CPU threads. */
    public static long simulate(StageCosts costs, int[] order, int[] ends, int cpuThreads) {
        checkThreads(cpuThreads);
        long[] free = new long[cpuThreads];
        long scorer = 0;
        long makespan = 0;
        int from = 0;
        for (int end : ends) {
            scorer += costs.groupScoreNanos(order, from, end);
            for (int i = from; i < end; i++) {
                int m = argMin(free);
                free[m] = Math.max(scorer, free[m]) + costs.cpuNanos()[order[i]];
                makespan = Math.max(makespan, free[m]);
            }
            from = end;
        }
        return Math.max(makespan, scorer);
    }

    /** Units of each bucket, ascending, groups in order of their first unit. */
    private static int[][] groups(StageCosts costs, int[] bucket) {
        int n = costs.units();
        if (bucket.length != n) {
            throw new IllegalArgumentException("planner: " + bucket.length + " bucket keys for " + n + " units");
        }
        int[] groupOf = new int[n];
        int[] key = new int[n];
        int[] size = new int[n];
        int groups = 0;
        for (int u = 0; u < n; u++) {
            int g = 0;
            while (g < groups && key[g] != bucket[u]) {
                g++;
            }
            if (g == groups) {
                key[groups++] = bucket[u];
            }
            groupOf[u] = g;
            size[g]++;
        }
        int[][] out = new int[groups][];
        for (int g = 0; g < groups; g++) {
            out[g] = new int[size[g]];
            size[g] = 0;
        }
        for (int u = 0; u < n; u++) {
            int g = groupOf[u];
            out[g][size[g]++] = u;
        }
        return out;
    }

    private static int argMin(long[] a) {
        int m = 0;
        for (int i = 1; i < a.length; i++) {
            if (a[i] < a[m]) {
                m = i;
            }
        }
        return m;
    }

    private static void checkThreads(int cpuThreads) {
        if (cpuThreads < 1) {
            throw new IllegalArgumentException("planner: cpuThreads " + cpuThreads + " must be at least 1");
        }
    }
}
