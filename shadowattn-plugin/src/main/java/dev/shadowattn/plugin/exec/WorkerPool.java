package dev.shadowattn.plugin.exec;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * The backend's worker threads: {@link #run} spreads independent tasks over the calling thread and up to
 * {@code threads - 1} pool threads, each identified by a worker index (for per-worker scratch). Tasks are claimed
 * from a counter, and the caller waits for unfinished tasks only, never for a helper to be scheduled: on a busy
 * machine the caller simply does the work itself. Several sessions may call {@link #run} at once.
 */
public final class WorkerPool implements AutoCloseable {

    /** One task; {@code worker} is in {@code [0, threads)} and unique among the tasks running at once in a call. */
    @FunctionalInterface
    public interface Task {
        void run(int task, int worker);
    }

    private final int threads;
    private final ExecutorService pool;

    public WorkerPool(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be at least 1, got " + threads);
        }
        this.threads = threads;
        this.pool = threads == 1 ? null : Executors.newFixedThreadPool(threads - 1, r -> {
            Thread t = new Thread(r, "shadowattn-worker");
            t.setDaemon(true);
            return t;
        });
    }

    public int threads() {
        return threads;
    }

    /** Runs tasks {@code [0, tasks)} and returns when all are done; the first failure is rethrown. */
    public void run(int tasks, Task body) {
        int helpers = pool == null ? 0 : Math.min(threads, tasks) - 1;
        if (helpers <= 0) {
            for (int t = 0; t < tasks; t++) {
                body.run(t, 0);
            }
            return;
        }
        Job job = new Job(tasks, body, Thread.currentThread());
        for (int w = 1; w <= helpers; w++) {
            int worker = w;
            try {
                pool.execute(() -> job.work(worker));
            } catch (RejectedExecutionException closed) {
                break;
            }
        }
        job.work(0);
        job.await();
        Throwable failure = job.failure.get();
        if (failure instanceof RuntimeException e) {
            throw e;
        }
        if (failure instanceof Error e) {
            throw e;
        }
    }

    /** One {@link #run} call: a task counter, the tasks not finished yet, the first failure. */
    private static final class Job {
        private final int tasks;
        private final Task body;
        private final Thread caller;
        private final AtomicInteger next = new AtomicInteger();
        private final AtomicInteger pending;
        private final AtomicReference<Throwable> failure = new AtomicReference<>();

        Job(int tasks, Task body, Thread caller) {
            this.tasks = tasks;
            this.body = body;
            this.caller = caller;
            this.pending = new AtomicInteger(tasks);
        }

        void work(int worker) {
            for (int t; (t = next.getAndIncrement()) < tasks; ) {
                try {
                    if (failure.get() == null) {
                        body.run(t, worker);
                    }
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                } finally {
                    if (pending.decrementAndGet() == 0 && Thread.currentThread() != caller) {
                        LockSupport.unpark(caller);
                    }
                }
            }
        }

        void await() {
            for (int spin = 0; pending.get() > 0; spin++) {
                if (spin < 2000) {
                    Thread.onSpinWait();
                } else {
                    LockSupport.parkNanos(this, 100_000);
                }
            }
        }
    }

    @Override
    public void close() {
        if (pool != null) {
            pool.shutdown();
        }
    }
}
