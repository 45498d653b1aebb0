package dev.shadowattn.gguf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.shadowattn.gguf.GgufWriter.Arr;
import dev.shadowattn.gguf.GgufWriter.Sink;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Malformed GGUF files: each must give a {@link GgufFormatException} naming the file and the field at fault, never
 * another exception, an OutOfMemoryError or a hang.
 */
class GgufCorruptionTest {

    @TempDir
    Path dir;

    /** A small valid file with metadata of several kinds and two tensors, the last one ending the file. */
    private static GgufWriter smallValidFile() {
        return new GgufWriter()
                .put("general.architecture", GgufValueType.STRING, "llama")
                .put("general.alignment", GgufValueType.UINT32, 16)
                .put("llama.block_count", GgufValueType.UINT32, 1)
                .put("llama.rope.freq_base", GgufValueType.FLOAT32, 10000f)
                .put("flag", GgufValueType.BOOL, true)
                .put("tokenizer.ggml.tokens", GgufValueType.ARRAY, Arr.of(GgufValueType.STRING, "a", "", "bc"))
                .put("tokenizer.ggml.scores", GgufValueType.ARRAY, Arr.of(GgufValueType.FLOAT32, 1f, 2f))
                .put("nested", GgufValueType.ARRAY, Arr.of(GgufValueType.ARRAY, Arr.of(GgufValueType.INT8, 1)))
                .tensor("norm", GgmlType.F32, new long[] {3}, new byte[12])
                .tensor("w", GgmlType.Q8_0, new long[] {32, 2}, new byte[68]);
    }

    private GgufFormatException assertFormatError(Path file, String field, String... detail) {
        GgufFormatException e = assertThrows(GgufFormatException.class, () -> GgufFile.open(file).close());
        String m = e.getMessage();
        assertEquals(file, e.file());
        assertTrue(m.startsWith(file + ": "), m);
        assertTrue(e.field().contains(field), "field '" + e.field() + "' should contain '" + field + "': " + m);
        for (String d : detail) {
            assertTrue(m.contains(d), "message should contain '" + d + "': " + m);
        }
        return e;
    }

    private GgufFormatException assertFormatError(GgufWriter w, String field, String... detail) {
        return assertFormatError(w.writeTo(dir.resolve("bad.gguf")), field, detail);
    }

