package dev.shadowattn.gguf.fuzz;

import dev.shadowattn.gguf.tokenizer.SpecialTokens;
import dev.shadowattn.gguf.tokenizer.StreamingDecoder;
import dev.shadowattn.gguf.tokenizer.TokenType;
import dev.shadowattn.gguf.tokenizer.Tokenizer;
import java.util.Arrays;
import java.util.Random;
import java.util.TreeSet;
import java.util.function.UnaryOperator;

/**
 * The robustness contract of a tokenizer on any string:
 * <ul>
 *   <li>{@code encode} never throws, gives ids inside the vocabulary, and {@code encode(s, true)} is BOS followed by
 *       {@code encode(s, false)};</li>
 *   <li>{@code decode(encode(s))} gives back {@code expectedRoundTrip(s)} whenever that is not null (the tokenizer's
 *       documented round trip, e.g. unpaired surrogates become '?');</li>
 *   <li>a {@link StreamingDecoder} fed the same tokens one at a time gives the same text as {@code decode}, also
 *       for arbitrary id sequences;</li>
 *   <li>{@link SpecialTokens#encode} (templated text, special-token texts recognized) never throws either and gives
 *       ids inside the vocabulary;</li>
 *   <li>encoding takes bounded time: at most 250 ms plus 100 us per character (measured again
 *       once when over, so that a cold start or a GC pause does not count) (the fuzz loop's watchdog
 *       catches anything that does not end at all).</li>
 * </ul>
 *
 * @param tokenizer         the tokenizer under test
 * @param expectedRoundTrip what decoding the encoding of a string must give, or null where no round trip is promised
 * @param special           the tokenizer's special tokens
 */
public record TokenizerInvariant(Tokenizer tokenizer, UnaryOperator<String> expectedRoundTrip, SpecialTokens special) {

    public TokenizerInvariant(Tokenizer tokenizer, UnaryOperator<String> expectedRoundTrip) {
        this(tokenizer, expectedRoundTrip, SpecialTokens.of(tokenizer));
    }

    static final long BASE_NANOS = 250_000_000L;
    static final long NANOS_PER_CHAR = 100_000L;

    /** Checks the contract on {@code text}; returns a signature of the outcome (token types used, size class). */
    public String check(String text) {
        long budget = BASE_NANOS + NANOS_PER_CHAR * text.length();
        long t0 = System.nanoTime();
        int[] ids = tokenizer.encode(text, false);
        long nanos = System.nanoTime() - t0;
        if (nanos > budget) {
            // Once more before judging: a first call pays for class loading and compilation, any call for a GC.
            t0 = System.nanoTime();
            tokenizer.encode(text, false);
            nanos = System.nanoTime() - t0;
        }
        require(nanos <= budget, "encoding " + text.length() + " chars took " + nanos / 1_000_000 + " ms, twice");
        int n = tokenizer.vocabularySize();
        TreeSet<TokenType> types = new TreeSet<>();
        for (int id : ids) {
            require(id >= 0 && id < n, "id " + id + " outside the vocabulary");
            types.add(tokenizer.tokenType(id));
        }
        if (tokenizer.bos() >= 0) {
            int[] withBos = tokenizer.encode(text, true);
            require(withBos.length == ids.length + 1 && withBos[0] == tokenizer.bos()
                    && Arrays.equals(withBos, 1, withBos.length, ids, 0, ids.length), "encode with BOS differs");
        }
        String decoded = tokenizer.decode(ids);
        String expected = expectedRoundTrip.apply(text);
        if (expected != null && !expected.equals(decoded)) {
            throw new AssertionError("round trip broken for " + escape(text) + ": decoded " + escape(decoded)
                    + " from " + Arrays.toString(ids));
        }
        requireStreamingEqualsDecode(ids);
        for (int id : special.encode(text, false)) {
            require(id >= 0 && id < n, "special-token encoding gave id " + id + " outside the vocabulary");
        }
        int[] random = new Random(text.hashCode()).ints(1 + text.length() % 32, 0, n).toArray();
        requireStreamingEqualsDecode(random);
        return "types=" + types + ":len=" + (32 - Integer.numberOfLeadingZeros(text.length()))
                + ":roundTrip=" + (expected != null);
    }

    private void requireStreamingEqualsDecode(int[] ids) {
        StreamingDecoder stream = tokenizer.streamingDecoder();
        StringBuilder sb = new StringBuilder();
        for (int id : ids) {
            sb.append(stream.accept(id));
        }
        sb.append(stream.flush());
        String whole = tokenizer.decode(ids);
        if (!whole.contentEquals(sb)) {
            throw new AssertionError("streaming decode " + escape(sb.toString()) + " differs from decode "
                    + escape(whole) + " for " + Arrays.toString(ids));
        }
    }

    /** {@code s} with each unpaired surrogate replaced by {@code replacement}. */
    public static String replaceUnpairedSurrogates(String s, char replacement) {
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                sb.append(c).append(s.charAt(++i));
            } else {
                sb.append(Character.isSurrogate(c) ? replacement : c);
            }
        }
        return sb.toString();
    }

    /** A short, printable rendering of a string for messages. */
    static String escape(String s) {
        StringBuilder sb = new StringBuilder("\"");
        for (int i = 0; i < Math.min(s.length(), 200); i++) {
            char c = s.charAt(i);
            sb.append(c >= 0x20 && c < 0x7f ? String.valueOf(c) : String.format("\\u%04x", (int) c));
        }
        return sb.append(s.length() > 200 ? "\"... (" + s.length() + " chars)" : "\"").toString();
    }

    private static void require(boolean ok, String what) {
        if (!ok) {
            throw new AssertionError("tokenizer invariant broken: " + what);
        }
    }
}
