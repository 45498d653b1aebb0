package dev.shadowattn.host.cli;

import dev.shadowattn.api.AttentionOptions;
import dev.shadowattn.gguf.model.Model;
import dev.shadowattn.gguf.tokenizer.StreamingDecoder;
import dev.shadowattn.gguf.tokenizer.Tokenizer;
import dev.shadowattn.host.engine.Engine;
import dev.shadowattn.host.engine.HouseModel;
import dev.shadowattn.host.engine.Sampler;
import dev.shadowattn.host.engine.Sequence;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The {@code chat} command driven through piped standard input: whole conversations on the house model (plain
 * continuation), checked against the same greedy decoding done by hand on a {@link Sequence}; the template tokens
 * fed to the tiny Llama 3 and Qwen2 models (--verbose-prompt); commands; and context overflow.
 */
class ChatCommandTest {

    record Run(String out, String err, List<int[]> fed) {
    }

    static Run chat(String input, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--verbose-prompt", "-t", "2", "--temperature", "0"));
        int code = ChatCommand.run(all.toArray(String[]::new), new ByteArrayInputStream(input.getBytes(StandardCharsets.UTF_8)),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(0, code);
        String e = err.toString(StandardCharsets.UTF_8);
        List<int[]> fed = e.lines().filter(l -> l.startsWith("fed ")).map(l -> Arrays.stream(l.substring(l.indexOf(':') + 2)
                .split(" ")).mapToInt(Integer::parseInt).toArray()).toList();
        return new Run(out.toString(StandardCharsets.UTF_8), e, fed);
    }

    static Path reference(String name) {
        try {
            return Path.of(Objects.requireNonNull(ChatCommandTest.class.getResource("/reference/" + name)).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Greedy answer of at most {@code n} tokens after feeding {@code prompt}, token by token as the chat does. */
    static int[] greedy(Sequence s, Tokenizer tok, int[] prompt, int n, int[] ends, StringBuilder text) {
        float[] logits = s.ingest(prompt);
        StreamingDecoder decoder = tok.streamingDecoder(prompt[prompt.length - 1]);
        List<Integer> out = new ArrayList<>();
        while (out.size() < n) {
            int t = Sampler.argmax(logits);
            if (IntStream.of(ends).anyMatch(e -> e == t)) {
                break;
            }
            text.append(decoder.accept(t));
            logits = s.ingest(new int[] {t});
            out.add(t);
        }
        text.append(decoder.flush());
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    @Test
    void wholeConversationOnTheHouseModel() {
        String input = "It was a fine day\nThe captain said\n/stats\n/reset\nIt was a fine day\n/quit\nnever read\n";
        Run run = chat(input, "-m", HouseModel.PATH.toString(), "-b", "dense", "-n", "6", "-c", "512");

        // The same conversation by hand: BOS, then each message as plain text, the answer, a line break.
        try (Model model = HouseModel.load(); Engine engine = HouseModel.engine(model, "dense", 512, 2, AttentionOptions.NONE);
             Sequence s = engine.newSequence()) {
            Tokenizer tok = model.tokenizer();
            int[] ends = {tok.eos()};
            int[] bos = {tok.bos()};
            int[] user1 = tok.encode("It was a fine day");
            int[] close = tok.encode("\n");
            int[] user2 = tok.encode("The captain said");
            s.ingest(bos);
            StringBuilder a1 = new StringBuilder(), a2 = new StringBuilder(), a3 = new StringBuilder();
            greedy(s, tok, user1, 6, ends, a1);
            s.ingest(close);
            greedy(s, tok, user2, 6, ends, a2);
            s.ingest(close);
            s.truncate(0);
            s.ingest(bos);
            greedy(s, tok, user1, 6, ends, a3);

            assertEquals(a1.toString(), a3.toString(), "after /reset the same message gets the same greedy answer");
            // Answers each end with a line break (they may hold line breaks themselves); /stats prints four lines.
            String head = a1 + "\n" + a2 + "\n";
            assertTrue(run.out().startsWith(head), run.out());
            String[] stats = run.out().substring(head.length()).split("\n", 5);
            assertTrue(stats[0].startsWith("prompt") && stats[1].startsWith("generated"), run.out());
            assertTrue(stats[2].startsWith("context") && stats[2].contains("/ 512 positions, 2 turns"), stats[2]);
            assertTrue(stats[3].startsWith("attention") && stats[3].contains("dense") && stats[3].contains("kept 100.0%"), stats[3]);
            assertEquals(a3 + "\n", stats[4], "the answer after /reset, and nothing after /quit");

            // Tokens fed: BOS; message 1; closing line break; message 2; closing; after /reset BOS again; message 1.
            List<int[]> expected = List.of(bos, user1, close, user2, close, bos, user1, close);
            assertEquals(expected.size(), run.fed().size(), run.err());
            for (int i = 0; i < expected.size(); i++) {
                assertArrayEquals(expected.get(i), run.fed().get(i), "fed batch " + i);
            }
            assertTrue(run.err().contains("chat format plain continuation"), run.err());
            assertTrue(run.err().contains("[conversation reset"), run.err());
        }
    }

    @Test
    void llama3HeadersAndSpecialTokensTypedByTheUserStayText() {
        Run run = chat("Hi <|eot_id|> there\n", "-m", reference("tiny-llama3.gguf").toString(), "-b", "dense",
                "-n", "3", "--system", "Be brief.");
        try (Model model = Model.load(reference("tiny-llama3.gguf"))) {
            Tokenizer tok = model.tokenizer();
            int bot = 128000, start = 128006, end = 128007, eot = 128009;
            int[] prefix = concat(new int[] {bot, start}, tok.encode("system"), new int[] {end}, tok.encode("\n\nBe brief."),
                    new int[] {eot});
            int[] user = concat(new int[] {start}, tok.encode("user"), new int[] {end}, tok.encode("\n\nHi <|eot_id|> there"),
                    new int[] {eot, start}, tok.encode("assistant"), new int[] {end}, tok.encode("\n\n"));
            assertArrayEquals(prefix, run.fed().get(0));
            assertArrayEquals(user, run.fed().get(1));
            assertEquals(1, IntStream.of(user).filter(t -> t == eot).count(), "the typed <|eot_id|> is text");
            assertArrayEquals(new int[] {eot}, run.fed().get(2), "the answer is closed by <|eot_id|>");
            assertTrue(run.err().contains("chat format Llama 3 headers"), run.err());
        }
    }

    @Test
    void chatMlWithTheTemplateDefaultSystemPrompt() {
        Run run = chat("Hello\nAgain\n", "-m", reference("tiny-qwen2.gguf").toString(), "-b", "dense", "-n", "2");
        try (Model model = Model.load(reference("tiny-qwen2.gguf"))) {
            Tokenizer tok = model.tokenizer();
            int imStart = 151644, imEnd = 151645;
            int[] nl = tok.encode("\n");
            assertArrayEquals(concat(new int[] {imStart}, tok.encode("system\nYou are a helpful assistant"), new int[] {imEnd}, nl),
                    run.fed().get(0), "no BOS; the system message the Qwen2 template inserts");
            assertArrayEquals(concat(new int[] {imStart}, tok.encode("user\nHello"), new int[] {imEnd}, nl, new int[] {imStart},
                    tok.encode("assistant\n")), run.fed().get(1));
            assertArrayEquals(concat(new int[] {imEnd}, nl), run.fed().get(2));
            assertArrayEquals(concat(new int[] {imStart}, tok.encode("user\nAgain"), new int[] {imEnd}, nl, new int[] {imStart},
                    tok.encode("assistant\n")), run.fed().get(3));
            assertEquals(2, run.out().split("\n").length, "two answers: " + run.out());

            // Asked to, special-token texts in a message become their tokens.
            Run special = chat("Hi<|im_end|>\n", "-m", reference("tiny-qwen2.gguf").toString(), "-b", "dense", "-n", "1",
                    "--special", "--system", "S");
            assertArrayEquals(concat(new int[] {imStart}, tok.encode("user\nHi"), new int[] {imEnd, imEnd}, nl,
                    new int[] {imStart}, tok.encode("assistant\n")), special.fed().get(1));
        }
    }

    @Test
    void overflowDropsTheOldestTurnsKeepingTheSystemPrompt() {
        StringBuilder input = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            input.append("Anne walked to the village and back again ").append(i).append('\n');
        }
        input.append("x ".repeat(200)).append('\n');   // longer than the whole context
        input.append("/stats\n");
        Run run = chat(input.toString(), "-m", HouseModel.PATH.toString(), "-b", "dense", "-n", "8", "-c", "64",
                "--system", "A story.");
        assertTrue(run.err().contains("[the context of 64 tokens is full: dropped the oldest"), run.err());
        assertTrue(run.err().contains("does not fit the context of 64 tokens") && run.err().contains("not sent"), run.err());
        try (Model model = HouseModel.load()) {
            int[] close = model.tokenizer().encode("\n");
            assertEquals(8, run.fed().stream().filter(f -> Arrays.equals(f, close)).count(),
                    "eight answers closed, none for the refused message: " + run.err());
        }
        String context = run.out().lines().filter(l -> l.startsWith("context")).findFirst().orElseThrow();
        int position = Integer.parseInt(context.replaceAll("^context\\s+(\\d+) .*", "$1"));
        assertTrue(position <= 64, context);
        // Every re-ingestion after a drop starts again right after the system prompt.
        int[] prefix = run.fed().getFirst();
        long rewinds = run.fed().stream().filter(f -> f.length == 1 && f[0] == prefix[prefix.length - 1]).count();
        assertTrue(rewinds >= 1, "the prefix's last token is evaluated again after each drop");
    }

    @Test
    void unknownTemplateIsAUsageError() {
        CliArgs.UsageException e = org.junit.jupiter.api.Assertions.assertThrows(CliArgs.UsageException.class,
                () -> chat("", "-m", HouseModel.PATH.toString(), "--template", "vicuna"));
        assertTrue(e.getMessage().contains("'vicuna'") && e.getMessage().contains("chatml"), e.getMessage());
        Run help = chatHelp();
        assertTrue(help.out().contains("--system") && help.out().contains("--template") && help.out().contains("/stats")
                && help.out().contains("/reset") && help.out().contains("/quit"), help.out());
    }

    private static Run chatHelp() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ChatCommand.run(new String[] {"--help"}, new ByteArrayInputStream(new byte[0]),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(new ByteArrayOutputStream()));
        return new Run(out.toString(StandardCharsets.UTF_8), "", List.of());
    }

    static int[] concat(int[]... parts) {
        return Arrays.stream(parts).flatMapToInt(IntStream::of).toArray();
    }
}
