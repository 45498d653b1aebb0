package dev.shadowattn.plugin.attention;

import dev.shadowattn.api.AttentionGeometry;
import dev.shadowattn.api.AttentionStats;
import dev.shadowattn.api.SelectionListener;
import dev.shadowattn.plugin.cache.HeadCache;
import dev.shadowattn.plugin.cache.KeyLayout;
import dev.shadowattn.plugin.cache.LayerCache;
import dev.shadowattn.plugin.config.Estimator;
import dev.shadowattn.plugin.config.ScaleMode;
import dev.shadowattn.plugin.config.ShadowAttnConfig;
import dev.shadowattn.plugin.config.Sharing;
import dev.shadowattn.plugin.kernel.AttentionKernels;
import dev.shadowattn.plugin.scoring.ScoreRequest;

import java.util.Arrays;

import static dev.shadowattn.plugin.cache.KeyLayout.GROUP;

/**
 * One attention call of a session, as SHADOWATTN.md describes it (estimate, select, attend), generalised to the
 * CPU variants of the issue.
 *
 * <p>Work is split into tasks of one KV head and a run of query rows. Inside a task, a <em>unit</em> is a set of
 * queries sharing one selection: one query head and one row (the paper: {@code share=head, tile=1}), a head and a
 * tile of rows ({@code share=head, tile>1}), or all query heads of the KV head and a tile of rows
 * ({@code share=kv}). A unit selects <em>elements</em>: single keys ({@code block=1}) or blocks of keys.
 *
 * <ul>
 *   <li>Candidates are the elements every row of the unit sees entirely; the elements holding the unit's own
 *       positions (the causal diagonal) are always kept, except for a single row selecting single keys, where every
 *       visible key is a candidate, exactly as in the paper.</li>
 *   <li>The budget is {@code ceil(ratio * visible keys of the unit's last row)} keys, in whole elements, diagonal
 *       included; {@code sink} and {@code window} force elements in within that budget (growing it if they need
 *       more). {@code ratio} is the unit's largest per-head ratio.</li>
 *   <li>Attention is exact over the kept keys, causally masked per row.</li>
 * </ul>
 */
final class SparseAttention {

    /** Shortlisted INT8 blocks read ahead together before they are scored ({@link AttentionKernels#touchBlocks}). */
    private static final int TOUCH_BLOCKS = 16;

    /**
     * Multiply-adds below which a call runs on the calling thread alone: a pool hand-off (a futex wake, the helper's
     * start) costs microseconds, as much as a short decode call (generation at depth 0 and 1024 was 16% slower than
     * with the engine's dense backend, which has this threshold).
     */
    static final long PARALLEL_MIN_WORK = 1L << 20;

    /** Query heads per KV head that {@link AttentionKernels#attendKeys} takes (one bit each); more read groups. */
    private static final int MAX_KEY_HEADS = 32;

    private final AttentionPlan plan;
    private final AttentionGeometry g;
    private final ShadowAttnConfig cfg;
    private final AttentionKernels kernels;
    private final int d;
    private final int groupSize;
    private final float attScale;
    private final WorkerState[] workers;
    /** Whether every head keeps all keys (ratio 1: exact dense attention everywhere). */
    private final boolean allDense;
    /** The head pipeline's side of this attention ({@code pipeline=fifo|greedy}), or null. */
    private final PipelinedAttention pipelined;

    SparseAttention(AttentionPlan plan) {
        this.plan = plan;
        this.g = plan.geometry();
        this.cfg = plan.config();
        this.kernels = plan.kernels();
        this.d = g.headDim();
        this.groupSize = g.groupSize();
        this.attScale = (float) (1.0 / Math.sqrt(d));
        this.workers = new WorkerState[plan.pool().threads()];
        for (int i = 0; i < workers.length; i++) {
            workers[i] = new WorkerState();
        }
        this.pipelined = plan.pipeline() == null ? null : new PipelinedAttention(this, plan.pipeline(), g.kvHeads());
        this.allDense = Arrays.stream(plan.ratios()).flatMapToDouble(Arrays::stream).allMatch(r -> r >= 1.0);
    }

    /** Rows per task: one shared tile, or a batch of single-row units scored together. */
    int rowsPerTask() {
        return perRowUnits() ? Math.max(1, plan.device().preferredRows()) : cfg.tile();
    }

    /** Whether each unit is one query head and one row (the paper's shape). */
    private boolean perRowUnits() {
        return cfg.sharing() == Sharing.HEAD && cfg.tile() == 1;
    }

