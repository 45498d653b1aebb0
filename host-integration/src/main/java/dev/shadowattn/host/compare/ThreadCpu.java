package dev.shadowattn.host.compare;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.HashMap;
import java.util.Map;

/**
 * A snapshot of the CPU time of this JVM's live Java threads (the engine's workers and any backend's pool; not the
 * JIT or GC threads), to the nanosecond where the platform allows. The difference of two snapshots is the CPU time
 * those threads used in between; a thread that ended in between loses its share (pools keep theirs alive while in
 * use).
 */
final class ThreadCpu {

    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private final Map<Long, Long> nanos;

    private ThreadCpu(Map<Long, Long> nanos) {
        this.nanos = nanos;
    }

    /** Whether this JVM measures thread CPU time (HotSpot does by default). */
    static boolean supported() {
        return THREADS.isThreadCpuTimeSupported() && THREADS.isThreadCpuTimeEnabled();
    }

    /** The CPU time of every live thread now; empty when unsupported. */
    static ThreadCpu now() {
        Map<Long, Long> map = new HashMap<>();
        if (supported()) {
            long[] ids = THREADS.getAllThreadIds();
            long[] times = THREADS instanceof com.sun.management.ThreadMXBean bulk
                    ? bulk.getThreadCpuTime(ids) : null;
            for (int i = 0; i < ids.length; i++) {
                long t = times != null ? times[i] : THREADS.getThreadCpuTime(ids[i]);
                if (t >= 0) {
                    map.put(ids[i], t);
                }
            }
        }
        return new ThreadCpu(map);
    }

    /** CPU nanoseconds the threads used since {@code earlier} (threads started since count from zero); -1 if unsupported. */
    long nanosSince(ThreadCpu earlier) {
        if (!supported()) {
            return -1;
        }
        long sum = 0;
        for (var e : nanos.entrySet()) {
            sum += e.getValue() - earlier.nanos.getOrDefault(e.getKey(), 0L);
        }
        return sum;
    }
}
