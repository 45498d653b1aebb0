package dev.shadowattn.gguf.fuzz;

import dev.shadowattn.gguf.GgufFile;
import dev.shadowattn.gguf.GgufFormatException;
import dev.shadowattn.gguf.GgufMetadata;
import dev.shadowattn.gguf.GgufTensor;
import dev.shadowattn.gguf.model.Model;
import dev.shadowattn.gguf.model.ModelConfig;
import dev.shadowattn.gguf.tokenizer.Tokenizer;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Supplier;

/**
 * The robustness contract of the GGUF reader, and of what is built on it, for any file:
 * <ul>
 *   <li>{@link GgufFile#open} either succeeds or throws {@link GgufFormatException} (or {@link UncheckedIOException}
 *       for I/O) whose message starts with the file name;</li>
 *   <li>on success every metadata value can be read through every typed accessor (each returns or throws
 *       GgufFormatException), {@link GgufFile#describe()} works, and every tensor's bytes lie in the file, have the
 *       size its type and shape need, and can all be read; after close they cannot (IllegalStateException);</li>
 *   <li>a file with a tokenizer gives a working {@link Tokenizer} or GgufFormatException/IllegalArgumentException;
 *       a file with a model gives a {@link Model} or one of those two.</li>
 * </ul>
 * Anything else (another exception, a failed assertion) escapes {@link #check} and is a fuzz finding.
 */
public final class GgufInvariant {

    private static final List<String> SAMPLE_TEXTS = List.of("Hello world", "  two  spaces ", "\u65e5\u672c\u8a9e",
            "\ud800 lone surrogate", "<s> not control </s>", "\u2581\u2581", "\t\n\u0000");

    private GgufInvariant() {
    }

    /** Checks the contract on {@code file}; returns a signature of the outcome (what was rejected, or "ok"). */
    public static String check(Path file) {
        GgufFile f;
        try {
            f = GgufFile.open(file);
        } catch (GgufFormatException e) {
            require(e.getMessage().startsWith(file + ": "), "message does not start with the file: " + e.getMessage());
            require(e.file().equals(file), "exception names file " + e.file());
            return "format:" + normalize(withoutName(e.field())) + ":" + normalize(e.detail());
        } catch (UncheckedIOException e) {
            return "io:" + e.getCause().getClass().getSimpleName();
        }
        String tokenizer;
        String model;
        try (f) {
            exerciseMetadata(f.metadata());
            exerciseTensors(f);
            require(!f.describe().isEmpty(), "empty describe()");
            tokenizer = f.metadata().contains(Tokenizer.KEY_MODEL) ? exerciseTokenizer(f) : "none";
        }
        requireClosed(f);
        model = f.metadata().contains("general.architecture") && f.findTensor("token_embd.weight").isPresent()
                ? exerciseModel(file) : "none";
        return "ok:v" + f.version() + ":tokenizer=" + tokenizer + ":model=" + model;
    }

    private static void exerciseMetadata(GgufMetadata md) {
        for (String key : md.keys()) {
            touch(md.get(key));
            require(md.typeOf(key) != null, "no type for " + key);
            tolerate(() -> md.getString(key));
            tolerate(() -> md.getInt(key));
            tolerate(() -> md.getLong(key));
            tolerate(() -> md.getFloat(key));
            tolerate(() -> md.getDouble(key));
            tolerate(() -> md.getBoolean(key));
            tolerate(() -> md.getStringArray(key));
            tolerate(() -> md.getFloatArray(key));
            tolerate(() -> md.getIntArray(key));
            tolerate(() -> md.arrayLength(key));
            tolerate(() -> md.arrayElementType(key));
            tolerate(() -> md.getInt(key, 0));
            tolerate(() -> md.getString(key, ""));
        }
        require(md.find("\u0000no such key").isEmpty(), "found a key that is not there");
    }

    /** Reads every element of nested lists. */
    private static void touch(Object value) {
        if (value instanceof List<?> list) {
            for (int i = 0; i < list.size(); i++) {
                touch(list.get(i));
            }
        } else {
            require(value != null, "null metadata value");
        }
    }