    /** Computes {@code out} for rows {@code [pos, pos+n)} of {@code layer}; returns the work counters. */
    AttentionStats attend(LayerCache lc, int layer, int pos, int n, float[] q, int qOff, float[] out, int outOff,
                          SelectionListener listener) {
        if (pipelined != null && listener == null) {
            return pipelined.attend(lc, layer, pos, n, q, qOff, out, outOff);
        }
        for (WorkerState w : workers) {
            w.resetCounters();
        }
        int rows = rowsPerTask();
        int tilesPerKv = (n + rows - 1) / rows;
        int tasks = g.kvHeads() * tilesPerKv;
        boolean decode = n == 1;
        if (listener != null || !worthSpreading(pos, n)) {
            // The listener is the caller's object and need not be thread-safe: report from one thread. A small call
            // also runs here: waking a pool thread costs more than its share of the work.
            for (int t = 0; t < tasks; t++) {
                runTask(lc, layer, pos, n, decode, t / tilesPerKv, (t % tilesPerKv) * rows, rows, q, qOff, out,
                        outOff, workers[0], listener);
            }
        } else {
            plan.pool().run(tasks, (t, w) -> runTask(lc, layer, pos, n, decode, t / tilesPerKv,
                    (t % tilesPerKv) * rows, rows, q, qOff, out, outOff, workers[w], null));
        }
        return sum(workers);
    }

    /**
     * Whether a call of {@code n} rows from {@code pos} has enough work to hand tasks to the pool: about
     * {@link #PARALLEL_MIN_WORK} multiply-adds (Q·K and P·V over the visible keys, halved when the rows are sparse:
     * a 20% selection plus its estimate costs about half of dense attention, JMH tables of SHADOWATTN-BACKEND.md).
     * The engine's dense backend uses the same threshold.
     */
    boolean worthSpreading(int pos, int n) {
        if (plan.pool().threads() == 1) {
            return false;
        }
        long visible = (long) n * pos + (long) n * (n + 1) / 2;
        long work = 2 * visible * g.queryHeads() * d;
        boolean dense = allDense || pos + n <= cfg.denseBelow() || (n == 1 && cfg.prefillOnly());
        return (dense ? work : work / 2) >= PARALLEL_MIN_WORK;
    }

    /** The work counters of {@code states}, summed. */
    static AttentionStats sum(WorkerState[] states) {
        AttentionStats s = AttentionStats.NONE;
        for (WorkerState w : states) {
            s = s.plus(new AttentionStats(w.visible, w.kept, w.estimateNanos, w.selectNanos, w.attendNanos));
        }
        return s;
    }

    private void runTask(LayerCache lc, int layer, int pos, int n, boolean decode, int kv, int a, int rowsPerTask,
                         float[] q, int qOff, float[] out, int outOff, WorkerState w, SelectionListener listener) {
        int stride = scoreStage(lc, layer, pos, n, decode, kv, a, rowsPerTask, q, qOff, w);
        cpuStage(lc, layer, pos, n, decode, kv, a, rowsPerTask, out, outOff, stride, w, listener);
    }

    /**
     * First half of a task (the pipeline's scorer stage): gathers and quantizes the queries and, for per-row units
     * with key scores, scores every visible key into {@code w.keyScores}. Returns their row stride, or -1.
     */
    int scoreStage(LayerCache lc, int layer, int pos, int n, boolean decode, int kv, int a, int rowsPerTask,
                   float[] q, int qOff, WorkerState w) {
        int b = Math.min(n, a + rowsPerTask);
        int rows = b - a;
        int m = groupSize * rows;
        long t0 = System.nanoTime();
        w.ensureQueries(m, d, groupSize);
        gatherQueries(layer, pos, a, rows, kv, q, qOff, w);
        int firstPos = pos + a;
        int lastPos = pos + b - 1;
        w.ensureKeys(KeyLayout.groupsFor(lastPos + 1) * GROUP, 1);
        boolean anySparse = false;
        for (int hh = 0; hh < groupSize; hh++) {
            anySparse |= !denseFor(layer, kv * groupSize + hh, kv * groupSize + hh + 1, lastPos + 1, decode);
        }
        HeadCache hc = lc.head(kv);
        w.bias = null;
        if (anySparse && plan.needsInt8()) {
            quantizeQueries(layer, kv, rows, m, w);
            meanBias(hc, m, w);
        }
        int stride = -1;
        if (perRowUnits()) {
            boolean keyScores = anySparse
                    && (cfg.estimator() == Estimator.INT8 || cfg.estimator() == Estimator.EXACT);
            if (keyScores) {
                stride = KeyLayout.groupsFor(lastPos + 1) * GROUP;
                w.ensureKeys(stride, m);
                if (cfg.estimator() == Estimator.INT8) {
                    Arrays.fill(w.kvOf, 0, groupSize, kv);
                    plan.device().score(new ScoreRequest(lc, w.kvOf, groupSize, rows, w.q8, 0, w.qScale, w.bias, 0,
                            firstPos, lastPos + 1), w.keyScores, 0, stride);
                } else {
                    kernels.scoreExact(w.qRaw, 0, m, hc.keys(), d, 0, KeyLayout.groupsFor(lastPos + 1),
                            w.keyScores, 0, stride);
                }
            }
        }
        w.estimateNanos += System.nanoTime() - t0;
        return stride;
    }

