package dev.shadowattn.gguf.fuzz;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Mutation fuzzing of the GGUF reader and of the tokenizer and model loaders behind it ({@link GgufInvariant}),
 * starting from the committed corpus ({@code fuzz/gguf/valid} seeds and {@code fuzz/gguf/mutated} inputs).
 *
 * <p>In CI: a fixed seed and a small budget. A long run (see docs/ROBUSTNESS.md):
 * <pre>
 * ./mvnw -o -pl gguf-models test -Dtest=GgufFuzzTest -Dfuzz.iterations=10000000 -Dfuzz.seconds=3600 -Dfuzz.seed=$RANDOM
 * </pre>
 * A failing input is saved under {@code target/fuzz-findings/}; copy it to {@code fuzz/gguf/regressions/} and it is
 * replayed by {@link GgufRegressionTest} from then on.
 */
class GgufFuzzTest {

    static final long CI_SEED = 0x5eed_9001L;
    static final long CI_ITERATIONS = 30_000;
    static final int CI_SECONDS = 15;

    @TempDir
    Path dir;

    @Test
    void readerAndLoadersKeepTheirContractOnMutatedFiles() {
        FuzzSettings settings = FuzzSettings.fromSystemProperties(CI_SEED, CI_ITERATIONS, CI_SECONDS);
        List<byte[]> seeds = new ArrayList<>(FuzzCorpus.contents("gguf/valid"));
        int validCount = seeds.size();
        seeds.addAll(FuzzCorpus.contents("gguf/mutated"));
        seeds.addAll(FuzzCorpus.contents("gguf/regressions"));
        assertTrue(validCount >= 5, "the valid seed corpus is missing: " + FuzzCorpus.ROOT.toAbsolutePath());
        List<byte[]> valid = seeds.subList(0, validCount);

        FuzzRunner.Report report;
        try (ScratchFile file = new ScratchFile(dir, "input.gguf")) {
            report = fuzz(settings, seeds, valid, file);
        }
        assertFalse(report.executions() < Math.min(settings.iterations(), 1000),
                "too few executions: " + report.summary());
        assertTrue(report.findings().isEmpty(), () -> report.summary() + "\n" + String.join("\n",
                report.findings().stream().map(FuzzRunner.Finding::toString).toList()));
    }

    private static FuzzRunner.Report fuzz(FuzzSettings settings, List<byte[]> seeds, List<byte[]> valid,
                                          ScratchFile file) {
        Map<byte[], List<GgufFields.Field>> fields = new IdentityHashMap<>();
        FuzzRunner<byte[]> runner = new FuzzRunner<>("gguf", "gguf", b -> b, b -> 128L * b.length + (16 << 20));
        return runner.run(settings, seeds,
                (Random r, List<byte[]> pool) -> {
                    // Half the time start again from a valid seed, so that deep structure keeps being reached.
                    byte[] base = r.nextBoolean() ? valid.get(r.nextInt(valid.size()))
                            : pool.get(r.nextInt(pool.size()));
                    byte[] other = pool.get(r.nextInt(pool.size()));
                    List<GgufFields.Field> f = fields.computeIfAbsent(base, GgufFields::of);
                    return ByteMutator.mutate(base, f, other, r);
                },
                input -> GgufInvariant.check(file.write(input)));
    }
}
