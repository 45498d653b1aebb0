package dev.shadowattn.host.cli;

import org.jline.reader.EndOfFileException;
import org.jline.reader.LineReader;
import org.jline.reader.LineReaderBuilder;
import org.jline.reader.UserInterruptException;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;

/**
 * Chat on the user's terminal through JLine: line editing, history (kept in {@code ~/.shadowattn_history}), and
 * Ctrl-C: while a line is read it abandons the line; while an answer is generated, JLine's terminal signal
 * handler sets a flag that stops the answer, not the program. Ctrl-D at an empty prompt ends the chat.
 */
final class TerminalChatIo implements ChatIo {

    private final Terminal terminal;
    private final LineReader reader;
    private final AtomicBoolean stop = new AtomicBoolean();

    private TerminalChatIo(Terminal terminal, LineReader reader) {
        this.terminal = terminal;
        this.reader = reader;
        terminal.handle(Terminal.Signal.INT, signal -> stop.set(true));
    }

    /** Opens the system terminal; IOException when there is none usable. */
    static TerminalChatIo open() {
        try {
            Terminal terminal = TerminalBuilder.builder().system(true).name("shadowattn").build();
            LineReader reader = LineReaderBuilder.builder().terminal(terminal).appName("shadowattn")
                    .variable(LineReader.HISTORY_FILE, Path.of(System.getProperty("user.home"), ".shadowattn_history"))
                    .build();
            return new TerminalChatIo(terminal, reader);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the terminal", e);
        }
    }

    @Override
    public String readLine(String prompt) {
        while (true) {
            try {
                return reader.readLine(prompt);
            } catch (UserInterruptException e) {
                // Ctrl-C while typing: drop the line, ask again.
            } catch (EndOfFileException e) {
                return null;
            }
        }
    }

    @Override
    public PrintWriter out() {
        return terminal.writer();
    }

    @Override
    public PrintWriter notices() {
        return terminal.writer();
    }

    @Override
    public BooleanSupplier answerStarting() {
        stop.set(false);
        return stop::get;
    }

    @Override
    public boolean interactive() {
        return true;
    }

    /** Saves the history (best effort: an unwritable home directory costs the history, not the chat). */
    @Override
    public void close() {
        try {
            reader.getHistory().save();
        } catch (IOException e) {
            terminal.writer().println("[history not saved: " + e.getMessage() + "]");
        }
        try {
            terminal.close();
        } catch (IOException e) {
            throw new UncheckedIOException("closing the terminal", e);
        }
    }
}