    /**
     * Second half of a task (the pipeline's CPU stage): selects and attends for every unit of the task and writes
     * its output rows. {@code stride} is what {@link #scoreStage} returned for the same task and worker state.
     */
    void cpuStage(LayerCache lc, int layer, int pos, int n, boolean decode, int kv, int a, int rowsPerTask,
                  float[] out, int outOff, int stride, WorkerState w, SelectionListener listener) {
        int b = Math.min(n, a + rowsPerTask);
        int rows = b - a;
        int m = groupSize * rows;
        int firstPos = pos + a;
        int lastPos = pos + b - 1;
        HeadCache hc = lc.head(kv);
        if (perRowUnits() && cfg.block() == 1) {
            singleKeys(lc, hc, layer, kv, rows, decode, stride, w, listener);
        } else if (perRowUnits()) {
            for (int r = 0; r < rows; r++) {
                rowUnits(lc, hc, layer, kv, r, rows, decode, stride, w, listener);
            }
        } else if (cfg.sharing() == Sharing.KV) {
            unit(lc, hc, layer, kv, 0, groupSize, 0, m, rows, firstPos, lastPos, decode, w, listener);
        } else {
            for (int hh = 0; hh < groupSize; hh++) {
                unit(lc, hc, layer, kv, hh, 1, hh * rows, rows, rows, firstPos, lastPos, decode, w, listener);
            }
        }
        scatterOutput(a, rows, kv, out, outOff, w);
    }

    /** Copies the task's queries into {@code [head][row][headDim]}, checking they are finite. */
    private void gatherQueries(int layer, int pos, int a, int rows, int kv, float[] q, int qOff, WorkerState w) {
        int qDim = g.queryDim();
        for (int hh = 0; hh < groupSize; hh++) {
            int h = kv * groupSize + hh;
            for (int r = 0; r < rows; r++) {
                int src = qOff + (a + r) * qDim + h * d;
                int i = hh * rows + r;
                float max = kernels.maxAbs(q, src, d);
                if (!Float.isFinite(max)) {
                    throw new IllegalArgumentException("shadowattn: Q has a non-finite value at layer " + layer
                            + ", position " + (pos + a + r) + ", query head " + h);
                }
                System.arraycopy(q, src, w.qRaw, i * d, d);
                for (int c = 0; c < d; c++) {
                    w.qAtt[i * d + c] = w.qRaw[i * d + c] * attScale;
                }
                w.pos[i] = pos + a + r;
            }
        }
    }

    /** Quantizes each head's rows with one scale per head (static, or from this chunk's data). */
    private void quantizeQueries(int layer, int kv, int rows, int m, WorkerState w) {
        for (int hh = 0; hh < groupSize; hh++) {
            float scale;
            if (plan.scales() == ScaleMode.STATIC) {
                scale = plan.qScale()[layer][kv * groupSize + hh];
            } else {
                float max = 0f;
                for (int r = 0; r < rows; r++) {
                    max = Math.max(max, kernels.maxAbs(w.qRaw, (hh * rows + r) * d, d));
                }
                scale = max > 0f ? max / 127f : 1f;
            }
            float inv = 1f / scale;
            for (int i = hh * rows * d, end = (hh + 1) * rows * d; i < end; i++) {
                w.q8[i] = HeadCache.quantize(w.qRaw[i], inv);
            }
            for (int r = 0; r < rows; r++) {
                w.qScale[hh * rows + r] = scale;
            }
        }
    }

