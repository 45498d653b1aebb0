package dev.shadowattn.gguf.fuzz;

import com.sun.management.ThreadMXBean;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.function.Function;
import java.util.function.ToLongFunction;

/**
 * A seeded, coverage-less but outcome-guided fuzz loop (Jazzer's JUnit integration resolves from Maven Central but
 * its bundled ASM cannot instrument Java 25 class files, see docs/ROBUSTNESS.md).
 *
 * <p>Each execution makes an input from the pool with the {@link Generator}, runs the {@link Target} on it and
 * classifies the result: the target returns an outcome signature for acceptable results (success or an expected
 * exception), and lets anything else out, which is a finding. An input whose signature was not seen before joins the
 * pool, so later mutations start from inputs that reached new checks; this is the feedback that replaces coverage.
 *
 * <p>Besides exceptions, three resource invariants make findings: an input running longer than the per-input
 * timeout (a hang; the watchdog runs on the calling thread), an {@link OutOfMemoryError}, and an input allocating
 * more heap than its budget (an amplification a bigger file would turn into an OOM).
 *
 * @param <I> the input type
 */
public final class FuzzRunner<I> {

    /** Makes the next input, typically a mutation of pool members. */
    @FunctionalInterface
    public interface Generator<I> {
        I next(Random random, List<I> pool);
    }

    /** Runs one input: returns the outcome's signature, or throws (anything) when an invariant is broken. */
    @FunctionalInterface
    public interface Target<I> {
        String run(I input) throws Exception;
    }

    /** An input that broke an invariant, saved to {@code input}. */
    public record Finding(String kind, String signature, String message, Path input, Throwable cause) {
        @Override
        public String toString() {
            return kind + " [" + signature + "]: " + message + " (input saved to " + input + ")";
        }
    }

    /** Figures of a run. */
    public record Report(String name, long seed, long executions, int outcomes, int poolSize, Duration elapsed,
                         Duration slowest, List<Finding> findings) {
        public String summary() {
            double s = elapsed.toNanos() / 1e9;
            return String.format("fuzz %s (seed %d): %d executions in %.1f s (%.0f/s), %d distinct outcomes, pool %d,"
                            + " slowest input %.1f ms, %d findings", name, seed, executions, s, executions / s,
                    outcomes, poolSize, slowest.toNanos() / 1e6, findings.size());
        }
    }

    private static final int MAX_POOL = 2000;
    private static final int MAX_FINDINGS = 20;

    private final String name;
    private final String extension;
    private final Function<I, byte[]> serializer;
    private final ToLongFunction<I> allocationBudget;

    // State shared between the worker and the watchdog.
    private volatile I current;
    private volatile long startedAt;     // System.nanoTime() at the start of the current execution, 0 between them
    private volatile long executions;
    private volatile boolean stop;

    /**
     * @param name             names the run in the report and saved files
     * @param extension        file extension of saved inputs, e.g. {@code "gguf"}
     * @param serializer       the bytes of an input, to save it
     * @param allocationBudget the most heap bytes one execution of an input may allocate
     */
    public FuzzRunner(String name, String extension, Function<I, byte[]> serializer,
                      ToLongFunction<I> allocationBudget) {
        this.name = name;
        this.extension = extension;
        this.serializer = serializer;
        this.allocationBudget = allocationBudget;
    }

