package dev.shadowattn.host.cli;

import dev.shadowattn.host.engine.HouseModel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The CLI end to end, in process: commands, clear errors for bad input. */
class MainTest {

    record Run(int code, String out, String err) {
    }

    static Run run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        int code = Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void generatesGreedilyAndDeterministically() {
        String model = HouseModel.PATH.toString();
        Run a = run("generate", "--model", model, "--backend", "dense", "--prompt", "It was", "-n", "12", "--temperature", "0");
        assertEquals(0, a.code(), a.err());
        assertTrue(a.out().startsWith("It was"), a.out());
        assertTrue(a.out().length() > "It was".length() + 5, "generated some text: " + a.out());
        assertTrue(a.err().contains("tokens/s"), a.err());
        Run b = run("generate", "--model", model, "--backend", "dense", "--prompt", "It was", "-n", "12", "--temperature", "0");
        assertEquals(a.out(), b.out(), "greedy decoding is deterministic");
    }

    @Test
    void sampledGenerationIsReproducibleWithASeed() {
        String model = HouseModel.PATH.toString();
        Run a = run("generate", "-m", model, "-b", "dense", "-p", "The", "-n", "10", "--seed", "7");
        Run b = run("generate", "-m", model, "-b", "dense", "-p", "The", "-n", "10", "--seed", "7");
        assertEquals(0, a.code(), a.err());
        assertEquals(a.out(), b.out());
    }

    @Test
    void unknownCommandAndFlagsAreUsageErrors() {
        Run r = run("frobnicate");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("unknown command 'frobnicate'"), r.err());
        r = run("generate", "--no-such-flag");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("unknown option '--no-such-flag'"), r.err());
        r = run("generate", "--max-tokens");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--max-tokens needs a value"), r.err());
        r = run("generate", "--max-tokens", "many");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("expects an integer"), r.err());
        r = run("generate", "--backend", "nope", "-m", HouseModel.PATH.toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains("unknown attention backend 'nope'") && r.err().contains("dense"), r.err());
    }

    @Test
    void missingOrCorruptModelIsAClearError(@TempDir Path dir) throws IOException {
        Run r = run("generate", "--model", dir.resolve("absent.gguf").toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("absent.gguf") && r.err().contains("no such file"), r.err());
        Path bad = dir.resolve("bad.gguf");
        Files.write(bad, "GGUF but not really".getBytes(StandardCharsets.UTF_8));
        r = run("generate", "--model", bad.toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains("bad.gguf"), r.err());
        assertFalse(r.err().contains("\tat "), "no stack trace: " + r.err());
    }

    @Test
    void promptLongerThanTheContextIsRefusedUpFront() {
        Run r = run("generate", "-m", HouseModel.PATH.toString(), "-b", "dense", "-p", "word ".repeat(100), "-c", "64", "-n", "1");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("exceeds the context of 64"), r.err());
    }

    @Test
    void perplexityAndBenchRun(@TempDir Path dir) throws IOException {
        Path text = dir.resolve("t.txt");
        Files.writeString(text, "It is a truth universally acknowledged, that a single man in possession of a good fortune, must be in want of a wife. ".repeat(20));
        Run r = run("perplexity", "-m", HouseModel.PATH.toString(), "-b", "dense", "-f", text.toString(), "-c", "128", "--chunks", "2");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("perplexity") && r.err().contains("[2/2]"), r.out() + r.err());
        r = run("bench", "-m", HouseModel.PATH.toString(), "-b", "dense", "--prompt", "64", "--depth", "0,32", "--gen", "4", "-r", "1");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("pp64") && r.out().contains("tg4 @ d32"), r.out());
    }

    @Test
    void contextBeyondTheTrainedLengthNeedsAnExplicitFlag() {
        Run r = run("generate", "-m", HouseModel.PATH.toString(), "-b", "dense", "-c", "8192", "-n", "1");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("exceeds the model's trained context of 4096") && r.err().contains("--allow-long-context"), r.err());
        r = run("generate", "-m", HouseModel.PATH.toString(), "-b", "dense", "-c", "8192", "-n", "1", "--allow-long-context");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("warning: context 8192 exceeds"), r.err());
    }

    @Test
    void listsBackends() {
        Run r = run("backends");
        assertEquals(0, r.code());
        assertTrue(r.out().contains("dense"), r.out());
    }
}