    /** With a mean-subtracted shadow K, {@code q·mean} per query, so INT8 scores stay estimates of q·k. */
    private void meanBias(HeadCache hc, int m, WorkerState w) {
        float[] mean = hc.mean();
        if (mean == null) {
            return;
        }
        for (int i = 0; i < m; i++) {
            float s = 0f;
            for (int c = 0; c < d; c++) {
                s += w.qRaw[i * d + c] * mean[c];
            }
            w.qBias[i] = s;
        }
        w.bias = w.qBias;
    }

    private boolean denseFor(int layer, int h0, int h1, int visible, boolean decode) {
        return unitRatio(layer, h0, h1) >= 1.0 || visible <= cfg.denseBelow() || (decode && cfg.prefillOnly());
    }

    private double unitRatio(int layer, int h0, int h1) {
        double r = 0;
        for (int h = h0; h < h1; h++) {
            r = Math.max(r, plan.ratios()[layer][h]);
        }
        return r;
    }

    /**
     * Selects and attends for one shared unit: heads {@code [kv*G+hh0, +heads)}, queries {@code [q0, q0+qn)} of the
     * worker buffers ({@code rows} per head), rows at positions {@code [p0, pl]}.
     */
    private void unit(LayerCache lc, HeadCache hc, int layer, int kv, int hh0, int heads, int q0, int qn, int rows,
                      int p0, int pl, boolean decode, WorkerState w, SelectionListener listener) {
        long t0 = System.nanoTime();
        int count = select(lc, hc, layer, kv, hh0, heads, q0, qn, rows, p0, pl, decode, -1, w);
        int[] masks = cfg.block() == 1 && count >= 0 ? w.masks : null;
        count = Math.abs(count);
        long t1 = System.nanoTime();
        w.selectNanos += t1 - t0;
        kernels.attend(w.qAtt, q0 * d, qn, w.pos, q0, hc.keys(), hc.values(), d, w.groups, masks, 0, count, w.out,
                q0 * d, w.attend);
        w.attendNanos += System.nanoTime() - t1;
        account(layer, kv, w.pos, q0, qn, rows, hh0, count, masks, 0, w, listener);
    }

    /**
     * The paper's shape over single keys, for the {@code rows} rows of a task: each query head of each row selects
     * its keys into a bit set ({@code w.bits}, {@code [row][head][word]}). Then either each row's G heads attend in
     * one call over rows of the row-major K copy ({@link HeadCache#keyRows}), reading each key any of them selected
     * once, or, when the selections are too dense for that ({@code gather}), all queries of the task attend in one
     * call over the 16-key groups any of them touches, with a lane mask per query (so K and V are read once for
     * the whole task, as dense attention does).
     *
     * @param stride row stride of the batch's key scores in {@code w.keyScores}, or -1 when there are none
     */
    private void singleKeys(LayerCache lc, HeadCache hc, int layer, int kv, int rows, boolean decode, int stride,
                            WorkerState w, SelectionListener listener) {
        long t0 = System.nanoTime();
        int lastPos = w.pos[rows - 1];
        int words = (lastPos + 64) >>> 6;
        w.ensureBits(rows * groupSize * words);
        long[] bits = w.bits;
        for (int r = 0; r < rows; r++) {
            int p = w.pos[r];
            for (int hh = 0; hh < groupSize; hh++) {
                int i = hh * rows + r;
                int off = (r * groupSize + hh) * words;
                selectKeyBits(lc, hc, layer, kv, hh, i, p, decode, stride < 0 ? -1 : i * stride, off, w);
                Arrays.fill(bits, off + ((p + 64) >>> 6), off + words, 0L);
            }
        }
        boolean asRows = hc.hasKeyRows() && groupSize <= MAX_KEY_HEADS
                && (cfg.gather().equals("rows") || sparseUnion(bits, words, rows, w));
        int m = groupSize * rows;
        int count = asRows ? 0 : groupsFromBits(bits, words, rows, KeyLayout.groupsFor(lastPos + 1), w);
        long t1 = System.nanoTime();
        w.selectNanos += t1 - t0;
        if (asRows) {
            for (int r = 0; r < rows; r++) {
                for (int hh = 0; hh < groupSize; hh++) {
                    w.rowQ(hh, r, rows, d);
                }
                kernels.attendKeys(w.rowQ, 0, groupSize, bits, r * groupSize * words, words, hc.keyRows(),
                        hc.values(), d, w.rowOut, 0, w.attend);
                for (int hh = 0; hh < groupSize; hh++) {
                    System.arraycopy(w.rowOut, hh * d, w.out, (hh * rows + r) * d, d);
                }
            }
        } else {
            kernels.attend(w.qAtt, 0, m, w.pos, 0, hc.keys(), hc.values(), d, w.groups, w.unionMasks, count, count,
                    w.out, 0, w.attend);
        }
        w.attendNanos += System.nanoTime() - t1;
        for (int r = 0; r < rows; r++) {
            int p = w.pos[r];
            for (int hh = 0; hh < groupSize; hh++) {
                int off = (r * groupSize + hh) * words;
                w.visible += p + 1;
                int kept = 0;
                int nk = 0;
                for (int wd = 0; wd < words; wd++) {
                    long b = bits[off + wd];
                    kept += Long.bitCount(b);
                    if (listener != null) {
                        while (b != 0L) {
                            w.keys[nk++] = wd << 6 | Long.numberOfTrailingZeros(b);
                            b &= b - 1;
                        }
                    }
                }
                w.kept += kept;
                if (listener != null) {
                    listener.selected(layer, kv * groupSize + hh, p, w.keys, nk);
                }
            }
        }
    }

