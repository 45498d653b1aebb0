package dev.shadowattn.gguf.fuzz;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shadowattn.gguf.GgufFile;
import dev.shadowattn.gguf.tokenizer.Tokenizer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Replays the committed fuzz corpus, one test per file, each under a preemptive timeout: the valid seeds must load
 * completely; the mutated inputs and the regressions (former findings) must keep the {@link GgufInvariant}; the text
 * corpus and text regressions must keep the {@link TokenizerInvariant} of every tokenizer.
 */
class FuzzCorpusReplayTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(20);

    static Stream<Path> validSeeds() {
        return FuzzCorpus.files("gguf/valid").stream();
    }

    static Stream<Path> mutatedAndRegressions() {
        return Stream.concat(FuzzCorpus.files("gguf/mutated").stream(), FuzzCorpus.files("gguf/regressions").stream());
    }

    @ParameterizedTest
    @MethodSource("validSeeds")
    void validSeedsLoadCompletely(Path file) {
        String outcome = assertTimeoutPreemptively(TIMEOUT, () -> GgufInvariant.check(file));
        assertTrue(outcome.startsWith("ok:") && !outcome.contains("rejected"), file + ": " + outcome);
    }

    @ParameterizedTest
    @MethodSource("mutatedAndRegressions")
    void mutatedFilesAndFormerFindingsKeepTheContract(Path file) {
        String outcome = assertTimeoutPreemptively(TIMEOUT, () -> GgufInvariant.check(file));
        assertFalse(outcome.isEmpty(), file.toString());
    }

    @Test
    void corpusIsSmall() {
        long bytes = Stream.of("gguf", "text", "text-regressions").flatMap(s -> FuzzCorpus.files(s).stream())
                .mapToLong(p -> FuzzCorpus.read(p).length).sum();
        assertTrue(bytes < 2 << 20, "the committed fuzz corpus takes " + bytes + " bytes; keep it under 2 MB");
    }

    @Test
    void textCorpusKeepsTheTokenizerContract() {
        List<String> texts = Stream.concat(FuzzCorpus.files("text").stream(),
                        FuzzCorpus.files("text-regressions").stream())
                .map(p -> new String(FuzzCorpus.read(p), StandardCharsets.UTF_16BE)).toList();
        assertFalse(texts.isEmpty(), "no text corpus");
        TokenizerFuzzTest.vocabularies().forEach(vocabulary -> {
            Tokenizer tokenizer;
            try (GgufFile f = GgufFile.open(vocabulary)) {
                tokenizer = Tokenizer.fromGguf(f.metadata(), f.path());
            }
            TokenizerInvariant invariant = new TokenizerInvariant(tokenizer, TokenizerFuzzTest.roundTrip(tokenizer));
            for (String text : texts) {
                assertTimeoutPreemptively(TIMEOUT, () -> invariant.check(text),
                        () -> vocabulary + ": " + TokenizerInvariant.escape(text));
            }
        });
    }
}
