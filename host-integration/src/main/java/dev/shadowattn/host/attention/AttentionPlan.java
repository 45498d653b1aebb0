package dev.shadowattn.host.attention;

/**
 * How one {@code attend} call is cut into tasks: {@code kvHeads x tiles x splits}, where a tile is up to
 * {@code tileRows} consecutive query rows (all query heads of one KV head, so each K/V byte loaded serves
 * {@code tileRows x groupSize} rows) and a split is a contiguous range of key units whose partial softmax states
 * are merged afterwards. Splitting keys only pays when there are fewer tiles than threads (decode, few KV heads) and
 * the context is long.
 *
 * @param tileRows query rows per tile
 * @param tiles    tiles per KV head
 * @param splits   key ranges per tile
 * @param parallel whether the tasks go to the thread pool (enough work to repay the hand-off)
 */
record AttentionPlan(int kvHeads, int tileRows, int tiles, int splits, boolean parallel) {

    /** Below this many multiply-adds (QK plus PV) an attend call runs on the caller's thread alone. */
    static final long PARALLEL_MIN_WORK = 1L << 20;
    /** A key split covers at least this many units. */
    static final int MIN_SPLIT_UNITS = 8;

    int tasks() {
        return kvHeads * tiles * splits;
    }

    /**
     * @param pos      position of the first query row
     * @param n        query rows
     * @param queryHeads query heads, for the work estimate
     */
    static AttentionPlan of(int kvHeads, int queryHeads, int headDim, int tileRows, int threads, int pos, int n) {
        int tiles = (n + tileRows - 1) / tileRows;
        long visibleKeys = (long) n * pos + (long) n * (n + 1) / 2;
        long work = 2 * visibleKeys * queryHeads * headDim;
        boolean parallel = threads > 1 && work >= PARALLEL_MIN_WORK;
        int splits = 1;
        if (parallel) {
            int base = kvHeads * tiles;
            int units = (pos + n + KvLayout.CHUNK - 1) / KvLayout.CHUNK;
            int maxSplits = Math.max(1, units / MIN_SPLIT_UNITS);
            while (splits < maxSplits && !balanced(base * splits, threads)) {
                splits++;
            }
            parallel = base * splits > 1;
        }
        return new AttentionPlan(kvHeads, tileRows, tiles, splits, parallel);
    }

    /**
     * Every thread gets at least two tasks (so a helper that wakes late, or is busy with another session, leaves
     * its share to the others), evenly or with many tasks to even out.
     */
    private static boolean balanced(int tasks, int threads) {
        return tasks >= 2 * threads && (tasks % threads == 0 || tasks >= 4 * threads);
    }

    int kvHead(int task) {
        return task / (tiles * splits);
    }

    int tile(int task) {
        return task / splits % tiles;
    }

    int split(int task) {
        return task % splits;
    }
}
