package dev.shadowattn.plugin.attention;

import dev.shadowattn.plugin.cache.KeyLayout;

import static dev.shadowattn.plugin.cache.KeyLayout.GROUP;

/**
 * The selection rules of one unit (see {@link SparseAttention}): which elements are candidates, which are forced
 * (diagonal, sink, window), how many candidates to pick, and the key groups the kept elements turn into. One
 * instance per worker, {@link #set} for each unit (a unit per head and row in the faithful mode: no allocation).
 */
final class Selection {

    private int block;
    private int visible;
    private int candidates;
    private int diagonalFirst;
    private int diagonalLast;
    private int sinkEnd;
    private int windowStart;
    private int picks;

    /**
     * @param block  keys per element (1 = single keys)
     * @param p0     position of the unit's first row
     * @param pl     position of its last row
     * @param ratio  keep ratio in (0, 1)
     * @param sink   leading positions to keep
     * @param window trailing positions (of the last row's view) to keep
     */
    Selection set(int block, int p0, int pl, double ratio, int sink, int window) {
        this.block = block;
        this.visible = pl + 1;
        boolean singleKeyRow = block == 1 && p0 == pl;
        this.candidates = singleKeyRow ? visible : p0 / block;
        this.diagonalFirst = candidates;
        this.diagonalLast = singleKeyRow ? candidates - 1 : pl / block;
        int diagonal = diagonalLast - diagonalFirst + 1;
        long keys = Math.max(1, (long) Math.ceil(ratio * visible - 1e-9));
        long elements = (keys + block - 1) / block;
        int want = (int) Math.max(0, elements - diagonal);
        this.sinkEnd = Math.min(candidates, (int) (((long) sink + block - 1) / block));
        int ws = window > 0 ? Math.max(0, visible - window) / block : candidates;
        this.windowStart = Math.max(sinkEnd, Math.min(candidates, ws));
        int forced = sinkEnd + (candidates - windowStart);
        this.picks = Math.min(candidates, Math.max(want, forced));
        return this;
    }

    /** Elements {@code [0, candidates())} are scored and selected from. */
    int candidates() {
        return candidates;
    }

    /** How many candidates to keep. */
    int picks() {
        return picks;
    }

    /** Raises the sink and window candidates to {@code +Infinity} so selection keeps them. */
    void force(float[] scores) {
        for (int e = 0; e < sinkEnd; e++) {
            scores[e] = Float.POSITIVE_INFINITY;
        }
        for (int e = windowStart; e < candidates; e++) {
            scores[e] = Float.POSITIVE_INFINITY;
        }
    }

    /**
     * Single keys: turns the selected keys (ascending) plus the diagonal keys into groups and lane masks; returns
     * the number of groups.
     */
    int keyGroups(int[] selected, int n, int[] groups, int[] masks) {
        int count = 0;
        int last = -1;
        for (int i = 0, total = n + Math.max(0, diagonalLast - diagonalFirst + 1); i < total; i++) {
            int key = i < n ? selected[i] : diagonalFirst + (i - n);
            int grp = key >>> KeyLayout.GROUP_SHIFT;
            if (grp != last) {
                groups[count] = grp;
                masks[count++] = 0;
                last = grp;
            }
            masks[count - 1] |= 1 << (key & (GROUP - 1));
        }
        return count;
    }

    /** Key blocks: the groups of the selected blocks (ascending) and of the diagonal blocks. */
    int blockGroups(int[] selected, int n, int[] groups) {
        int perBlock = block / GROUP;
        int end = KeyLayout.groupsFor(visible);
        int count = 0;
        for (int i = 0, total = n + Math.max(0, diagonalLast - diagonalFirst + 1); i < total; i++) {
            int e = i < n ? selected[i] : diagonalFirst + (i - n);
            for (int grp = e * perBlock, stop = Math.min(end, grp + perBlock); grp < stop; grp++) {
                groups[count++] = grp;
            }
        }
        return count;
    }
}
