package dev.shadowattn.bench.dense;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * CPU time of the benchmark thread per operation, per measurement iteration. On a machine shared with other busy
 * processes, wall-clock times include the time the thread waited for a core; CPU time does not, so it is the steadier
 * figure for single-threaded runs (it still includes memory stalls, hence contention for bandwidth). With several
 * attention threads it counts only the calling thread, so it is printed for one thread only.
 */
final class CpuClock {

    private static final ThreadMXBean MX = ManagementFactory.getThreadMXBean();

    private final List<Double> microsPerOp = new ArrayList<>();
    private long startNanos;
    private long ops;
    private boolean measured;

    /** @param measured whether this is a measurement (not a warm-up) iteration */
    void startIteration(boolean measured) {
        this.measured = measured;
        ops = 0;
        startNanos = MX.getCurrentThreadCpuTime();
    }

    void op() {
        ops++;
    }

    void endIteration() {
        if (measured && ops > 0) {
            microsPerOp.add((MX.getCurrentThreadCpuTime() - startNanos) / 1e3 / ops);
        }
    }

    /** Prints {@code cpu-us/op LABEL best=... median=...} over the trial's measurement iterations. */
    void report(String label) {
        if (microsPerOp.isEmpty()) {
            return;
        }
        List<Double> sorted = new ArrayList<>(microsPerOp);
        Collections.sort(sorted);
        System.out.printf("%ncpu-us/op %s best=%.1f median=%.1f iterations=%d%n", label, sorted.get(0),
                sorted.get(sorted.size() / 2), sorted.size());
    }
}