    /** Whether the union of each row's heads' keys, over the task, is under {@code ROWS_BELOW} of the visible keys. */
    private boolean sparseUnion(long[] bits, int words, int rows, WorkerState w) {
        long union = 0;
        long visible = 0;
        for (int r = 0; r < rows; r++) {
            for (int wd = 0; wd < words; wd++) {
                long any = 0L;
                for (int hh = 0; hh < groupSize; hh++) {
                    any |= bits[(r * groupSize + hh) * words + wd];
                }
                union += Long.bitCount(any);
            }
            visible += w.pos[r] + 1;
        }
        return union < ShadowAttnConfig.ROWS_BELOW * visible;
    }

    /**
     * The 16-key groups touched by any query's bit set (ascending, into {@code w.groups}) and each query's lane
     * masks over them ({@code w.unionMasks[i * count + t]} for query {@code i = head * rows + row}, whose bit set is
     * at {@code bits[(row * G + head) * words]}); returns their count.
     */
    private int groupsFromBits(long[] bits, int words, int rows, int groups, WorkerState w) {
        int m = groupSize * rows;
        w.ensureUnionMasks(m * groups);
        int count = 0;
        for (int wd = 0; wd < words; wd++) {
            long any = 0L;
            for (int o = wd, end = m * words; o < end; o += words) {
                any |= bits[o];
            }
            // A word holds four groups of 16 keys.
            for (int grp = wd << 2, stop = Math.min(groups, grp + 4); grp < stop; grp++) {
                if ((int) (any >>> ((grp & 3) * GROUP) & 0xFFFF) != 0) {
                    w.groups[count++] = grp;
                }
            }
        }
        for (int r = 0; r < rows; r++) {
            for (int hh = 0; hh < groupSize; hh++) {
                int off = (r * groupSize + hh) * words;
                int mo = (hh * rows + r) * count;
                for (int t = 0; t < count; t++) {
                    int grp = w.groups[t];
                    w.unionMasks[mo + t] = (int) (bits[off + (grp >>> 2)] >>> ((grp & 3) * GROUP)) & 0xFFFF;
                }
            }
        }
        return count;
    }

    /**
     * Selection of query {@code i} (head {@code hh} of the KV head, one row at position {@code p}) over single keys,
     * into the bit set at {@code w.bits[bitsOff]}.
     */
    private void selectKeyBits(LayerCache lc, HeadCache hc, int layer, int kv, int hh, int i, int p, boolean decode,
                               int keyRow, int bitsOff, WorkerState w) {
        int h = kv * groupSize + hh;
        int visible = p + 1;
        Selection sel = w.selection.set(1, p, p, plan.ratios()[layer][h], cfg.sink(), cfg.window());
        if (denseFor(layer, h, h + 1, visible, decode) || sel.picks() >= sel.candidates()) {
            setFirst(w.bits, bitsOff, visible);
        } else if (sel.picks() > 0 && keyRow >= 0 && cfg.sink() == 0 && cfg.window() == 0) {
            // The scorer's row as it is: nothing to force in.
            kernels.selectBits(w.keyScores, keyRow, sel.candidates(), sel.picks(), w.bits, bitsOff, w.select);
        } else if (sel.picks() > 0) {
            long t0 = System.nanoTime();
            estimate(lc, hc, kv, 1, i, 1, 1, p, sel, keyRow, w);
            long t1 = System.nanoTime();
            w.estimateNanos += t1 - t0;
            w.selectNanos -= t1 - t0;
            sel.force(w.elemScores);
            kernels.selectBits(w.elemScores, 0, sel.candidates(), sel.picks(), w.bits, bitsOff, w.select);
        } else {
            Arrays.fill(w.bits, bitsOff, bitsOff + ((visible + 63) >>> 6), 0L);
        }
    }

