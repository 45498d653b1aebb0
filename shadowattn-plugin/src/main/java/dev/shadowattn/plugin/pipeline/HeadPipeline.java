package dev.shadowattn.plugin.pipeline;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;

/**
 * The two-stage head pipeline of a backend. The calling thread is the scorer stage (the paper's NPU); the CPU
 * stage (top-k and sparse attention) runs on {@code cpuThreads} threads of its own, taking scored units in plan
 * order. A unit's buffers (a <em>slot</em>) pass from the scorer to a CPU thread and back to a free list, so the
 * scorer runs at most {@code slots - 1} units ahead. Several sessions may run calls at once.
 *
 * <p>It also keeps the {@link StageCosts} profiled by the first call of each {@link CostKey} and the plan made from
 * them, in memory for the backend's life; with a {@link StageCostsFile} the costs are loaded from it at creation and
 * stored in it at {@link #close} when calls profiled new ones.
 */
public final class HeadPipeline implements AutoCloseable {

    /** One stage of one unit, working in {@code slot}. */
    @FunctionalInterface
    public interface Stage<S> {
        void run(int unit, S slot);
    }

    /**
     * What stage costs are profiled for: a layer, the call's row count (1 = decode) and its context bucket
     * ({@code ceil(log2(visible keys))}).
     */
    public record CostKey(int layer, int rows, int contextBucket) {
        public static CostKey of(int layer, int pos, int rows) {
            int visible = pos + rows;
            return new CostKey(layer, rows, 32 - Integer.numberOfLeadingZeros(Math.max(1, visible - 1)));
        }
    }

    /**
     * Totals over the calls since the last {@link #resetTotals}: wall time of the calls (the makespans) and the busy
     * time of each stage; idle (bubble) time is {@code wall - scorerBusy} for the scorer and
     * {@code cpuThreads * wall - cpuBusy} for the CPU stage.
     */
    public record Totals(long calls, long wallNanos, long scorerBusyNanos, long cpuBusyNanos) {
    }

    /** Profiled costs and the plan in use for them. */
    public record Profiled(StageCosts costs, SchedulePlan plan) {
    }

    private final PipelineMode mode;
    private final int cpuThreads;
    private final ExecutorService cpu;
    private final ConcurrentHashMap<CostKey, Profiled> profiles = new ConcurrentHashMap<>();
    private final Map<CostKey, StageCosts> stored;
    private final StageCostsFile costsFile;
    private final LongAdder profilings = new LongAdder();
    private final LongAdder calls = new LongAdder();
    private final LongAdder wall = new LongAdder();
    private final LongAdder scorerBusy = new LongAdder();
    private final LongAdder cpuBusy = new LongAdder();

    public HeadPipeline(PipelineMode mode, int cpuThreads) {
        this(mode, cpuThreads, null);
    }

    /** A pipeline whose stage costs are loaded from and stored in {@code costsFile} (null: memory only). */
    public HeadPipeline(PipelineMode mode, int cpuThreads, StageCostsFile costsFile) {
        if (mode == PipelineMode.OFF) {
            throw new IllegalArgumentException("HeadPipeline: mode off has no pipeline");
        }
        if (cpuThreads < 1) {
            throw new IllegalArgumentException("HeadPipeline: cpuThreads " + cpuThreads + " must be at least 1");
        }
        this.mode = mode;
        this.cpuThreads = cpuThreads;
        this.costsFile = costsFile;
        this.stored = costsFile == null ? Map.of() : costsFile.load();
        this.cpu = Executors.newFixedThreadPool(cpuThreads, r -> {
            Thread t = new Thread(r, "shadowattn-pipeline-cpu");
            t.setDaemon(true);
            return t;
        });
    }

    public PipelineMode mode() {
        return mode;
    }

    public int cpuThreads() {
        return cpuThreads;
    }

    /**
     * Units the scorer may score ahead of the CPU stage beyond one per CPU thread, so a CPU thread finds the next
     * unit ready even when the scorer thread is slow to be scheduled again (a busy machine).
     */
    static final int LOOKAHEAD = 2;

    /** Slots a call needs for {@code plan}: a whole group being scored, one per CPU thread, and the lookahead. */
    public int slotsFor(SchedulePlan plan) {
        return plan.maxGroup() + cpuThreads + LOOKAHEAD;
    }

    /** The plan for {@code key}: the profiled one, else FIFO (the call then profiles; see {@link #record}). */
    public SchedulePlan plan(CostKey key, int units, int[] bucket) {
        Profiled p = profiles.get(key);
        StageCosts loaded = stored.get(key);
        if (p == null && loaded != null && loaded.units() == units && bucket.length == units) {
            p = put(key, loaded, bucket);
        }
        if (p != null && p.plan().order().length == units) {
            return p.plan();
        }
        return Planner.fifo(new StageCosts(new long[units], new long[units], 1.0), bucket, cpuThreads);
    }

