package dev.shadowattn.gguf.fuzz;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shadowattn.gguf.GgufFile;
import dev.shadowattn.gguf.tokenizer.SentencePieceTokenizer;
import dev.shadowattn.gguf.tokenizer.TokenType;
import dev.shadowattn.gguf.tokenizer.Tokenizer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Fuzzes every tokenizer the module can load (the vocabularies under {@code src/test/resources/vocab/} and the
 * corpus's tiny SentencePiece vocabulary) with {@link UnicodeStrings} against {@link TokenizerInvariant}. Seeds: the
 * committed string corpus {@code fuzz/text/} and the regressions {@code fuzz/text-regressions/} (UTF-16BE files).
 *
 * <p>Long run: {@code -Dtest=TokenizerFuzzTest -Dfuzz.iterations=1000000 -Dfuzz.seconds=1800} (docs/ROBUSTNESS.md).
 */
class TokenizerFuzzTest {

    static final long CI_SEED = 0x70c3_2026L;
    static final long CI_ITERATIONS = 1_000;
    static final int CI_SECONDS = 3;
    static final int MAX_LENGTH = 4096;

    static Stream<Path> vocabularies() {
        List<Path> files = new ArrayList<>(FuzzCorpus.files("../vocab").stream()
                .filter(p -> p.toString().endsWith(".gguf")).toList());
        files.add(FuzzCorpus.ROOT.resolve("gguf/valid/tokenizer-spm.gguf"));
        return files.stream();
    }

    @ParameterizedTest
    @MethodSource("vocabularies")
    void encodeAndDecodeKeepTheirContractOnRandomText(Path vocabulary) {
        Tokenizer tokenizer;
        try (GgufFile f = GgufFile.open(vocabulary)) {
            tokenizer = Tokenizer.fromGguf(f.metadata(), f.path());
        }
        TokenizerInvariant invariant = new TokenizerInvariant(tokenizer, roundTrip(tokenizer));
        FuzzSettings settings = FuzzSettings.fromSystemProperties(CI_SEED, CI_ITERATIONS, CI_SECONDS);
        List<String> seeds = new ArrayList<>(textCorpus("text"));
        seeds.addAll(textCorpus("text-regressions"));
        UnicodeStrings strings = new UnicodeStrings(Integer.getInteger("fuzz.maxLength", MAX_LENGTH));
        String name = "tokenizer-" + vocabulary.getFileName().toString().replace(".gguf", "");
        FuzzRunner<String> runner = new FuzzRunner<>(name, "utf16be", s -> s.getBytes(StandardCharsets.UTF_16BE),
                s -> 2048L * s.length() + (32 << 20));
        FuzzRunner.Report report = runner.run(settings, seeds, strings::next, invariant::check);
        assertTrue(report.findings().isEmpty(), () -> report.summary() + "\n" + String.join("\n",
                report.findings().stream().map(FuzzRunner.Finding::toString).toList()));
    }

    /**
     * The documented round trip: SentencePiece gives back text without {@code ▁} (which decodes to a space) and
     * without user-defined token texts (a fragment after one gets a space prefix, as in llama.cpp), with unpaired
     * surrogates as '?'. Other tokenizers: the text, unpaired surrogates as '?'.
     */
    static UnaryOperator<String> roundTrip(Tokenizer tokenizer) {
        if (tokenizer instanceof SentencePieceTokenizer) {
            List<String> userDefined = IntStream.range(0, tokenizer.vocabularySize())
                    .filter(id -> tokenizer.tokenType(id) == TokenType.USER_DEFINED)
                    .mapToObj(tokenizer::token).toList();
            return s -> s.indexOf('\u2581') >= 0 || userDefined.stream().anyMatch(s::contains) ? null
                    : TokenizerInvariant.replaceUnpairedSurrogates(s, '?');
        }
        return s -> TokenizerInvariant.replaceUnpairedSurrogates(s, '?');
    }

    static List<String> textCorpus(String sub) {
        return FuzzCorpus.contents(sub).stream().map(b -> new String(b, StandardCharsets.UTF_16BE)).toList();
    }
}
