package dev.shadowattn.host.calibrate;

import java.lang.management.ManagementFactory;

/**
 * CPU time of this process (all threads, JIT and GC included), for reports on a shared machine where the wall
 * clock says little. Falls back to the wall clock when the JVM does not report CPU time.
 */
final class CpuClock {

    private CpuClock() {
    }

    static long processNanos() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            long t = os.getProcessCpuTime();
            if (t >= 0) {
                return t;
            }
        }
        return System.nanoTime();
    }
}
