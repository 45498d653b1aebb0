package dev.shadowattn.plugin.pipeline;

import java.util.Locale;

/** How the heads of one attention call are run (backend option {@code pipeline}). */
public enum PipelineMode {
    /** The sequential backend: each task scores, selects and attends on one worker. */
    OFF("off"),
    /** Scorer stage on its own thread, CPU stage on the {@code cpu-threads} pool, heads in their natural order. */
    FIFO("fifo"),
    /** As {@link #FIFO}, heads ordered by the greedy planner of the paper from profiled stage costs. */
    GREEDY("greedy");

    private final String key;

    PipelineMode(String key) {
        this.key = key;
    }

    public String key() {
        return key;
    }

    /** Parses {@code value} of option {@code option}, failing with the accepted values. */
    public static PipelineMode parse(String option, String value) {
        String v = value.trim().toLowerCase(Locale.ROOT);
        for (PipelineMode m : values()) {
            if (m.key.equals(v)) {
                return m;
            }
        }
        throw new IllegalArgumentException("backend option " + option + "=" + value + " must be one of off, fifo, greedy");
    }
}
