package dev.shadowattn.gguf.tokenizer;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.IntStream;

/**
 * Splits text around occurrences of tokens that are matched verbatim before segmentation (user-defined tokens),
 * as llama.cpp's {@code tokenizer_st_partition}: tokens are tried longest text first, and each one splits every
 * text fragment left to right at its non-overlapping occurrences. Immutable.
 */
final class TextFragments {

    /**
     * A slice {@code [start, end)} of the input: plain text when {@code token < 0}, otherwise the verbatim token
     * {@code token} whose text occupies the slice.
     */
    record Fragment(int token, int start, int end) {

        boolean isText() {
            return token < 0;
        }
    }

    private final int[] ids;        // verbatim tokens, longest text first
    private final String[] texts;

    /** @param ids the tokens of {@code vocabulary} to match verbatim; empty texts are ignored */
    TextFragments(Vocabulary vocabulary, int[] ids) {
        this.ids = IntStream.of(ids)
                .filter(id -> !vocabulary.token(id).isEmpty())
                .boxed()
                .sorted(Comparator.comparingInt((Integer id) -> -vocabulary.token(id).length())
                        .thenComparingInt(id -> id))
                .mapToInt(Integer::intValue)
                .toArray();
        this.texts = IntStream.of(this.ids).mapToObj(vocabulary::token).toArray(String[]::new);
    }

    /** The fragments of a non-empty {@code text}, in order, covering it exactly. */
    List<Fragment> split(String text) {
        List<Fragment> fragments = new ArrayList<>();
        fragments.add(new Fragment(-1, 0, text.length()));
        for (int t = 0; t < ids.length; t++) {
            String needle = texts[t];
            List<Fragment> result = new ArrayList<>(fragments.size());
            for (Fragment f : fragments) {
                if (!f.isText()) {
                    result.add(f);
                    continue;
                }
                int from = f.start();
                int at;
                while ((at = text.indexOf(needle, from, f.end())) >= 0) {
                    if (at > from) {
                        result.add(new Fragment(-1, from, at));
                    }
                    result.add(new Fragment(ids[t], at, at + needle.length()));
                    from = at + needle.length();
                }
                if (from < f.end()) {
                    result.add(new Fragment(-1, from, f.end()));
                }
            }
            fragments = result;
        }
        return fragments;
    }
}
