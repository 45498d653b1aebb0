package dev.shadowattn.gguf.tokenizer;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes metadata-only GGUF v3 files (GGUF spec, ggml docs/gguf.md: header, key-value pairs, no tensors) with the
 * value types tokenizer metadata uses, for tokenizer-loading tests.
 */
final class MetadataGgufWriter {

    // GGUF value type ids (gguf_type).
    private static final int UINT32 = 4;
    private static final int INT32 = 5;
    private static final int FLOAT32 = 6;
    private static final int BOOL = 7;
    private static final int STRING = 8;
    private static final int ARRAY = 9;

    private final ByteArrayOutputStream kvs = new ByteArrayOutputStream();
    private int count;

    MetadataGgufWriter string(String key, String value) {
        key(key, STRING);
        str(kvs, value);
        return this;
    }

    MetadataGgufWriter uint32(String key, int value) {
        key(key, UINT32);
        u32(kvs, value);
        return this;
    }

    MetadataGgufWriter bool(String key, boolean value) {
        key(key, BOOL);
        kvs.write(value ? 1 : 0);
        return this;
    }

    MetadataGgufWriter strings(String key, List<String> values) {
        key(key, ARRAY);
        u32(kvs, STRING);
        u64(kvs, values.size());
        values.forEach(v -> str(kvs, v));
        return this;
    }

    MetadataGgufWriter floats(String key, float[] values) {
        key(key, ARRAY);
        u32(kvs, FLOAT32);
        u64(kvs, values.length);
        for (float v : values) {
            u32(kvs, Float.floatToRawIntBits(v));
        }
        return this;
    }

    MetadataGgufWriter ints(String key, int[] values) {
        key(key, ARRAY);
        u32(kvs, INT32);
        u64(kvs, values.length);
        for (int v : values) {
            u32(kvs, v);
        }
        return this;
    }

    /** The vocabulary's tokens, scores and types under the standard keys, and model {@code llama}. */
    MetadataGgufWriter vocabulary(Vocabulary v) {
        List<String> tokens = new ArrayList<>();
        float[] scores = new float[v.size()];
        int[] types = new int[v.size()];
        for (int id = 0; id < v.size(); id++) {
            tokens.add(v.token(id));
            scores[id] = v.score(id);
            types[id] = v.type(id).code();
        }
        return string(Tokenizer.KEY_MODEL, "llama")
                .strings(Vocabulary.KEY_TOKENS, tokens)
                .floats(Vocabulary.KEY_SCORES, scores)
                .ints(Vocabulary.KEY_TOKEN_TYPE, types);
    }

    Path writeTo(Path file) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes("GGUF".getBytes(StandardCharsets.US_ASCII));
        u32(out, 3);          // version
        u64(out, 0);          // tensor count
        u64(out, count);      // metadata kv count
        out.writeBytes(kvs.toByteArray());
        try {
            return Files.write(file, out.toByteArray());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void key(String key, int type) {
        str(kvs, key);
        u32(kvs, type);
        count++;
    }

    private static void str(ByteArrayOutputStream out, String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        u64(out, b.length);
        out.writeBytes(b);
    }

    private static void u32(ByteArrayOutputStream out, int v) {
        for (int i = 0; i < 4; i++) {
            out.write(v >>> (8 * i));
        }
    }

    private static void u64(ByteArrayOutputStream out, long v) {
        u32(out, (int) v);
        u32(out, (int) (v >>> 32));
    }
}
