package dev.shadowattn.gguf.fuzz;

import java.util.List;
import java.util.Random;

/**
 * Random strings that stress tokenizers: words, punctuation, every plane of Unicode, combining marks, control
 * characters, unpaired and reversed surrogates, runs of whitespace of every kind, long repeated characters, and the
 * texts of special tokens. {@link #mutate} edits strings of the pool (inserts, deletes, splices, repeats).
 */
public final class UnicodeStrings {

    private static final String[] WORDS = {"the", "The", " world", "Hello", "don't", "I'm", "3.14", "1234567",
            "caf\u00e9", "na\u00efve", "\u65e5\u672c\u8a9e", "\u0928\u092e\u0938\u094d\u0924\u0947",
            "\u0645\u0631\u062d\u0628\u0627",
            "\ud83e\udd99", "\ud83d\udc68\u200d\ud83d\udc69\u200d\ud83d\udc67", "\u00c5\u030a", "http://x.y/z?a=1",
            "<s>", "</s>", "<unk>", "<0x41>", "<|user|>", "<|im_start|>", "<|endoftext|>", "\u2581", "\u2581the",
            "'s", "'ll", "```", "\r\n", "\u00a0", "\ufeff", "\ufffd", "\u0000", "\uffff"};
    private static final char[] SPACES = {' ', '\t', '\n', '\r', '\u000b', '\u000c', '\u00a0', '\u1680', '\u2000',
            '\u2009', '\u200b', '\u2028', '\u2029', '\u3000', '\u0085', '\u180e'};

    private final int maxLength;

    /** @param maxLength the longest string made (before mutation of long pool strings) */
    public UnicodeStrings(int maxLength) {
        this.maxLength = maxLength;
    }

    /** A new random string, or (one time in two, when the pool is not empty) a mutation of a pool string. */
    public String next(Random r, List<String> pool) {
        if (!pool.isEmpty() && r.nextBoolean()) {
            return mutate(pool.get(r.nextInt(pool.size())), pool.get(r.nextInt(pool.size())), r);
        }
        StringBuilder sb = new StringBuilder();
        int segments = 1 + r.nextInt(12);
        for (int i = 0; i < segments && sb.length() < maxLength; i++) {
            segment(sb, r);
        }
        return sb.length() > maxLength ? sb.substring(0, maxLength) : sb.toString();
    }

    private void segment(StringBuilder sb, Random r) {
        switch (r.nextInt(12)) {
            case 0, 1 -> sb.append(WORDS[r.nextInt(WORDS.length)]);
            case 2 -> {
                for (int n = 1 + r.nextInt(20); n > 0; n--) {
                    sb.append((char) (0x20 + r.nextInt(0x5f)));
                }
            }
            case 3 -> {                                    // any BMP code unit, surrogates included
                for (int n = 1 + r.nextInt(10); n > 0; n--) {
                    sb.append((char) r.nextInt(0x10000));
                }
            }
            case 4 -> {                                    // supplementary planes
                for (int n = 1 + r.nextInt(6); n > 0; n--) {
                    sb.appendCodePoint(0x10000 + r.nextInt(0x100000));
                }
            }
            case 5 -> {                                    // unpaired, reversed and doubled surrogates
                switch (r.nextInt(4)) {
                    case 0 -> sb.append((char) (0xd800 + r.nextInt(0x400)));
                    case 1 -> sb.append((char) (0xdc00 + r.nextInt(0x400)));
                    case 2 -> sb.append((char) (0xdc00 + r.nextInt(0x400))).append((char) (0xd800 + r.nextInt(0x400)));
                    default -> sb.append((char) (0xd800 + r.nextInt(0x400))).append((char) (0xd800 + r.nextInt(0x400)));
                }
            }
            case 6 -> {                                    // C0/C1 controls and DEL
                for (int n = 1 + r.nextInt(5); n > 0; n--) {
                    int c = r.nextInt(3);
                    sb.append((char) (c == 0 ? r.nextInt(0x20) : c == 1 ? 0x7f : 0x80 + r.nextInt(0x20)));
                }
            }
            case 7 -> {                                    // a whitespace run, sometimes huge
                char c = SPACES[r.nextInt(SPACES.length)];
                sb.repeat(c, runLength(r));
            }
            case 8 -> {                                    // a long repeated character or word
                String unit = r.nextBoolean() ? String.valueOf((char) (0x21 + r.nextInt(0x5e)))
                        : WORDS[r.nextInt(WORDS.length)];
                sb.repeat(unit, Math.max(1, runLength(r) / unit.length()));
            }
            case 9 -> {                                    // combining marks piled on a base
                sb.append((char) ('a' + r.nextInt(26)));
                for (int n = 1 + r.nextInt(30); n > 0; n--) {
                    sb.append((char) (0x300 + r.nextInt(0x70)));
                }
            }
            case 10 -> {                                   // mixed whitespace
                for (int n = 1 + r.nextInt(30); n > 0; n--) {
                    sb.append(SPACES[r.nextInt(SPACES.length)]);
                }
            }
            default -> sb.append(r.nextInt()).append(r.nextBoolean() ? ' ' : '.');
        }
    }

    /** Mostly short, sometimes up to the maximum length. */
    private int runLength(Random r) {
        return switch (r.nextInt(4)) {
            case 0 -> 1 + r.nextInt(4);
            case 1 -> 1 + r.nextInt(64);
            case 2 -> 1 + r.nextInt(1024);
            default -> 1 + r.nextInt(maxLength);
        };
    }

    /** An edit of {@code s}: insert a segment, delete a range, splice with {@code other}, or repeat a range. */
    public String mutate(String s, String other, Random r) {
        if (s.isEmpty()) {
            return other;
        }
        int at = r.nextInt(s.length() + 1);
        String result = switch (r.nextInt(4)) {
            case 0 -> {
                StringBuilder sb = new StringBuilder();
                segment(sb, r);
                yield s.substring(0, at) + sb + s.substring(at);
            }
            case 1 -> s.substring(0, at) + s.substring(Math.min(s.length(), at + 1 + r.nextInt(16)));
            case 2 -> s.substring(0, at) + other.substring(r.nextInt(other.length() + 1));
            default -> {
                int end = Math.min(s.length(), at + 1 + r.nextInt(8));
                yield s.substring(0, at) + s.substring(at, end).repeat(1 + r.nextInt(50)) + s.substring(at);
            }
        };
        return result.length() > maxLength ? result.substring(0, maxLength) : result;
    }

    /** Whether {@code s} is well-formed UTF-16: every surrogate is part of a pair. */
    public static boolean isWellFormed(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                return false;
            }
        }
        return true;
    }
}
