package dev.shadowattn.gguf.tokenizer;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The priority-queue merge against a naive reference that rescans all adjacent pairs after every merge (the
 * textbook statement of the algorithm: merge the best-scoring pair, leftmost on ties, until none is a piece), on
 * random vocabularies with many equal scores and random texts. Newline and digit are sometimes part of longer
 * pieces and sometimes not, which exercises the segmentation at isolated characters.
 */
class SentencePieceReferenceTest {

    private static final String[] ALPHABET = {"a", "b", "c", "\u2581", "é", "😀", "\n", "1"};

    @Test
    void queueMergeEqualsNaiveRescan() {
        Random random = new Random(20240601);
        int compared = 0;
        for (int round = 0; round < 40; round++) {
            TestVocabulary builder = TestVocabulary.llamaLayout();
            Set<String> pieces = new LinkedHashSet<>();
            for (String ch : ALPHABET) {
                if (random.nextInt(5) > 0) {
                    pieces.add(ch);   // some characters are absent: byte fallback
                }
            }
            while (pieces.size() < 40) {
                pieces.add(randomText(random, 2 + random.nextInt(4)));
            }
            for (String p : pieces) {
                builder.piece(p, -random.nextInt(6));   // few distinct scores: many ties
            }
            Vocabulary vocabulary = builder.build();
            SentencePieceTokenizer tokenizer = new SentencePieceTokenizer(vocabulary, 1, 2, 0, true, false, null);
            for (int i = 0; i < 50; i++) {
                String text = randomText(random, random.nextInt(30));
                assertArrayEquals(reference(vocabulary, text), tokenizer.encode(text), () -> "text " + text);
                compared++;
            }
        }
        assertEquals(2000, compared);
    }

    private static String randomText(Random random, int length) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < length; i++) {
            b.append(ALPHABET[random.nextInt(ALPHABET.length)]);
        }
        return b.toString();
    }

    /** Naive SentencePiece BPE over code points; byte tokens are at {@code 3 + byte} (llama layout). */
    private static int[] reference(Vocabulary vocabulary, String text) {
        Map<String, Integer> ids = new HashMap<>();
        for (int id = 0; id < vocabulary.size(); id++) {
            if (vocabulary.type(id) == TokenType.NORMAL) {
                ids.put(vocabulary.token(id), id);
            }
        }
        List<String> symbols = new ArrayList<>();
        text.codePoints().forEach(cp -> symbols.add(Character.toString(cp)));
        while (true) {
            int best = -1;
            float bestScore = 0;
            for (int i = 0; i + 1 < symbols.size(); i++) {
                Integer id = ids.get(symbols.get(i) + symbols.get(i + 1));
                if (id != null && (best < 0 || vocabulary.score(id) > bestScore)) {
                    best = i;
                    bestScore = vocabulary.score(id);
                }
            }
            if (best < 0) {
                break;
            }
            symbols.set(best, symbols.get(best) + symbols.remove(best + 1));
        }
        List<Integer> out = new ArrayList<>();
        for (String s : symbols) {
            Integer id = ids.get(s);
            if (id != null) {
                out.add(id);
            } else {
                for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
                    out.add(3 + (b & 0xFF));
                }
            }
        }
        return out.stream().mapToInt(Integer::intValue).toArray();
    }
}