    /** Whether {@code key} still needs profiling. */
    public boolean needsProfile(CostKey key) {
        return !profiles.containsKey(key) && !stored.containsKey(key);
    }

    /** Stores the stage costs measured by a FIFO call and the plan of this pipeline's mode made from them. */
    public Profiled record(CostKey key, StageCosts costs, int[] bucket) {
        profilings.increment();
        return put(key, costs, bucket);
    }

    /** Stage costs profiled by calls of this pipeline (not loaded from its {@link StageCostsFile}). */
    public long profilings() {
        return profilings.sum();
    }

    private Profiled put(CostKey key, StageCosts costs, int[] bucket) {
        SchedulePlan plan = mode == PipelineMode.GREEDY ? Planner.greedy(costs, bucket, cpuThreads)
                : Planner.fifo(costs, bucket, cpuThreads);
        Profiled p = new Profiled(costs, plan);
        Profiled prev = profiles.putIfAbsent(key, p);
        return prev != null ? prev : p;
    }

    /** The profile of {@code key}, or null. */
    public Profiled profiled(CostKey key) {
        return profiles.get(key);
    }

    /**
     * Runs every unit of {@code plan} through both stages and returns when all are done; the first failure is
     * rethrown (after every started stage has finished, so the slots are free again).
     *
     * @param scoreNanos receives each unit's scorer stage time
     * @param cpuNanos   receives each unit's CPU stage time
     */
    public <S> void run(SchedulePlan plan, S[] slots, Stage<S> score, Stage<S> cpuStage, long[] scoreNanos,
                        long[] cpuNanos) {
        long start = System.nanoTime();
        int units = plan.order().length;
        if (slots.length < slotsFor(plan)) {
            throw new IllegalArgumentException("HeadPipeline: " + slots.length + " slots, the plan needs "
                    + slotsFor(plan));
        }
        ArrayBlockingQueue<S> free = new ArrayBlockingQueue<>(slots.length);
        for (S s : slots) {
            free.add(s);
        }
        CountDownLatch done = new CountDownLatch(units);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        @SuppressWarnings("unchecked")
        S[] held = (S[]) new Object[plan.maxGroup()];
        int scheduled = 0;
        boolean interrupted = false;
        try {
            for (int g = 0; g < plan.groups() && failure.get() == null; g++) {
                int from = plan.groupStart(g);
                int to = plan.groupEnd()[g];
                for (int i = from; i < to; i++) {
                    S s;
                    while (true) {
                        try {
                            s = free.take();
                            break;
                        } catch (InterruptedException e) {
                            interrupted = true;
                        }
                    }
                    held[i - from] = s;
                    int unit = plan.order()[i];
                    long t0 = System.nanoTime();
                    score.run(unit, s);
                    scoreNanos[unit] = System.nanoTime() - t0;
                }
                for (int i = from; i < to; i++) {
                    int unit = plan.order()[i];
                    S s = held[i - from];
                    held[i - from] = null;
                    cpu.execute(() -> {
                        try {
                            if (failure.get() == null) {
                                long t0 = System.nanoTime();
                                cpuStage.run(unit, s);
                                cpuNanos[unit] = System.nanoTime() - t0;
                            }
                        } catch (Throwable e) {
                            failure.compareAndSet(null, e);
                        } finally {
                            free.add(s);
                            done.countDown();
                        }
                    });
                    scheduled++;
                }
            }
        } catch (Throwable e) {
            failure.compareAndSet(null, e);
        }
        for (int i = scheduled; i < units; i++) {
            done.countDown();
        }
        while (true) {
            try {
                done.await();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        calls.increment();
        wall.add(System.nanoTime() - start);
        for (int u = 0; u < units; u++) {
            scorerBusy.add(scoreNanos[u]);
            cpuBusy.add(cpuNanos[u]);
        }
        Throwable f = failure.get();
        if (f instanceof RuntimeException e) {
            throw e;
        }
        if (f instanceof Error e) {
            throw e;
        }
    }

    public Totals totals() {
        return new Totals(calls.sum(), wall.sum(), scorerBusy.sum(), cpuBusy.sum());
    }

    public void resetTotals() {
        calls.reset();
        wall.reset();
        scorerBusy.reset();
        cpuBusy.reset();
    }

    @Override
    public void close() {
        cpu.shutdown();
        if (costsFile != null && profilings.sum() > 0) {
            Map<CostKey, StageCosts> all = new HashMap<>(stored);
            profiles.forEach((k, p) -> all.put(k, p.costs()));
            costsFile.save(all);
        }
    }
}
