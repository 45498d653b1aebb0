package dev.shadowattn.host.compare;

import java.util.Arrays;
import java.util.Locale;

/**
 * Which time a throughput figure divides by.
 *
 * <p>{@link #WALL}: elapsed time, what a user waits. {@link #CPU}: the CPU time of the process's Java threads
 * ({@link ThreadCpu}: engine workers and backend pools, not JIT or GC) divided by the engine's threads, i.e. the
 * tokens/s the run would reach if its threads had their CPUs to themselves. On a shared, loaded machine the wall
 * clock mostly measures the scheduler's share given to this process, which changes from second to second; CPU time
 * counts the work done, so it compares configurations far more steadily there. With one thread ({@code -t 1}) it
 * is the work alone; with several it also counts the time threads spin waiting for each other, which grows when
 * the machine is oversubscribed and a descheduled thread holds the others up, and it overstates the speed of
 * serial sections where fewer threads than the engine's are busy.
 */
public enum Clock {
    WALL("wall", "tokens/s"),
    CPU("cpu", "tokens/s at full CPU share");

    private final String key;
    private final String unit;

    Clock(String key, String unit) {
        this.key = key;
        this.unit = unit;
    }

    public String key() {
        return key;
    }

    /** How figures of this clock are labelled. */
    public String unit() {
        return unit;
    }

    public static Clock parse(String option, String value) {
        for (Clock c : values()) {
            if (c.key.equals(value.toLowerCase(Locale.ROOT))) {
                return c;
            }
        }
        throw new IllegalArgumentException(option + " must be one of " + Arrays.stream(values()).map(Clock::key).toList()
                + ", got '" + value + "'");
    }
}
