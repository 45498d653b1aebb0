package dev.shadowattn.host.cli;

import dev.shadowattn.api.AttentionProvider;
import dev.shadowattn.api.ContextOverflowException;
import dev.shadowattn.host.backend.AttentionBackends;

import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.util.Arrays;

/**
 * The command-line entry point: {@code shadowattn COMMAND [options]}.
 * User errors (bad flags, bad files) print one line and exit with 2; nothing prints a stack trace unless
 * {@code -Dshadowattn.debug=true}.
 */
public final class Main {

    private Main() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    static final String USAGE = """
            usage: shadowattn COMMAND [options]     (COMMAND --help for its options)

            commands:
              generate     continue a prompt, streaming tokens
              chat         converse with the model (line editing on a terminal, one message per line when piped)
              perplexity   llama.cpp-style perplexity of a text file
              bench        prompt and generation tokens/s (llama-bench style)
              compare      dense vs shadowattn (or any configurations) across context lengths: table, CSV, JSON, SVG
              backends     list the attention backends found on the class path
              calibrate    per-head keep ratios and INT8 scales for the shadowattn backend (a model profile)
              recall       perplexity with a sparse backend's kept fraction and top-k recall
            """;

    public static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length == 0 || args[0].equals("--help") || args[0].equals("-h") || args[0].equals("help")) {
            out.print(USAGE);
            return args.length == 0 ? 2 : 0;
        }
        String[] rest = Arrays.copyOfRange(args, 1, args.length);
        try {
            return switch (args[0]) {
                case "generate" -> GenerateCommand.run(rest, out, err);
                case "chat" -> ChatCommand.run(rest, System.in, out, err);
                case "perplexity" -> PerplexityCommand.run(rest, out, err);
                case "bench" -> BenchCommand.run(rest, out, err);
                case "compare" -> CompareCommand.run(rest, out, err);
                case "backends" -> listBackends(out);
                case "calibrate" -> CalibrateCommand.run(rest, out, err);
                case "recall" -> RecallCommand.run(rest, out, err);
                default -> {
                    err.println("error: unknown command '" + args[0] + "'\n");
                    err.print(USAGE);
                    yield 2;
                }
            };
        } catch (CliArgs.UsageException e) {
            err.println("error: " + e.getMessage());
            return 2;
        } catch (IllegalArgumentException | IllegalStateException | UnsupportedOperationException | UncheckedIOException e) {
            err.println("error: " + e.getMessage());
            if (Boolean.getBoolean("shadowattn.debug")) {
                e.printStackTrace(err);
            }
            return e instanceof ContextOverflowException ? 3 : 1;
        } catch (java.io.IOException e) {
            err.println("error: " + e);
            return 1;
        } catch (RuntimeException e) {
            err.println("error: " + e);
            if (Boolean.getBoolean("shadowattn.debug")) {
                e.printStackTrace(err);
            }
            return 1;
        }
    }

    private static int listBackends(PrintStream out) {
        AttentionBackends backends = AttentionBackends.discover();
        for (AttentionProvider p : backends.all()) {
            out.printf("%-12s priority %3d  %-13s %s%n", p.name(), p.priority(),
                    p.isAvailable() ? "available" : "unavailable", p.description());
        }
        return 0;
    }
}
