package dev.shadowattn.plugin.exec;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The backend's worker threads: {@link #run} spreads independent tasks over the calling thread and up to
 * {@code threads - 1} pool threads, each identified by a worker index (for per-worker scratch). Several sessions
 * may call {@link #run} at once; each call uses its own task counter.
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
        int helpers = Math.min(threads, tasks) - 1;
        if (helpers <= 0) {
            for (int t = 0; t < tasks; t++) {
                body.run(t, 0);
            }
            return;
        }
        AtomicInteger next = new AtomicInteger();
        List<Future<?>> futures = new ArrayList<>(helpers);
        for (int w = 1; w <= helpers; w++) {
            int worker = w;
            futures.add(pool.submit(() -> drain(next, tasks, body, worker)));
        }
        RuntimeException failure = null;
        try {
            drain(next, tasks, body, 0);
        } catch (RuntimeException | Error e) {
            next.set(tasks);
            failure = e instanceof RuntimeException re ? re : new IllegalStateException(e);
        }
        for (Future<?> f : futures) {
            try {
                f.get();
            } catch (ExecutionException e) {
                if (failure == null) {
                    failure = e.getCause() instanceof RuntimeException re ? re
                            : new IllegalStateException("shadowattn worker failed: " + e.getCause(), e.getCause());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for shadowattn workers", e);
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    private static void drain(AtomicInteger next, int tasks, Task body, int worker) {
        for (int t; (t = next.getAndIncrement()) < tasks; ) {
            body.run(t, worker);
        }
    }

    @Override
    public void close() {
        if (pool != null) {
            pool.shutdownNow();
        }
    }
}