    /** Runs until the settings' iteration or time budget is used up (or too many findings). */
    public Report run(FuzzSettings settings, List<I> seeds, Generator<I> generator, Target<I> target) {
        List<I> pool = new ArrayList<>(seeds);
        Set<String> outcomes = new HashSet<>();
        Map<String, Finding> findings = new LinkedHashMap<>();
        long[] slowest = {0};
        long start = System.nanoTime();
        long deadline = start + settings.time().toNanos();
        ThreadMXBean threads = (ThreadMXBean) ManagementFactory.getThreadMXBean();
        RuntimeException[] generatorFailure = {null};

        Runnable loop = () -> {
            Random random = new Random(settings.seed());
            // Seeds run first, unmutated.
            List<I> queue = new ArrayList<>(seeds);
            try {
                while (!stop && executions < settings.iterations() && System.nanoTime() < deadline
                        && findings.size() < MAX_FINDINGS) {
                    I input = queue.isEmpty() ? generator.next(random, pool) : queue.removeFirst();
                    current = input;
                    long allocatedBefore = threads.getCurrentThreadAllocatedBytes();
                    long t0 = System.nanoTime();
                    startedAt = t0;
                    String signature;
                    Throwable failure = null;
                    try {
                        signature = target.run(input);
                    } catch (Throwable t) {
                        signature = null;
                        failure = t;
                    }
                    long nanos = System.nanoTime() - t0;
                    startedAt = 0;
                    long allocated = threads.getCurrentThreadAllocatedBytes() - allocatedBefore;
                    executions++;
                    slowest[0] = Math.max(slowest[0], nanos);
                    if (failure != null) {
                        record(findings, settings, "exception", signatureOf(failure), String.valueOf(failure),
                                input, failure);
                        if (failure instanceof VirtualMachineError) {
                            System.gc();
                        }
                        continue;
                    }
                    long budget = allocationBudget.applyAsLong(input);
                    if (allocated > budget) {
                        record(findings, settings, "allocation", "allocation:" + signature, "allocated "
                                + allocated + " bytes, budget " + budget + " (outcome " + signature + ")", input, null);
                    }
                    if (outcomes.add(signature)) {
                        if (pool.size() < MAX_POOL) {
                            pool.add(input);
                        }
                        export(settings, signature, input);
                    }
                }
            } catch (RuntimeException e) {
                generatorFailure[0] = e;
            }
        };
        Thread worker = Thread.ofPlatform().daemon().name("fuzz-" + name).start(loop);
        watch(worker, settings, findings);
        if (generatorFailure[0] != null) {
            throw generatorFailure[0];
        }
        Report report = new Report(name, settings.seed(), executions, outcomes.size(), pool.size(),
                Duration.ofNanos(System.nanoTime() - start), Duration.ofNanos(slowest[0]),
                List.copyOf(findings.values()));
        System.out.println(report.summary());
        report.findings().forEach(f -> System.out.println("  " + f));
        return report;
    }

    /** Waits for the worker, failing the execution that overruns the per-input timeout. */
    private void watch(Thread worker, FuzzSettings settings, Map<String, Finding> findings) {
        long timeout = settings.perInputTimeout().toNanos();
        try {
            while (worker.isAlive()) {
                worker.join(Duration.ofMillis(50));
                long count = executions;
                long started = startedAt;
                I input = current;
                if (started != 0 && count == executions && System.nanoTime() - started > timeout) {
                    stop = true;
                    synchronized (findings) {
                        record(findings, settings, "hang", "hang", "input still running after "
                                + settings.perInputTimeout().toMillis() + " ms", input, null);
                    }
                    worker.interrupt();
                    worker.join(Duration.ofSeconds(2));
                    return;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stop = true;
        }
    }

    private void record(Map<String, Finding> findings, FuzzSettings settings, String kind, String signature,
                        String message, I input, Throwable cause) {
        synchronized (findings) {
            if (findings.containsKey(signature)) {
                return;
            }
            Path saved = save(settings.findingsDir(), kind + "-" + findings.size(), input);
            findings.put(signature, new Finding(kind, signature, message, saved, cause));
        }
    }

    private void export(FuzzSettings settings, String signature, I input) {
        if (settings.exportDir() != null) {
            String hash = HexFormat.of().toHexDigits(signature.hashCode());
            save(settings.exportDir(), hash, input);
        }
    }

    private Path save(Path dir, String stem, I input) {
        try {
            Files.createDirectories(dir);
            return Files.write(dir.resolve(name + "-" + stem + "." + extension), serializer.apply(input));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Exception class and the first frame in project code: one finding per distinct bug, not per input. */
    static String signatureOf(Throwable t) {
        StringBuilder sb = new StringBuilder(t.getClass().getName());
        for (StackTraceElement e : t.getStackTrace()) {
            if (e.getClassName().startsWith("dev.shadowattn.")) {
                sb.append(" at ").append(e.getClassName()).append('.').append(e.getMethodName()).append(':')
                        .append(e.getLineNumber());
                break;
            }
        }
        return sb.toString();
    }
}
