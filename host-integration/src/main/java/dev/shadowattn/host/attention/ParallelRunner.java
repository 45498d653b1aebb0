package dev.shadowattn.host.attention;

import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntConsumer;

/**
 * Runs task indices {@code 0..n} on a small pool of helper threads owned by one backend, the calling thread taking
 * part. Tasks are claimed from a shared counter, so the caller finishes the job alone when the helpers are busy
 * (several sessions at once) and no call can deadlock waiting for a pool thread.
 */
final class ParallelRunner implements AutoCloseable {

    private final ThreadPoolExecutor pool;
    private final int helpers;

    /** @param threads threads that may work at once, the caller included */
    ParallelRunner(int threads, String name) {
        this.helpers = threads - 1;
        if (helpers <= 0) {
            pool = null;
            return;
        }
        AtomicInteger count = new AtomicInteger();
        pool = new ThreadPoolExecutor(helpers, helpers, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
            Thread t = new Thread(r, name + "-" + count.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        pool.allowCoreThreadTimeOut(true);
    }

    /** Runs {@code body} for every index in {@code [0, tasks)}; rethrows the first failure. */
    void forEach(int tasks, IntConsumer body) {
        if (pool == null || tasks <= 1) {
            for (int i = 0; i < tasks; i++) {
                body.accept(i);
            }
            return;
        }
        Job job = new Job(tasks, body, Thread.currentThread());
        int wanted = Math.min(helpers, tasks - 1);
        for (int i = 0; i < wanted; i++) {
            try {
                pool.execute(job);
            } catch (RejectedExecutionException closed) {
                break; // backend closing: the caller does the rest
            }
        }
        job.run();
        job.await();
        Throwable failure = job.failure.get();
        if (failure instanceof RuntimeException e) {
            throw e;
        }
        if (failure instanceof Error e) {
            throw e;
        }
        if (failure != null) {
            throw new IllegalStateException(failure);
        }
    }

    @Override
    public void close() {
        if (pool != null) {
            pool.shutdown();
        }
    }

    private static final class Job implements Runnable {
        private final int tasks;
        private final IntConsumer body;
        private final Thread caller;
        private final AtomicInteger next = new AtomicInteger();
        private final AtomicInteger pending;
        private final AtomicReference<Throwable> failure = new AtomicReference<>();

        Job(int tasks, IntConsumer body, Thread caller) {
            this.tasks = tasks;
            this.body = body;
            this.caller = caller;
            this.pending = new AtomicInteger(tasks);
        }

        @Override
        public void run() {
            int i;
            while ((i = next.getAndIncrement()) < tasks) {
                try {
                    if (failure.get() == null) {
                        body.accept(i);
                    }
                } catch (Throwable t) {
                    failure.compareAndSet(null, t);
                } finally {
                    if (pending.decrementAndGet() == 0 && Thread.currentThread() != caller) {
                        LockSupport.unpark(caller);
                    }
                }
            }
        }

        void await() {
            for (int spin = 0; pending.get() != 0 && spin < 2_000; spin++) {
                Thread.onSpinWait();
            }
            while (pending.get() != 0) {
                LockSupport.park(this);
            }
        }
    }
}
