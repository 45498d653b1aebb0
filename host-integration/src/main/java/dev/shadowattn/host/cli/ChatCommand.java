package dev.shadowattn.host.cli;

import dev.shadowattn.gguf.model.Model;
import dev.shadowattn.host.chat.ChatFormat;
import dev.shadowattn.host.chat.ChatSession;
import dev.shadowattn.host.chat.ChatTemplate;
import dev.shadowattn.gguf.tokenizer.SpecialTokens;
import dev.shadowattn.host.engine.Engine;
import dev.shadowattn.host.engine.Sampler;

import java.io.InputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.util.Arrays;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;

/**
 * {@code chat}: a conversation with the model, answers streamed as they are generated. On a terminal: line editing
 * and history, Ctrl-C stops the current answer. With piped input: one user message per line, answers on standard
 * output each ending with a line break, notices on standard error. Commands: {@code /reset}, {@code /stats},
 * {@code /quit} (and {@code /help}).
 */
final class ChatCommand {

    static final int DEFAULT_CONTEXT = 4096;

    static final String COMMANDS = """
            /reset   forget the conversation (the system prompt stays)
            /stats   tokens and speed so far, context use, attention backend and the keys it kept
            /quit    leave (also Ctrl-D)""";

    private ChatCommand() {
    }

    static CliArgs args() {
        return EngineOptions.declare(new CliArgs("chat"))
                .option("system", "-s", "text", "system prompt (default: the model template's own, if any)")
                .option("template", "name", "chat format: llama3, chatml or plain (default: from the model)")
                .option("max-tokens", "-n", "n", "most tokens per answer (default 512)")
                .option("temperature", "--temp", "t", "sampling temperature, 0 = greedy (default 0.7)")
                .option("top-p", "p", "nucleus sampling mass (default 0.9)")
                .option("seed", "s", "random seed (default 42)")
                .option("ctx-size", "-c", "n", "context size (default: the model's, at most " + DEFAULT_CONTEXT + ")")
                .flag("special", "recognize special-token texts typed in messages (e.g. <|im_end|>); off: they are text")
                .flag("verbose-prompt", "print the token ids fed to the model (standard error)");
    }

    static int run(String[] argv, InputStream in, PrintStream out, PrintStream err) {
        CliArgs args = args().parse(argv);
        if (args.has("help")) {
            out.println("usage: shadowattn chat [options]\n\n" + args.help() + "\ncommands during the chat:\n" + COMMANDS);
            return 0;
        }
        int maxTokens = args.getInt("max-tokens", 512);
        if (maxTokens < 1) {
            throw new CliArgs.UsageException("--max-tokens must be >= 1, got " + maxTokens);
        }
        Sampler sampler = new Sampler(args.getFloat("temperature", 0.7f), args.getFloat("top-p", 0.9f), args.getLong("seed", 42));
        boolean terminal = in == System.in && System.console() != null && System.console().isTerminal();
        try (Model model = Model.load(EngineOptions.modelPath(args))) {
            int ctx = args.getInt("ctx-size", Math.min(model.config().contextLength(), DEFAULT_CONTEXT));
            if (ctx < 2) {
                throw new CliArgs.UsageException("--ctx-size must be >= 2, got " + ctx);
            }
            ChatFormat format = format(args, model);
            String system = args.get("system").orElseGet(() -> format.defaultSystemPrompt().orElse(null));
            try (Engine engine = EngineOptions.engine(args, model, ctx, err);
                 ChatIo io = terminal ? TerminalChatIo.open() : new PipedChatIo(in, out, err)) {
                ChatSession.Listener listener = listener(io, args.has("verbose-prompt"));
                try (ChatSession session = new ChatSession(engine, format, sampler, system, maxTokens, listener)) {
                    io.notices().printf("model %s (%s), chat format %s, backend %s, context %d, %d threads%n",
                            model.config().name(), model.config().architecture().ggufName(),
                            format.template().description(), engine.backend().describe(), ctx, engine.threads());
                    if (io.interactive()) {
                        io.notices().println("Type a message; Ctrl-C stops an answer.\n" + COMMANDS);
                    }
                    converse(io, session);
                }
            }
        }
        return 0;
    }

    private static ChatFormat format(CliArgs args, Model model) {
        var tokenizer = model.tokenizer();
        SpecialTokens special = SpecialTokens.of(tokenizer);
        ChatTemplate template = args.get("template")
                .map(name -> {
                    try {
                        return ChatTemplate.named(name);
                    } catch (IllegalArgumentException e) {
                        throw new CliArgs.UsageException("--template: " + e.getMessage());
                    }
                })
                .orElseGet(() -> ChatTemplate.detect(tokenizer, special));
        return new ChatFormat(template, tokenizer, special, args.has("special"));
    }

    private static ChatSession.Listener listener(ChatIo io, boolean verbose) {
        return new ChatSession.Listener() {
            @Override
            public void fed(int[] tokens) {
                if (verbose) {
                    io.notices().println("fed " + tokens.length + " tokens: "
                            + Arrays.stream(tokens).mapToObj(Integer::toString).collect(Collectors.joining(" ")));
                }
            }

            @Override
            public void notice(String message) {
                io.notices().println("[" + message + "]");
            }
        };
    }

    /** Reads messages and commands until /quit or the end of input. */
    static void converse(ChatIo io, ChatSession session) {
        PrintWriter out = io.out();
        String line;
        while ((line = io.readLine("> ")) != null) {
            String message = line.strip();
            if (message.isEmpty()) {
                continue;
            }
            if (message.startsWith("/")) {
                if (!command(message, io, session)) {
                    return;
                }
                continue;
            }
            BooleanSupplier stop = io.answerStarting();
            ChatSession.Reply reply = session.send(line, piece -> {
                out.print(piece);
                out.flush();
            }, stop);
            if (reply.end() != ChatSession.End.REFUSED) {
                out.println();
                out.flush();
            }
            switch (reply.end()) {
                case INTERRUPTED -> io.notices().println("[answer stopped]");
                case MAX_TOKENS -> io.notices().println("[answer cut at " + reply.tokens().length + " tokens (--max-tokens)]");
                default -> {
                }
            }
        }
    }

    /** Runs a chat command; false when the chat should end. */
    private static boolean command(String command, ChatIo io, ChatSession session) {
        switch (command) {
            case "/quit", "/exit" -> {
                return false;
            }
            case "/reset" -> {
                session.reset();
                io.notices().println("[conversation reset; the system prompt stays]");
            }
            case "/stats" -> printStats(io.out(), session.stats(), session.turns());
            case "/help" -> io.out().println(COMMANDS);
            default -> io.notices().println("[unknown command " + command + "; /help lists them]");
        }
        io.out().flush();
        return true;
    }

    static void printStats(PrintWriter out, ChatSession.Stats s, int turns) {
        out.printf("prompt     %7d tokens  %8.1f tokens/s%n", s.promptTokens(), s.promptTokensPerSecond());
        out.printf("generated  %7d tokens  %8.1f tokens/s%n", s.generatedTokens(), s.generatedTokensPerSecond());
        out.printf("context    %7d / %d positions, %d turn%s%n", s.position(), s.contextSize(), turns, turns == 1 ? "" : "s");
        out.printf("attention  %s, kept %.1f%% of visible keys%n", s.backend(), 100 * s.attention().keptFraction());
    }
}
