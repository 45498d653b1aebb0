package dev.shadowattn.host.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.function.BooleanSupplier;

/**
 * Chat over plain streams, for scripts and tests: one user message per line of UTF-8 input (a trailing CR is
 * dropped), answers on the output, no prompt and no line editing.
 */
final class PipedChatIo implements ChatIo {

    private final BufferedReader in;
    private final PrintWriter out;
    private final PrintWriter notices;

    PipedChatIo(InputStream in, OutputStream out, OutputStream notices) {
        this.in = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
        this.out = new PrintWriter(new java.io.OutputStreamWriter(out, StandardCharsets.UTF_8), true);
        this.notices = new PrintWriter(new java.io.OutputStreamWriter(notices, StandardCharsets.UTF_8), true);
    }

    @Override
    public String readLine(String prompt) {
        try {
            String line = in.readLine();
            return line != null && line.endsWith("\r") ? line.substring(0, line.length() - 1) : line;
        } catch (IOException e) {
            throw new UncheckedIOException("reading standard input", e);
        }
    }

    @Override
    public PrintWriter out() {
        return out;
    }

    @Override
    public PrintWriter notices() {
        return notices;
    }

    @Override
    public BooleanSupplier answerStarting() {
        return () -> false;
    }

    @Override
    public boolean interactive() {
        return false;
    }

    @Override
    public void close() {
        out.flush();
        notices.flush();
    }
}