    /** Sets bits {@code [0, n)} of the bit set at {@code bits[off]} and clears the rest of its last word. */
    private static void setFirst(long[] bits, int off, int n) {
        int full = n >>> 6;
        Arrays.fill(bits, off, off + full, -1L);
        if ((n & 63) != 0) {
            bits[off + full] = (1L << n) - 1;
        }
    }

    /**
     * Per-row units over blocks of keys ({@code share=head tile=1 block>1}; single keys go to {@link #singleKeys}):
     * each query head of row {@code r} selects blocks on its own, then the G heads attend in one call over the union
     * of their key groups, each with its own lane masks, so K and V are read once for all of them.
     *
     * @param stride row stride of the batch's key scores in {@code w.keyScores}, or -1 when there are none
     */
    private void rowUnits(LayerCache lc, HeadCache hc, int layer, int kv, int r, int rows, boolean decode,
                          int stride, WorkerState w, SelectionListener listener) {
        long t0 = System.nanoTime();
        int p = w.pos[r];
        int visibleGroups = KeyLayout.groupsFor(p + 1);
        w.ensureHeadMasks(groupSize, visibleGroups);
        int[] hm = w.headMasks;
        for (int hh = 0; hh < groupSize; hh++) {
            int i = hh * rows + r;
            // Blocks of keys: whole groups (the kernel masks the causal part).
            int count = -select(lc, hc, layer, kv, hh, 1, i, 1, 1, p, p, decode, stride < 0 ? -1 : i * stride, w);
            for (int t = 0; t < count; t++) {
                hm[hh * visibleGroups + w.groups[t]] = 0xFFFF;
            }
        }
        // Union of the heads' groups, ascending, with a mask row per head.
        int count = 0;
        for (int grp = 0; grp < visibleGroups; grp++) {
            int any = 0;
            for (int hh = 0; hh < groupSize; hh++) {
                any |= hm[hh * visibleGroups + grp];
            }
            if (any != 0) {
                w.groups[count++] = grp;
            }
        }
        w.ensureUnionMasks(groupSize * count);
        for (int hh = 0; hh < groupSize; hh++) {
            for (int t = 0; t < count; t++) {
                int o = hh * visibleGroups + w.groups[t];
                w.unionMasks[hh * count + t] = hm[o];
                hm[o] = 0;
            }
            w.rowQ(hh, r, rows, d);
            w.rowPos[hh] = p;
        }
        long t1 = System.nanoTime();
        w.selectNanos += t1 - t0;
        kernels.attend(w.rowQ, 0, groupSize, w.rowPos, 0, hc.keys(), hc.values(), d, w.groups, w.unionMasks, count,
                count, w.rowOut, 0, w.attend);
        w.attendNanos += System.nanoTime() - t1;
        for (int hh = 0; hh < groupSize; hh++) {
            System.arraycopy(w.rowOut, hh * d, w.out, (hh * rows + r) * d, d);
        }
        account(layer, kv, w.rowPos, 0, groupSize, 1, 0, count, w.unionMasks, count, w, listener);
    }

    /**
     * Selection of one unit into {@code w.groups} (and {@code w.masks} for single keys). Returns the number of
     * groups, negated when every lane of them is kept (dense, or whole blocks: no masks).
     *
     * @param keyRow offset in {@code w.keyScores} of this single-query unit's key scores, or -1
     */
    private int select(LayerCache lc, HeadCache hc, int layer, int kv, int hh0, int heads, int q0, int qn, int rows,
                       int p0, int pl, boolean decode, int keyRow, WorkerState w) {
        int h0 = kv * groupSize + hh0;
        int visible = pl + 1;
        if (denseFor(layer, h0, h0 + heads, visible, decode)) {
            int count = KeyLayout.groupsFor(visible);
            System.arraycopy(w.iota, 0, w.groups, 0, count);
            return -count;
        }
        Selection sel = w.selection.set(cfg.block(), p0, pl, unitRatio(layer, h0, h0 + heads), cfg.sink(),
                cfg.window());
        int chosen = 0;
        if (sel.picks() >= sel.candidates()) {
            for (int e = 0; e < sel.candidates(); e++) {
                w.selected[e] = e;
            }
            chosen = sel.candidates();
        } else if (sel.picks() > 0) {
            long t0 = System.nanoTime();
            estimate(lc, hc, kv, heads, q0, qn, rows, p0, sel, keyRow, w);
            long t1 = System.nanoTime();
            w.estimateNanos += t1 - t0;
            w.selectNanos -= t1 - t0;
            sel.force(w.elemScores);
            chosen = kernels.selectTopK(w.elemScores, sel.candidates(), sel.picks(), w.selected, w.select);
        }
        if (cfg.block() == 1) {
            return sel.keyGroups(w.selected, chosen, w.groups, w.masks);
        }
        return -sel.blockGroups(w.selected, chosen, w.groups);
    }

