package dev.shadowattn.host.cli;

import java.io.PrintWriter;
import java.util.function.BooleanSupplier;

/**
 * Where the {@code chat} command reads user lines and writes answers: a terminal with line editing
 * ({@link TerminalChatIo}) or plain streams ({@link PipedChatIo}).
 */
interface ChatIo extends AutoCloseable {

    /** The next line of user input, without its line break; null at the end of input. */
    String readLine(String prompt);

    /** Where answers and command output go. */
    PrintWriter out();

    /** Where notices go (status, dropped turns, errors). */
    PrintWriter notices();

    /**
     * Called when an answer starts: the returned flag turns true when the user asks to stop it (Ctrl-C on a
     * terminal; never for piped input, where Ctrl-C ends the process).
     */
    BooleanSupplier answerStarting();

    /** Whether prompts and banners are shown (a terminal), as opposed to plain output for scripts. */
    boolean interactive();

    @Override
    void close();
}
