package dev.shadowattn.plugin.pipeline;

/**
 * The order in which the pipeline runs units: {@code order} lists every unit once, cut into fused scorer groups
 * that end at {@code groupEnd[g]} (exclusive, ascending, the last one {@code order.length}). The CPU stage of a
 * group's units starts after the whole group is scored, in the listed order.
 *
 * @param predictedNanos makespan the planner's model predicts for this plan
 */
public record SchedulePlan(int[] order, int[] groupEnd, long predictedNanos) {

    public SchedulePlan {
        boolean[] seen = new boolean[order.length];
        for (int u : order) {
            if (u < 0 || u >= order.length || seen[u]) {
                throw new IllegalArgumentException("schedule: order is not a permutation of its units");
            }
            seen[u] = true;
        }
        int prev = 0;
        for (int e : groupEnd) {
            if (e <= prev || e > order.length) {
                throw new IllegalArgumentException("schedule: group ends must ascend within (0, units]");
            }
            prev = e;
        }
        if (order.length > 0 && prev != order.length) {
            throw new IllegalArgumentException("schedule: the last group must end at " + order.length);
        }
    }

    public int groups() {
        return groupEnd.length;
    }

    public int groupStart(int g) {
        return g == 0 ? 0 : groupEnd[g - 1];
    }

    /** Largest number of units in one group. */
    public int maxGroup() {
        int m = 0;
        for (int g = 0; g < groupEnd.length; g++) {
            m = Math.max(m, groupEnd[g] - groupStart(g));
        }
        return m;
    }
}
