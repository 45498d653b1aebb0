package dev.shadowattn.gguf.tokenizer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Tells in one pass whether a text contains any of a set of strings (the texts of tokens matched verbatim), so
 * that the exact but slower splitting of {@link TextFragments}, one pass per string, runs only on texts that need
 * it. Vocabularies like Qwen2's have hundreds of such tokens ({@code [PAD151646]} ...) that ordinary text never
 * contains. Immutable.
 */
final class VerbatimFilter {

    private final boolean[] isFirstChar = new boolean[Character.MAX_VALUE + 1];
    private final Map<Character, String[]> byFirstChar;

    VerbatimFilter(List<String> texts) {
        Map<Character, List<String>> groups = new HashMap<>();
        for (String t : texts) {
            if (!t.isEmpty()) {
                isFirstChar[t.charAt(0)] = true;
                groups.computeIfAbsent(t.charAt(0), c -> new ArrayList<>()).add(t);
            }
        }
        byFirstChar = new HashMap<>();
        groups.forEach((c, list) -> byFirstChar.put(c, list.toArray(String[]::new)));
    }

    /** Whether {@code text} contains at least one of the strings. */
    boolean anyIn(String text) {
        for (int i = 0, n = text.length(); i < n; i++) {
            char c = text.charAt(i);
            if (isFirstChar[c]) {
                for (String candidate : byFirstChar.get(c)) {
                    if (text.startsWith(candidate, i)) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    @Override
    public String toString() {
        return "VerbatimFilter" + Arrays.toString(byFirstChar.keySet().toArray());
    }
}