    /** Fills {@code w.elemScores[0, candidates)} with the estimator's element scores. */
    private void estimate(LayerCache lc, HeadCache hc, int kv, int heads, int q0, int qn, int rows, int p0,
                          Selection sel, int keyRow, WorkerState w) {
        int nc = sel.candidates();
        int block = cfg.block();
        switch (cfg.estimator()) {
            case BLOCKS -> bounds(hc, q0, heads, rows, nc, w);
            case BLOCKS_INT8 -> refineBlocks(lc, hc, kv, heads, q0, qn, rows, p0, sel, w);
            case INT8, EXACT -> {
                int keys = block == 1 ? nc : nc * block;
                int off = Math.max(keyRow, 0);
                if (keyRow < 0) {
                    w.ensureKeys(KeyLayout.groupsFor(keys) * GROUP, 1);
                    int subRows = subsample(q0, heads, rows, cfg.estimateStride(), w);
                    if (cfg.estimator() == Estimator.INT8) {
                        Arrays.fill(w.kvOf, 0, heads, kv);
                        plan.device().scoreMax(new ScoreRequest(lc, w.kvOf, heads, subRows, w.subQ8, 0, w.subScale,
                                w.bias == null ? null : w.subBias, 0, p0, keys), w.keyScores, 0);
                    } else {
                        kernels.scoreExactMax(w.subRaw, 0, heads * subRows, hc.keys(), d, 0,
                                KeyLayout.groupsFor(keys), w.keyScores, 0);
                    }
                }
                if (block == 1) {
                    System.arraycopy(w.keyScores, off, w.elemScores, 0, nc);
                } else {
                    blockMax(w.keyScores, off, nc, block, w.elemScores);
                }
            }
        }
    }

    /**
     * The two-stage estimator: block bounds shortlist {@code shortlist} times the budget, then INT8 scores of their
     * keys (best key per block) rank them; blocks not shortlisted score below every shortlisted one.
     */
    private void refineBlocks(LayerCache lc, HeadCache hc, int kv, int heads, int q0, int qn, int rows, int p0,
                              Selection sel, WorkerState w) {
        int nc = sel.candidates();
        int block = cfg.block();
        bounds(hc, q0, heads, rows, nc, w);
        sel.force(w.elemScores);
        int wanted = (int) Math.min(nc, Math.ceil(cfg.shortlist() * sel.picks()));
        int shortlist = kernels.selectTopK(w.elemScores, nc, wanted, w.candidates, w.select);
        Arrays.fill(w.elemScores, 0, nc, Float.NEGATIVE_INFINITY);
        float[] tmp = w.keyScores;
        int gpb = block / GROUP;
        int subRows = subsample(q0, heads, rows, cfg.estimateStride(), w);
        float[] bias = w.bias == null ? null : w.subBias;
        long blockBytes = KeyLayout.key8Offset(gpb, 0, d);
        for (int i = 0; i < shortlist; i++) {
            int e = w.candidates[i];
            if (i % TOUCH_BLOCKS == 0) {
                // Bring the next few shortlisted blocks (scattered 4-8 KB reads) into cache together.
                w.sink += kernels.touchBlocks(hc.keys8(), w.candidates, i, Math.min(shortlist, i + TOUCH_BLOCKS),
                        blockBytes);
            }
            // The shortlisted block's keys lie before the unit's first row: every query sees them.
            kernels.scoreInt8Max(w.subQ8, 0, heads * subRows, w.subScale, bias, 0, hc.keys8(), hc.scales(), d,
                    e * gpb, (e + 1) * gpb, tmp, 0);
            w.elemScores[e] = kernels.max(tmp, 0, block);
        }
    }

