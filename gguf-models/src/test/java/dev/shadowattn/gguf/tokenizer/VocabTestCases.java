package dev.shadowattn.gguf.tokenizer;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * The test vectors of llama.cpp's {@code test-tokenizer-0} ({@code ggml-vocab-NAME.gguf.inp/.out}), read the way
 * that program reads them: the {@code .inp} file is cut at every {@code "\n__ggml_vocab_test__\n"}, so each input
 * is the raw text between separators (its own newlines kept, except the one that begins the separator); each line
 * of {@code .out} holds the expected ids of one input, space-separated, without BOS.
 */
record VocabTestCases(List<Case> cases) {

    static final String SEPARATOR = "\n__ggml_vocab_test__\n";
    static final String RESOURCE_DIR = "/vocab/";

    record Case(int index, String input, int[] expected) {
        @Override
        public String toString() {
            return "#" + index + " " + visible(input);
        }
    }

    /** Reads {@code /vocab/NAME.inp} and {@code /vocab/NAME.out} from the test class path. */
    static VocabTestCases load(String name) {
        String inp = resourceText(name + ".inp");
        String[] outLines = resourceText(name + ".out").split("\n", -1);
        List<String> inputs = new ArrayList<>();
        int pos = 0;
        while (pos < inp.length()) {
            int next = inp.indexOf(SEPARATOR, pos);
            if (next < 0) {
                inputs.add(inp.substring(pos));
                break;
            }
            inputs.add(inp.substring(pos, next));
            pos = next + SEPARATOR.length();
        }
        // .out ends with a newline: one line per input plus an empty remainder.
        int lines = outLines.length > 0 && outLines[outLines.length - 1].isEmpty() ? outLines.length - 1 : outLines.length;
        if (lines != inputs.size()) {
            throw new IllegalStateException(name + ": " + inputs.size() + " inputs but " + lines + " output lines");
        }
        List<Case> cases = new ArrayList<>();
        for (int i = 0; i < inputs.size(); i++) {
            String line = outLines[i].strip();
            int[] ids = line.isEmpty() ? new int[0] : Arrays.stream(line.split(" ")).mapToInt(Integer::parseInt).toArray();
            cases.add(new Case(i, inputs.get(i), ids));
        }
        return new VocabTestCases(List.copyOf(cases));
    }

    /** The test-class-path file {@code /vocab/NAME} as a path (resources are plain files under Maven). */
    static Path resourcePath(String name) {
        try {
            return Path.of(Objects.requireNonNull(VocabTestCases.class.getResource(RESOURCE_DIR + name),
                    "missing test resource " + RESOURCE_DIR + name).toURI());
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String resourceText(String name) {
        try (InputStream in = VocabTestCases.class.getResourceAsStream(RESOURCE_DIR + name)) {
            if (in == null) {
                throw new IllegalStateException("missing test resource " + RESOURCE_DIR + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code s} with control characters escaped, for test names. */
    static String visible(String s) {
        StringBuilder b = new StringBuilder("'");
        s.codePoints().forEach(cp -> {
            switch (cp) {
                case '\n' -> b.append("\\n");
                case '\t' -> b.append("\\t");
                case '\r' -> b.append("\\r");
                default -> b.appendCodePoint(cp);
            }
        });
        return b.append('\'').toString();
    }
}
