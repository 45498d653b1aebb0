package dev.shadowattn.host.engine;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * A fixed set of threads that run a parallel loop over {@code [0, total)} with little overhead per call, for the
 * many short matmuls of decoding (a ForkJoinPool submission costs tens of microseconds; this costs a few).
 *
 * <p>The calling thread takes part in the work. Work is handed out in grains from an atomic counter so a thread
 * slowed down by a noisy neighbour does not hold the others back. Workers spin briefly for the next task, then park.
 * Not reentrant: one {@link #run} at a time (the engine calls it from one thread).
 */
public final class WorkerPool implements AutoCloseable {

    /** Work over a range of indices. */
    @FunctionalInterface
    public interface RangeTask {
        void run(int from, int to);
    }

    /** How long a waiting thread spins before it parks: long enough to span the gap between two matmuls. */
    private static final long SPIN_NANOS = 20_000;

    private final Thread[] workers;
    private final AtomicInteger generation = new AtomicInteger();
    private final AtomicInteger next = new AtomicInteger();
    private final AtomicInteger active = new AtomicInteger();
    private volatile RangeTask task;
    private volatile int total;
    private volatile int grain;
    private volatile Throwable failure;
    private volatile boolean closed;
    private volatile Thread caller;

    /** @param threads total threads including the caller; 1 means everything runs on the caller */
    public WorkerPool(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        }
        workers = new Thread[threads - 1];
        for (int i = 0; i < workers.length; i++) {
            workers[i] = Thread.ofPlatform().daemon().name("engine-worker-" + (i + 1)).unstarted(this::workerLoop);
            workers[i].start();
        }
    }

    public int threads() {
        return workers.length + 1;
    }

    /**
     * Runs {@code task} over {@code [0, total)} split in grains of at least {@code minGrain} indices, on all threads.
     * Returns when every index is done; rethrows the first failure of any thread.
     */
    public void run(int total, int minGrain, RangeTask task) {
        if (closed) {
            throw new IllegalStateException("worker pool is closed");
        }
        if (total <= 0) {
            return;
        }
        int threads = workers.length + 1;
        int g = Math.max(minGrain, (total + threads * 4 - 1) / (threads * 4));
        if (workers.length == 0 || total <= g) {
            task.run(0, total);
            return;
        }
        this.task = task;
        this.total = total;
        this.grain = g;
        this.failure = null;
        next.set(0);
        active.set(workers.length);
        generation.incrementAndGet();
        for (Thread w : workers) {
            LockSupport.unpark(w);
        }
        try {
            drain();
        } catch (Throwable t) {
            failure = t;
        }
        awaitWorkers();
        this.task = null;
        Throwable f = failure;
        if (f != null) {
            if (f instanceof RuntimeException re) {
                throw re;
            }
            if (f instanceof Error e) {
                throw e;
            }
            throw new IllegalStateException(f);
        }
    }

    /**
     * Waits for the workers of the current run: spins briefly (they usually finish within microseconds of the
     * caller), then parks until the last one unparks it, so a descheduled worker on a busy machine does not cost
     * a core of spinning.
     */
    private void awaitWorkers() {
        long start = System.nanoTime();
        while (active.get() > 0) {
            if (System.nanoTime() - start < SPIN_NANOS) {
                Thread.onSpinWait();
            } else {
                caller = Thread.currentThread();
                if (active.get() > 0) {
                    LockSupport.parkNanos(this, 200_000);
                }
            }
        }
        caller = null;
    }

    private void drain() {
        RangeTask t = task;
        int n = total;
        int g = grain;
        for (int from = next.getAndAdd(g); from < n; from = next.getAndAdd(g)) {
            t.run(from, Math.min(n, from + g));
        }
    }

    private void workerLoop() {
        int seen = 0;
        while (true) {
            long spinStart = System.nanoTime();
            int gen;
            while ((gen = generation.get()) == seen && !closed) {
                if (System.nanoTime() - spinStart < SPIN_NANOS) {
                    Thread.onSpinWait();
                } else {
                    LockSupport.parkNanos(this, 1_000_000);
                }
            }
            if (closed) {
                return;
            }
            seen = gen;
            try {
                drain();
            } catch (Throwable t) {
                failure = t;
                next.set(Integer.MAX_VALUE / 2);
            } finally {
                if (active.decrementAndGet() == 0) {
                    Thread c = caller;
                    if (c != null) {
                        LockSupport.unpark(c);
                    }
                }
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        for (Thread w : workers) {
            LockSupport.unpark(w);
        }
    }
}