    private static void exerciseTensors(GgufFile f) {
        require(Long.bitCount(f.alignment()) == 1, "alignment " + f.alignment());
        require(f.dataOffset() % f.alignment() == 0, "data offset " + f.dataOffset() + " not aligned");
        for (GgufTensor t : f.tensors()) {
            MemorySegment data = t.data();
            require(data.byteSize() == t.type().byteSize(t.elementCount()), "size of " + t);
            require(t.offset() % f.alignment() == 0, "offset of " + t);
            require(f.dataOffset() + t.offset() + data.byteSize() <= f.fileSize(), "extent of " + t);
            require(f.tensor(t.name()) == t, "lookup of " + t.name());
            require(t.rows() * t.dim(0) == t.elementCount(), "rows of " + t);
            require(t.rowByteSize() * t.rows() == t.byteSize(), "row size of " + t);
            long sum = 0;
            long n = data.byteSize();
            long i = 0;
            for (; i + 8 <= n; i += 8) {
                sum += data.get(ValueLayout.JAVA_LONG_UNALIGNED, i);
            }
            for (; i < n; i++) {
                sum += data.get(ValueLayout.JAVA_BYTE, i);
            }
            if (sum == 42) {
                Thread.onSpinWait();  // keep the reads
            }
        }
    }

    private static void requireClosed(GgufFile f) {
        for (GgufTensor t : f.tensors()) {
            if (t.byteSize() > 0) {
                try {
                    t.data().get(ValueLayout.JAVA_BYTE, 0);
                    throw new AssertionError("tensor " + t.name() + " readable after close");
                } catch (IllegalStateException expected) {
                    // the mapping is gone
                }
            }
        }
    }

    private static String exerciseTokenizer(GgufFile f) {
        Tokenizer tok;
        try {
            tok = Tokenizer.fromGguf(f.metadata(), f.path());
        } catch (GgufFormatException | IllegalArgumentException e) {
            return "rejected(" + e.getClass().getSimpleName() + ")";
        }
        int n = tok.vocabularySize();
        for (int id = 0; id < n; id++) {
            tok.tokenBytes(-1, id);
            tok.tokenBytes(id, id);
            require(tok.token(id) != null && tok.tokenType(id) != null, "token " + id);
        }
        for (String text : SAMPLE_TEXTS) {
            int[] ids = tok.encode(text, false);
            for (int id : ids) {
                require(id >= 0 && id < n, "encode gave id " + id + " outside [0, " + n + ")");
            }
            require(tok.decode(ids) != null, "null decode");
        }
        return "ok";
    }

    private static String exerciseModel(Path file) {
        try (Model m = Model.load(file)) {
            // A model that loads must be one the engine can run: the sizes it allocates from are sane.
            ModelConfig c = m.config();
            require(c.layers() == m.weights().layers().size(), "layers " + c);
            require(c.dim() > 0 && c.heads() > 0 && c.kvHeads() > 0 && c.headDim() > 0 && c.ffnDim() > 0
                    && c.vocabularySize() > 0 && c.contextLength() > 0, "sizes " + c);
            require(c.ropeDimensions() >= 0 && c.ropeDimensions() <= c.headDim() && c.ropeDimensions() % 2 == 0,
                    "rope dimensions " + c);
            require(c.heads() % c.kvHeads() == 0, "heads " + c);
            return "ok";
        } catch (GgufFormatException | IllegalArgumentException e) {
            return "rejected(" + e.getClass().getSimpleName() + ")";
        }
    }

    private static void tolerate(Supplier<?> accessor) {
        try {
            accessor.get();
        } catch (GgufFormatException expected) {
            require(!expected.getMessage().isEmpty(), "empty message");
        }
    }

    private static void require(boolean ok, String what) {
        if (!ok) {
            throw new AssertionError("GGUF invariant broken: " + what);
        }
    }

    /** A field such as {@code metadata 'name' array length} without the name, which may hold any character. */
    static String withoutName(String field) {
        int first = field.indexOf('\'');
        int last = field.lastIndexOf('\'');
        return first < last ? field.substring(0, first) + "'*'" + field.substring(last + 1) : field;
    }

    /** A message without its numbers and quoted names, so that outcomes group by the check that fired. */
    static String normalize(String s) {
        String n = s.replaceAll("'[^']*'", "'*'").replaceAll("\"[^\"]*\"", "\"*\"")
                .replaceAll("[\\w.+#-]*[0-9][\\w.+#-]*", "N").replaceAll("\\[N(, N)*\\]", "[..]")
                .replaceAll("[^\\x20-\\x7e]", "?");
        return n.length() > 80 ? n.substring(0, 80) : n;
    }
}
