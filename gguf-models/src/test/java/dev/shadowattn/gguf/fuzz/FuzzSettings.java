package dev.shadowattn.gguf.fuzz;

import java.nio.file.Path;
import java.time.Duration;

/**
 * Budget and seed of one fuzz run. The CI run of each fuzz test uses its defaults (fixed seed, small iteration
 * budget, a time cap as a safety net on slow machines); a long run overrides them with system properties:
 *
 * <pre>
 * -Dfuzz.seed=N            first seed (default: the test's fixed seed)
 * -Dfuzz.iterations=N      executions per fuzz test (default: the test's CI budget)
 * -Dfuzz.seconds=S         wall-clock cap per fuzz test (default: the test's CI cap)
 * -Dfuzz.timeoutMillis=MS  longest a single input may run before it counts as a hang (default 5000)
 * -Dfuzz.findings=DIR      where failing inputs are saved (default target/fuzz-findings)
 * -Dfuzz.exportCorpus=DIR  also save one input per distinct outcome there (to grow the committed corpus)
 * </pre>
 *
 * @param seed            seed of the run's random generator
 * @param iterations      most executions
 * @param time            wall-clock cap; the run stops at whichever of the two limits comes first
 * @param perInputTimeout an input running longer than this is a finding (hang)
 * @param findingsDir     where failing inputs are written
 * @param exportDir       where one input per distinct outcome is written, or null
 */
public record FuzzSettings(long seed, long iterations, Duration time, Duration perInputTimeout, Path findingsDir,
                           Path exportDir) {

    /** The settings of a fuzz test: its CI defaults, overridden by the {@code fuzz.*} system properties. */
    public static FuzzSettings fromSystemProperties(long defaultSeed, long defaultIterations, int defaultSeconds) {
        String export = System.getProperty("fuzz.exportCorpus");
        return new FuzzSettings(
                Long.getLong("fuzz.seed", defaultSeed),
                Long.getLong("fuzz.iterations", defaultIterations),
                Duration.ofSeconds(Long.getLong("fuzz.seconds", defaultSeconds)),
                Duration.ofMillis(Long.getLong("fuzz.timeoutMillis", 5000)),
                Path.of(System.getProperty("fuzz.findings", "target/fuzz-findings")),
                export == null || export.isBlank() ? null : Path.of(export));
    }
}
