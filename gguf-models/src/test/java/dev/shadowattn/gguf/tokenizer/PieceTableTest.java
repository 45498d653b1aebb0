package dev.shadowattn.gguf.tokenizer;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class PieceTableTest {

    @Test
    void findsIncludedTokensByByteRange() {
        List<String> tokens = new ArrayList<>();
        for (int i = 0; i < 3000; i++) {
            tokens.add("t" + Integer.toString(i, 7) + (i % 3 == 0 ? "\u2581é" : ""));
        }
        tokens.add("");
        TokenType[] types = new TokenType[tokens.size()];
        java.util.Arrays.fill(types, TokenType.NORMAL);
        types[5] = TokenType.CONTROL;
        Vocabulary v = new Vocabulary(tokens, new float[tokens.size()], types);
        PieceTable table = new PieceTable(v, id -> v.type(id).isText());

        for (int id = 0; id < tokens.size(); id++) {
            byte[] text = ("xx" + tokens.get(id) + "yy").getBytes(StandardCharsets.UTF_8);
            int length = tokens.get(id).getBytes(StandardCharsets.UTF_8).length;
            assertEquals(id == 5 ? -1 : id, table.find(text, 2, length), "token " + id);
        }
        byte[] absent = "t9".getBytes(StandardCharsets.UTF_8);
        assertEquals(-1, table.find(absent, 0, absent.length));
        byte[] prefix = "t1".getBytes(StandardCharsets.UTF_8);
        assertEquals(1, table.find(prefix, 0, 2));
        assertEquals(-1, table.find(prefix, 0, 1));
        assertEquals("t11523\u2581é".getBytes(StandardCharsets.UTF_8).length, table.maxLength());
    }
}