    /**
     * Copies the queries that estimate a shared unit ({@code heads} x {@code rows} from {@code q0}) into the
     * {@code sub*} buffers: every {@code stride}-th row counted back from the last, which is always in. Returns the
     * rows per head kept.
     */
    private int subsample(int q0, int heads, int rows, int stride, WorkerState w) {
        stride = Math.min(stride, rows);
        int sub = (rows + stride - 1) / stride;
        w.ensureSub(heads * sub, d);
        for (int hh = 0; hh < heads; hh++) {
            for (int j = 0; j < sub; j++) {
                int src = q0 + hh * rows + (rows - 1 - (sub - 1 - j) * stride);
                int dst = hh * sub + j;
                System.arraycopy(w.q8, src * d, w.subQ8, dst * d, d);
                System.arraycopy(w.qRaw, src * d, w.subRaw, dst * d, d);
                w.subScale[dst] = w.qScale[src];
                w.subBias[dst] = w.bias == null ? 0f : w.bias[src];
            }
        }
        return sub;
    }

    /**
     * Upper bounds of q·k for elements {@code [0, nc)} into {@code w.elemScores}: the best bound of each element's
     * summary blocks (finer summaries give tighter bounds).
     */
    private void bounds(HeadCache hc, int q0, int heads, int rows, int nc, WorkerState w) {
        float[] q = w.qRaw;
        int qOff = q0 * d;
        int qn = heads * rows;
        if (cfg.boundStride() > 1 && rows > 1) {
            qn = heads * subsample(q0, heads, rows, cfg.boundStride(), w);
            q = w.subRaw;
            qOff = 0;
        }
        int per = cfg.block() / cfg.summary();
        if (per == 1) {
            kernels.blockBounds(q, qOff, qn, hc.summaries(), d, 0, nc, w.elemScores, 0);
            return;
        }
        w.ensureKeys(nc * per, 1);
        kernels.blockBounds(q, qOff, qn, hc.summaries(), d, 0, nc * per, w.keyScores, 0);
        blockMax(w.keyScores, 0, nc, per, w.elemScores);
    }

    private void blockMax(float[] src, int off, int blocks, int block, float[] out) {
        for (int e = 0; e < blocks; e++) {
            out[e] = kernels.max(src, off + e * block, block);
        }
    }

    /**
     * Counts visible and kept keys of {@code qn} queries at positions {@code pos[q0, q0+qn)} (query {@code i} is
     * head {@code hh0 + (i - q0) / rows} of the KV head), and reports their selections when asked to.
     */
    private void account(int layer, int kv, int[] pos, int q0, int qn, int rows, int hh0, int count, int[] masks,
                         int maskStride, WorkerState w, SelectionListener listener) {
        for (int i = q0; i < q0 + qn; i++) {
            int p = pos[i];
            int mo = (i - q0) * maskStride;
            w.visible += p + 1;
            int kept = 0;
            int nk = 0;
            if (masks == null && listener == null) {
                // Whole groups: all lanes of the groups before p's group, plus the causal part of the rest.
                for (int t = count - 1; t >= 0; t--) {
                    int grp = w.groups[t];
                    if (grp * GROUP + GROUP - 1 <= p) {
                        kept += (t + 1) * GROUP;
                        break;
                    }
                    kept += Integer.bitCount(causal(p, grp));
                }
            } else {
                for (int t = 0; t < count; t++) {
                    int grp = w.groups[t];
                    int bits = (masks == null ? 0xFFFF : masks[mo + t]) & causal(p, grp);
                    kept += Integer.bitCount(bits);
                    if (listener != null) {
                        while (bits != 0) {
                            w.keys[nk++] = grp * GROUP + Integer.numberOfTrailingZeros(bits);
                            bits &= bits - 1;
                        }
                    }
                }
            }
            w.kept += kept;
            if (listener != null) {
                listener.selected(layer, kv * groupSize + hh0 + (i - q0) / rows, p, w.keys, nk);
            }
        }
    }

    /** Lanes of group {@code grp} visible from position {@code p}. */
    static int causal(int p, int grp) {
        int last = p - grp * GROUP;
        return last >= GROUP - 1 ? 0xFFFF : last < 0 ? 0 : (1 << (last + 1)) - 1;
    }

    private void scatterOutput(int a, int rows, int kv, float[] out, int outOff, WorkerState w) {
        int qDim = g.queryDim();
        for (int hh = 0; hh < groupSize; hh++) {
            int h = kv * groupSize + hh;
            for (int r = 0; r < rows; r++) {
                System.arraycopy(w.out, (hh * rows + r) * d, out, outOff + (a + r) * qDim + h * d, d);
            }
        }
    }
}
