package dev.shadowattn.gguf.tokenizer;

import dev.shadowattn.gguf.GgufFile;
import dev.shadowattn.gguf.GgufFormatException;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link BpeTokenizer#fromGguf} on hand-written metadata: defaults, token kinds, and errors naming file and key. */
class BpeTokenizerLoadingTest {

    static final int AB = 256;
    static final int CONTROL = 257;
    static final int USER = 258;

    @TempDir
    Path dir;

    private Tokenizer load(Path file) {
        try (GgufFile gguf = GgufFile.open(file)) {
            return Tokenizer.fromGguf(gguf.metadata(), file);
        }
    }

    /** Byte tokens 0..255 (id = byte), then "ab", a control and a user-defined token; one merge "a b". */
    private Path write(String name, Function<MetadataGgufWriter, MetadataGgufWriter> extra) {
        List<String> tokens = new ArrayList<>();
        int[] types = new int[259];
        for (int b = 0; b < 256; b++) {
            tokens.add(String.valueOf(ByteLevel.charOf(b)));
            types[b] = TokenType.NORMAL.code();
        }
        tokens.addAll(List.of("ab", "<|ctl|>", "<u>"));
        types[AB] = TokenType.NORMAL.code();
        types[CONTROL] = TokenType.CONTROL.code();
        types[USER] = TokenType.USER_DEFINED.code();
        MetadataGgufWriter w = new MetadataGgufWriter().string(Tokenizer.KEY_MODEL, "gpt2")
                .strings(Vocabulary.KEY_TOKENS, tokens)
                .ints(Vocabulary.KEY_TOKEN_TYPE, types);
        return extra.apply(w).writeTo(dir.resolve(name));
    }

    @Test
    void loadsWithPreTokenizerDefaults() {
        Tokenizer llama = load(write("l.gguf", w -> w.string(BpeTokenizer.KEY_PRE, "llama-bpe")
                .strings(BpeTokenizer.KEY_MERGES, List.of("a b")).uint32(BpeTokenizer.KEY_BOS, CONTROL)));
        assertInstanceOf(BpeTokenizer.class, llama);
        assertTrue(llama.addBosToken());
        assertEquals(CONTROL, llama.bos());
        assertEquals(-1, llama.eos());
        assertArrayEquals(new int[] {CONTROL, AB, ' ', AB, USER, 'b'}, llama.encode("ab ab<u>b", true));
        assertEquals("ab ab<u>b", llama.decode(llama.encode("ab ab<u>b", true)), "the control token decodes to nothing");
        assertTrue(llama.isSpecial(CONTROL) && !llama.isSpecial(USER) && !llama.isSpecial(AB));

        Tokenizer qwen = load(write("q.gguf", w -> w.string(BpeTokenizer.KEY_PRE, "qwen2")
                .strings(BpeTokenizer.KEY_MERGES, List.of("a b")).uint32(BpeTokenizer.KEY_BOS, CONTROL)
                .uint32(BpeTokenizer.KEY_EOS, CONTROL)));
        assertFalse(qwen.addBosToken());
        assertEquals(CONTROL, qwen.eos());

        Tokenizer explicit = load(write("e.gguf", w -> w.string(BpeTokenizer.KEY_PRE, "qwen2")
                .strings(BpeTokenizer.KEY_MERGES, List.of()).uint32(BpeTokenizer.KEY_BOS, CONTROL)
                .bool(BpeTokenizer.KEY_ADD_BOS, true)));
        assertTrue(explicit.addBosToken());
        assertArrayEquals(new int[] {'a', 'b'}, explicit.encode("ab"), "no merges: bytes");

        Tokenizer noBos = load(write("n.gguf", w -> w.string(BpeTokenizer.KEY_PRE, "llama-bpe")
                .strings(BpeTokenizer.KEY_MERGES, List.of())));
        assertFalse(noBos.addBosToken(), "no BOS token: none is added");
        assertThrows(IllegalStateException.class, () -> noBos.encode("a", true));
    }

    @Test
    void missingOrUnknownPreTokenizerFails() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> load(write("nopre.gguf", w -> w.strings(BpeTokenizer.KEY_MERGES, List.of()))));
        assertTrue(e.getMessage().contains("nopre.gguf") && e.getMessage().contains(BpeTokenizer.KEY_PRE)
                && e.getMessage().contains("'gpt2'"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> load(write("olmo.gguf",
                w -> w.string(BpeTokenizer.KEY_PRE, "olmo").strings(BpeTokenizer.KEY_MERGES, List.of()))));
        assertTrue(e.getMessage().contains("olmo.gguf") && e.getMessage().contains("'olmo'")
                && e.getMessage().contains("'qwen2'"), e.getMessage());
    }

    @Test
    void malformedMetadataNamesFileAndKey() {
        GgufFormatException e = assertThrows(GgufFormatException.class,
                () -> load(write("nomerges.gguf", w -> w.string(BpeTokenizer.KEY_PRE, "qwen2"))));
        assertTrue(e.getMessage().contains("nomerges.gguf") && e.getMessage().contains(BpeTokenizer.KEY_MERGES), e.getMessage());

        e = assertThrows(GgufFormatException.class, () -> load(write("badmerge.gguf", w -> w.string(BpeTokenizer.KEY_PRE, "qwen2")
                .strings(BpeTokenizer.KEY_MERGES, List.of("a b", "ab")))));
        assertTrue(e.getMessage().contains("badmerge.gguf") && e.getMessage().contains("merge 1"), e.getMessage());

        e = assertThrows(GgufFormatException.class, () -> load(write("badbos.gguf", w -> w.string(BpeTokenizer.KEY_PRE, "qwen2")
                .strings(BpeTokenizer.KEY_MERGES, List.of()).uint32(BpeTokenizer.KEY_BOS, 5000))));
        assertTrue(e.getMessage().contains("badbos.gguf") && e.getMessage().contains(BpeTokenizer.KEY_BOS), e.getMessage());
    }
}