    private Path write(byte[] bytes) {
        try {
            return Files.write(dir.resolve("raw.gguf"), bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A header of a v3 file with the given counts, to be followed by hand-written fields. */
    private static Sink header(long tensorCount, long kvCount) {
        return new Sink().u32(GgufParser.MAGIC).u32(3).u64(tensorCount).u64(kvCount);
    }

    @Test
    void theSmallFileIsValid() {
        byte[] bytes = smallValidFile().toBytes();
        try (GgufFile f = GgufFile.open(write(bytes))) {
            assertEquals(2, f.tensors().size());
            assertEquals(bytes.length, f.dataOffset() + f.tensor("w").offset() + f.tensor("w").byteSize());
        }
    }

    @Test
    void truncationAtEveryByteIsAFormatError() {
        byte[] bytes = smallValidFile().toBytes();
        Path file = dir.resolve("cut.gguf");
        for (int n = 0; n < bytes.length; n++) {
            try {
                Files.write(file, Arrays.copyOf(bytes, n));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            int length = n;
            GgufFormatException e = assertThrows(GgufFormatException.class, () -> GgufFile.open(file).close(),
                    () -> "prefix of " + length + " of " + bytes.length + " bytes");
            assertTrue(e.getMessage().startsWith(file + ": "), e.getMessage());
        }
    }

    @Test
    void everySingleByteCorruptionIsValidOrAFormatError() {
        byte[] bytes = smallValidFile().toBytes();
        Random random = new Random(42);
        Path file = dir.resolve("mutant.gguf");
        for (int i = 0; i < bytes.length; i++) {
            for (int value : new int[] {0x00, 0xFF, 0x80, random.nextInt(256)}) {
                byte[] mutant = bytes.clone();
                mutant[i] = (byte) value;
                try {
                    Files.write(file, mutant);
                    GgufFile.open(file).close();
                } catch (GgufFormatException expected) {
                    assertTrue(expected.getMessage().startsWith(file + ": "), expected.getMessage());
                } catch (IOException | RuntimeException e) {
                    fail("byte " + i + " set to " + value + ": " + e, e);
                }
            }
        }
    }

    @Test
    void wrongMagic() {
        assertFormatError(new GgufWriter().magic(0x4C4D4747), "magic", "not a GGUF file", "0x47474d4c");
        assertFormatError(write("hello, world: not a model".getBytes()), "magic", "not a GGUF file");
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 4, 0x7fffffff})
    void unsupportedVersion(int version) {
        GgufFormatException e =
                assertFormatError(new GgufWriter().version(version), "version", Integer.toString(version));
        if (version == 1) {
            assertTrue(e.getMessage().contains("version 1 is not supported"), e.getMessage());
        } else {
            assertTrue(e.getMessage().contains("supported: 2, 3"), e.getMessage());
        }
    }

    @Test
    void bigEndianFileIsNamedAsSuch() {
        assertFormatError(new GgufWriter().version(0x03000000), "version", "big-endian");
    }

    @ParameterizedTest
    @ValueSource(longs = {-1L, Long.MAX_VALUE, 1L << 40, 1000})
    void absurdCounts(long count) {
        assertFormatError(new GgufWriter().tensorCount(count), "tensor_count", "is impossible");
        assertFormatError(new GgufWriter().kvCount(count), "metadata_kv_count", "is impossible");
    }

    @Test
    void countsLargerThanTheContent() {
        // Plausible counts, but the entries are not there: the next bytes are misread, and fail somewhere.
        assertFormatError(smallValidFile().kvCount(9), "");
        assertFormatError(smallValidFile().tensorCount(3), "");
    }

    @ParameterizedTest
    @ValueSource(longs = {-1L, Long.MAX_VALUE, 1L << 40, 100})
    void absurdStringLengths(long length) {
        Path key = write(header(0, 1).u64(length).u32(0).zeros(64).toByteArray());
        assertFormatError(key, "metadata key #0", "string length");
        Path value = new GgufWriter()
                .putRaw("general.name", GgufValueType.STRING.id(), new Sink().u64(length).u32(0).toByteArray())
                .writeTo(dir.resolve("value.gguf"));
        assertFormatError(value, "metadata 'general.name'", "string length");
        Path name = write(header(1, 0).u64(length).u32(1).u64(32).u32(0).u64(0).zeros(64).toByteArray());
        assertFormatError(name, "tensor info #0 name", "string length");
    }

    @ParameterizedTest
    @ValueSource(longs = {-1L, Long.MAX_VALUE, 1L << 40, 11})
    void absurdArrayLengths(long length) {
        for (GgufValueType type : GgufValueType.values()) {
            // Element type, length, then 40 bytes: too few for 11 elements of 4 or more bytes.
            if (length == 11 && 11 * type.minEncodedSize() <= 40) {
                continue;
            }
            byte[] payload = new Sink().u32(type.id()).u64(length).zeros(40).toByteArray();
            assertFormatError(new GgufWriter().putRaw("tokenizer.ggml.tokens", GgufValueType.ARRAY.id(), payload),
                    "metadata 'tokenizer.ggml.tokens'", "array length", "is impossible");
        }
    }

    @Test
    void arraysNestedTooDeep() {
        Arr deep = Arr.of(GgufValueType.INT32, 1);
        for (int i = 0; i < GgufParser.MAX_ARRAY_DEPTH; i++) {
            deep = Arr.of(GgufValueType.ARRAY, deep);
        }
        assertFormatError(new GgufWriter().put("deep", GgufValueType.ARRAY, deep), "metadata 'deep'", "nested deeper");
        // One level less is fine.
        Arr ok = Arr.of(GgufValueType.INT32, 1);
        for (int i = 1; i < GgufParser.MAX_ARRAY_DEPTH; i++) {
            ok = Arr.of(GgufValueType.ARRAY, ok);
        }
        Path okFile = new GgufWriter().put("deep", GgufValueType.ARRAY, ok).writeTo(dir.resolve("ok.gguf"));
        try (GgufFile f = GgufFile.open(okFile)) {
            assertEquals(GgufValueType.ARRAY, f.metadata().typeOf("deep"));
        }
    }

    @Test
    void unknownValueTypes() {
        assertFormatError(new GgufWriter().putRaw("k", 13, new byte[8]), "metadata 'k'", "unknown value type id 13");
        assertFormatError(new GgufWriter().putRaw("k", -1, new byte[8]), "metadata 'k'",
                "unknown value type id 4294967295");
        byte[] array = new Sink().u32(99).u64(1).zeros(8).toByteArray();
        assertFormatError(new GgufWriter().putRaw("k", GgufValueType.ARRAY.id(), array), "metadata 'k'",
                "unknown array element type id 99");
    }

    @Test
    void boolOtherThanZeroOrOne() {
        assertFormatError(new GgufWriter().put("flag", GgufValueType.BOOL, 2), "metadata 'flag'", "BOOL value 2");
        assertFormatError(new GgufWriter().put("flags", GgufValueType.ARRAY, Arr.of(GgufValueType.BOOL, true, 7)),
                "metadata 'flags'", "BOOL value 7");
    }

    @Test
    void duplicateNames() {
        assertFormatError(new GgufWriter().put("a", GgufValueType.INT32, 1).put("a", GgufValueType.STRING, "x"),
                "metadata 'a'", "duplicate metadata key");
        assertFormatError(new GgufWriter().tensor("t", GgmlType.F32, new long[] {8}, new byte[32])
                .tensor("t", GgmlType.F32, new long[] {8}, new byte[32]), "tensor 't'", "duplicate tensor name");
    }

    @Test
    void tensorDataBeyondTheEndOfTheFile() {
        GgufWriter w = new GgufWriter().tensor("a", GgmlType.F32, new long[] {8}, new byte[32])
                .tensorRaw("blk.0.attn_q.weight", new long[] {32, 32}, GgmlType.Q8_0.id(), 64, new byte[100]);
        byte[] bytes = w.toBytes();
        long dataOffset = bytes.length - 64 - 100;
        Path file = w.writeTo(dir.resolve("house.gguf"));
        GgufFormatException e = assertFormatError(file, "tensor 'blk.0.attn_q.weight'");
        assertEquals(file + ": tensor 'blk.0.attn_q.weight': data [" + (dataOffset + 64) + ".."
                + (dataOffset + 64 + 32 * 34)
                + ") extends beyond the end of the file (size " + bytes.length + ")", e.getMessage());

        assertFormatError(new GgufWriter().tensorRaw("far", new long[] {8}, GgmlType.F32.id(), 1L << 40, null),
                "tensor 'far'", "extends beyond the end of the file");
        assertFormatError(new GgufWriter().tensorRaw("huge", new long[] {1L << 40, 1L << 20}, GgmlType.F32.id(), 0,
                null),
                "tensor 'huge'", "extends beyond the end of the file");
        assertFormatError(new GgufWriter().tensorRaw("edge", new long[] {8}, GgmlType.F32.id(), Long.MAX_VALUE - 31,
                null),
                "tensor 'edge'", "extends beyond the end of the file");
    }

    @Test
    void misalignedOffset() {
        GgufWriter w = new GgufWriter().tensor("a", GgmlType.F32, new long[] {2}, new byte[8])
                .tensorRaw("b", new long[] {2}, GgmlType.F32.id(), 8, new byte[8]);
        assertFormatError(w, "tensor 'b'", "data offset 8 is not a multiple of the alignment 32");
        GgufWriter w64 = new GgufWriter().put("general.alignment", GgufValueType.UINT32, 64)
                .tensorRaw("c", new long[] {2}, GgmlType.F32.id(), 32, new byte[8]);
        assertFormatError(w64, "tensor 'c'", "alignment 64");
    }

    @ParameterizedTest
    @ValueSource(ints = {4, 5, 31, 99, -1})
    void unknownTensorType(int typeId) {
        assertFormatError(new GgufWriter().tensorRaw("blk.3.ffn_up.weight", new long[] {32}, typeId, 0, new byte[64]),
                "tensor 'blk.3.ffn_up.weight'", "unknown ggml type id " + Integer.toUnsignedString(typeId));
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 5, 8})
    void nDimsOutOfRange(int nDims) {
        long[] dims = new long[nDims];
        Arrays.fill(dims, 1);
        assertFormatError(new GgufWriter().tensorRaw("t", dims, GgmlType.F32.id(), 0, new byte[4]), "tensor 't'",
                "n_dims " + nDims + " is out of range [1, 4]");
        assertFormatError(write(header(1, 0).str("t").u32(-1).zeros(64).toByteArray()), "tensor 't'",
                "n_dims 4294967295");
    }

    @Test
    void badDimensions() {
        assertFormatError(new GgufWriter().tensorRaw("neg", new long[] {8, -1}, GgmlType.F32.id(), 0, null),
                "tensor 'neg'", "ne[1] = 18446744073709551615 is too large");
        assertFormatError(new GgufWriter().tensorRaw("ovf", new long[] {1L << 32, 1L << 32}, GgmlType.F32.id(), 0,
                null),
                "tensor 'ovf'", "overflows");
        assertFormatError(new GgufWriter().tensorRaw("bytes", new long[] {1L << 62}, GgmlType.F32.id(), 0, null),
                "tensor 'bytes'", "overflows");
        assertFormatError(new GgufWriter().tensorRaw("part", new long[] {33, 2}, GgmlType.Q8_0.id(), 0, new byte[200]),
                "tensor 'part'", "ne[0] = 33", "whole number of blocks of 32");
    }

    @Test
    void badAlignment() {
        for (long a : new long[] {0, 3, 48, 1L << 31}) {
            assertFormatError(new GgufWriter().put("general.alignment", GgufValueType.UINT64, a),
                    "metadata 'general.alignment'", "not a power of two");
        }
        assertFormatError(new GgufWriter().put("general.alignment", GgufValueType.STRING, "32"),
                "metadata 'general.alignment'", "STRING");
    }

    @Test
    void unreadableFilesAreIoErrors() {
        assertThrows(UncheckedIOException.class, () -> GgufFile.open(dir.resolve("absent.gguf")));
        assertThrows(UncheckedIOException.class, () -> GgufFile.open(dir));
    }
}
