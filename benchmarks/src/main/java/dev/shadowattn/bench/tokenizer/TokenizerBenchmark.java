package dev.shadowattn.bench.tokenizer;

import dev.shadowattn.gguf.GgufFile;
import dev.shadowattn.gguf.tokenizer.StreamingDecoder;
import dev.shadowattn.gguf.tokenizer.Tokenizer;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;

/**
 * Tokenizer throughput on Austen's <i>Persuasion</i> (467 KB of English) with the house model's SentencePiece
 * vocabulary (Llama 2, 32000 tokens) and the byte-level BPE vocabularies of Llama 3 ({@code llama-bpe}, 128256
 * tokens) and Qwen2 ({@code qwen2}, 151936 tokens). The secondary counter {@code bytes} is in bytes of UTF-8 text per
 * microsecond, that is MB/s: {@code encodeText} encodes the whole book as one string, {@code encodeParagraphs} each
 * paragraph separately (prompt-sized inputs), {@code decodeText} and {@code streamDecode} turn the book's tokens
 * back into text, at once and token by token.
 *
 * <p>Run from the repository root: {@code java -jar benchmarks/target/benchmarks.jar TokenizerBenchmark -f 1 -wi 3
 * -i 5 -w 1 -r 1}; other inputs with {@code -p text=PATH -p model=PATH}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class TokenizerBenchmark {

    @Param({"host-integration/src/test/resources/data/persuasion.txt"})
    public String text;

    @Param({"gguf-models/models/house-25m-q8_0.gguf",
            "gguf-models/src/test/resources/vocab/ggml-vocab-llama-bpe.gguf",
            "gguf-models/src/test/resources/vocab/ggml-vocab-qwen2.gguf"})
    public String model;

    private Tokenizer tokenizer;
    private String book;
    private int bookBytes;
    private String[] paragraphs;
    private long paragraphBytes;
    private int[] bookTokens;

    /** Bytes of text processed; per microsecond of measurement this is MB/s. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Throughput {
        public long bytes;

        @Setup(Level.Iteration)
        public void reset() {
            bytes = 0;
        }
    }

    @Setup(Level.Trial)
    public void setUp() {
        Path modelPath = Path.of(model);
        try (GgufFile gguf = GgufFile.open(modelPath)) {
            tokenizer = Tokenizer.fromGguf(gguf.metadata(), modelPath);
        }
        try {
            book = Files.readString(Path.of(text));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the benchmark text " + Path.of(text).toAbsolutePath(), e);
        }
        bookBytes = book.getBytes(StandardCharsets.UTF_8).length;
        paragraphs = Arrays.stream(book.split("\n\n+")).filter(p -> !p.isBlank()).toArray(String[]::new);
        paragraphBytes = Arrays.stream(paragraphs).mapToLong(p -> p.getBytes(StandardCharsets.UTF_8).length).sum();
        bookTokens = tokenizer.encode(book);
        if (!tokenizer.decode(bookTokens).equals(book)) {
            throw new IllegalStateException("decode(encode(text)) differs from the text");
        }
    }

    @Benchmark
    public int[] encodeText(Throughput counter) {
        counter.bytes += bookBytes;
        return tokenizer.encode(book);
    }

    @Benchmark
    public void encodeParagraphs(Throughput counter, Blackhole blackhole) {
        for (String paragraph : paragraphs) {
            blackhole.consume(tokenizer.encode(paragraph));
        }
        counter.bytes += paragraphBytes;
    }

    @Benchmark
    public String decodeText(Throughput counter) {
        counter.bytes += bookBytes;
        return tokenizer.decode(bookTokens);
    }

    @Benchmark
    public void streamDecode(Throughput counter, Blackhole blackhole) {
        StreamingDecoder decoder = tokenizer.streamingDecoder();
        for (int token : bookTokens) {
            blackhole.consume(decoder.accept(token));
        }
        counter.bytes += bookBytes;
    }
}
