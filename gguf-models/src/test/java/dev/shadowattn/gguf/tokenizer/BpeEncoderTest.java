package dev.shadowattn.gguf.tokenizer;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The queue-based byte-level BPE merge against a naive reference that rescans every adjacent pair after each merge
 * (the textbook statement: apply the lowest-ranked applicable rule, leftmost on ties, until none applies), on random
 * vocabularies whose rules include results that are no token, duplicate rules and rules that can never apply.
 */
class BpeEncoderTest {

    private static final byte[] ALPHABET = "abc \n".getBytes(StandardCharsets.UTF_8);

    @Test
    void byteLevelAlphabet() {
        Set<Character> chars = new HashSet<>();
        for (int b = 0; b < 256; b++) {
            chars.add(ByteLevel.charOf(b));
            assertEquals(b, ByteLevel.byteOf(ByteLevel.charOf(b)));
        }
        assertEquals(256, chars.size());
        assertEquals('Ġ', ByteLevel.charOf(' '));
        assertEquals('Ċ', ByteLevel.charOf('\n'));
        assertEquals('a', ByteLevel.charOf('a'));
        assertEquals(-1, ByteLevel.byteOf('中'));
        byte[] all = new byte[256];
        for (int b = 0; b < 256; b++) {
            all[b] = (byte) b;
        }
        assertArrayEquals(all, ByteLevel.decode(ByteLevel.encode(all, 0, 256)));
    }

    @Test
    void queueMergeEqualsNaiveRescan() {
        Random random = new Random(7);
        int compared = 0;
        for (int round = 0; round < 60; round++) {
            List<String> tokens = new ArrayList<>();
            for (int b = 0; b < 256; b++) {
                tokens.add(String.valueOf(ByteLevel.charOf(b)));
            }
            List<String> symbols = new ArrayList<>();
            for (byte b : ALPHABET) {
                symbols.add(String.valueOf(ByteLevel.charOf(b & 0xFF)));
            }
            List<String> merges = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                String left = symbols.get(random.nextInt(symbols.size()));
                String right = random.nextInt(10) == 0 ? "zz" : symbols.get(random.nextInt(symbols.size()));
                merges.add(left + " " + right);   // "zz" is never a symbol: the rule never applies
                String result = left + right;
                if (!symbols.contains(result)) {
                    symbols.add(result);
                    if (random.nextInt(4) > 0) {
                        tokens.add(result);        // otherwise the result is a symbol but no token
                    }
                }
                if (random.nextInt(8) == 0) {
                    merges.add(merges.get(random.nextInt(merges.size())));   // duplicate rule, higher rank
                }
            }
            BpeModel model = new BpeModel(tokens, merges);
            boolean ignoreMerges = round % 2 == 1;
            BpeEncoder encoder = new BpeEncoder(model, ignoreMerges);
            // Words from a small pool so that they repeat: the word cache of half the sessions serves them.
            byte[][] pool = new byte[15][];
            for (int i = 0; i < pool.length; i++) {
                pool[i] = new byte[1 + random.nextInt(i < 12 ? 12 : 40)];
                for (int j = 0; j < pool[i].length; j++) {
                    pool[i][j] = ALPHABET[random.nextInt(ALPHABET.length)];
                }
            }
            BpeEncoder.Session session = new BpeEncoder.Session(4, round % 4 >= 2);
            List<Integer> expected = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                byte[] word = pool[random.nextInt(pool.length)];
                encoder.encodeWord(word, 0, word.length, session);
                for (int t : reference(tokens, merges, word, ignoreMerges)) {
                    expected.add(t);
                }
                compared++;
            }
            assertArrayEquals(expected.stream().mapToInt(Integer::intValue).toArray(), session.tokens(),
                    () -> "merges " + merges);
        }
        assertEquals(2400, compared);
    }

    @Test
    void wordAtAnOffsetAndTokensAccumulate() {
        List<String> tokens = new ArrayList<>();
        for (int b = 0; b < 256; b++) {
            tokens.add(String.valueOf(ByteLevel.charOf(b)));
        }
        int ab = tokens.size();
        tokens.add("ab");
        BpeEncoder encoder = new BpeEncoder(new BpeModel(tokens, List.of("a b")), false);
        BpeEncoder.Session session = new BpeEncoder.Session(1, false);
        byte[] bytes = "xabab".getBytes(StandardCharsets.UTF_8);
        encoder.encodeWord(bytes, 1, 4, session);
        encoder.encodeWord(bytes, 0, 1, session);
        assertArrayEquals(new int[] {ab, ab, 'x'}, session.tokens());
    }

    @Test
    void malformedRulesAndMissingBytesAreNamed() {
        List<String> tokens = new ArrayList<>();
        for (int b = 0; b < 256; b++) {
            tokens.add(String.valueOf(ByteLevel.charOf(b)));
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new BpeModel(tokens, List.of("a b", "ab")));
        assertTrue(e.getMessage().contains("merge 1") && e.getMessage().contains("'ab'"), e.getMessage());
        List<String> missing = new ArrayList<>(tokens);
        missing.set(0x41, "A-");
        e = assertThrows(IllegalArgumentException.class, () -> new BpeModel(missing, List.of()));
        assertTrue(e.getMessage().contains("0x41"), e.getMessage());
    }

    /** Naive BPE over texts in the byte-level alphabet; ids by text, the last of equal texts winning. */
    private static int[] reference(List<String> tokens, List<String> merges, byte[] word, boolean ignoreMerges) {
        Map<String, Integer> ids = new HashMap<>();
        for (int id = 0; id < tokens.size(); id++) {
            ids.put(tokens.get(id), id);
        }
        Map<String, Integer> ranks = new HashMap<>();
        for (int r = 0; r < merges.size(); r++) {
            ranks.putIfAbsent(merges.get(r), r);
        }
        String whole = ByteLevel.encode(word, 0, word.length);
        if (ignoreMerges && ids.containsKey(whole)) {
            return new int[] {ids.get(whole)};
        }
        List<String> symbols = new ArrayList<>();
        for (char c : whole.toCharArray()) {
            symbols.add(String.valueOf(c));
        }
        while (true) {
            int best = -1;
            int bestRank = Integer.MAX_VALUE;
            for (int i = 0; i + 1 < symbols.size(); i++) {
                Integer rank = ranks.get(symbols.get(i) + " " + symbols.get(i + 1));
                if (rank != null && rank < bestRank) {
                    best = i;
                    bestRank = rank;
                }
            }
            if (best < 0) {
                break;
            }
            symbols.set(best, symbols.get(best) + symbols.remove(best + 1));
        }
        List<Integer> out = new ArrayList<>();
        for (String s : symbols) {
            if (ids.containsKey(s)) {
                out.add(ids.get(s));
            } else {
                for (char c : s.toCharArray()) {
                    out.add(ids.get(String.valueOf(c)));
                }
            }
        }
        return out.stream().mapToInt(Integer::intValue).toArray();
    }
}
