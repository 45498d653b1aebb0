package dev.shadowattn.gguf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shadowattn.gguf.GgufWriter.Arr;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/** The typed accessors of {@link GgufMetadata}: conversions that lose nothing, clear errors for the rest. */
class GgufMetadataTest {

    @TempDir
    Path dir;
    private Path path;
    private GgufFile file;
    private GgufMetadata md;

    @BeforeEach
    void open() {
        path = new GgufWriter()
                .put("u8", GgufValueType.UINT8, 200)
                .put("i8", GgufValueType.INT8, -5)
                .put("u16", GgufValueType.UINT16, 60000)
                .put("i16", GgufValueType.INT16, -300)
                .put("u32.small", GgufValueType.UINT32, 4096)
                .put("u32.big", GgufValueType.UINT32, (int) 3_000_000_000L)
                .put("i32", GgufValueType.INT32, -70000)
                .put("u64.small", GgufValueType.UINT64, 1L << 40)
                .put("u64.huge", GgufValueType.UINT64, -2L)
                .put("i64", GgufValueType.INT64, -(1L << 40))
                .put("f32", GgufValueType.FLOAT32, 1e-5f)
                .put("f64", GgufValueType.FLOAT64, 10000.0)
                .put("flag", GgufValueType.BOOL, true)
                .put("name", GgufValueType.STRING, "llama")
                .put("tokens", GgufValueType.ARRAY, Arr.of(GgufValueType.STRING, "<s>", "</s>", "\u2581the"))
                .put("scores", GgufValueType.ARRAY, Arr.of(GgufValueType.FLOAT32, 0f, -1.5f, 2.25f))
                .put("scores64", GgufValueType.ARRAY, Arr.of(GgufValueType.FLOAT64, 0.5, -3.0))
                .put("types", GgufValueType.ARRAY, Arr.of(GgufValueType.INT32, 1, 3, 6))
                .put("bytes", GgufValueType.ARRAY, Arr.of(GgufValueType.UINT8, 0, 255))
                .put("u32s", GgufValueType.ARRAY, Arr.of(GgufValueType.UINT32, 1, (int) 3_000_000_000L))
                .put("u64s", GgufValueType.ARRAY, Arr.of(GgufValueType.UINT64, 7L, -1L))
                .writeTo(dir.resolve("meta.gguf"));
        file = GgufFile.open(path);
        md = file.metadata();
    }

    @AfterEach
    void close() {
        file.close();
    }

    @Test
    void getIntWidensEveryIntegerTypeThatFits() {
        assertEquals(200, md.getInt("u8"));
        assertEquals(-5, md.getInt("i8"));
        assertEquals(60000, md.getInt("u16"));
        assertEquals(-300, md.getInt("i16"));
        assertEquals(4096, md.getInt("u32.small"));
        assertEquals(-70000, md.getInt("i32"));
        assertEquals(-(1L << 40), md.getLong("i64"));
        assertEquals(1L << 40, md.getLong("u64.small"));
        assertEquals(3_000_000_000L, md.getLong("u32.big"));
    }

    @Test
    void getIntRejectsValuesOutsideInt() {
        assertError(() -> md.getInt("u32.big"), "u32.big", "3000000000");
        assertError(() -> md.getInt("u64.small"), "u64.small", Long.toString(1L << 40));
        assertError(() -> md.getLong("u64.huge"), "u64.huge", "18446744073709551614");
    }

    @Test
    void rawValuesWidenUnsignedTypes() {
        assertEquals((short) 200, md.get("u8"));
        assertEquals(60000, md.get("u16"));
        assertEquals(3_000_000_000L, md.get("u32.big"));
        assertEquals(-2L, md.get("u64.huge")); // uint64 keeps its raw bits
        assertEquals(GgufValueType.UINT64, md.typeOf("u64.huge"));
    }

    @Test
    void getFloatTakesFloatsDoublesAndIntegers() {
        assertEquals(1e-5f, md.getFloat("f32"));
        assertEquals(10000f, md.getFloat("f64"));
        assertEquals(-70000f, md.getFloat("i32"));
        assertEquals(1.8446744073709552e19, md.getDouble("u64.huge"));
        assertError(() -> md.getFloat("name"), "name", "STRING");
        assertError(() -> md.getFloat("flag"), "flag", "BOOL");
    }

    @Test
    void wrongTypesNameKeyAndType() {
        assertError(() -> md.getString("u8"), "u8", "UINT8");
        assertError(() -> md.getInt("f32"), "f32", "FLOAT32");
        assertError(() -> md.getInt("tokens"), "tokens", "array");
        assertError(() -> md.getBoolean("u8"), "u8", "UINT8");
        assertError(() -> md.getStringArray("name"), "name", "STRING");
        assertError(() -> md.getStringArray("scores"), "scores", "FLOAT32");
        assertError(() -> md.getFloatArray("tokens"), "tokens", "STRING");
        assertError(() -> md.getIntArray("scores"), "scores", "FLOAT32");
    }

    @Test
    void stringsAndBooleans() {
        assertEquals("llama", md.getString("name"));
        assertTrue(md.getBoolean("flag"));
        assertEquals(List.of("<s>", "</s>", "\u2581the"), md.getStringArray("tokens"));
        assertThrows(UnsupportedOperationException.class, () -> md.getStringArray("tokens").set(0, "x"));
    }

    @Test
    void numericArrays() {
        assertArrayEquals(new float[] {0f, -1.5f, 2.25f}, md.getFloatArray("scores"));
        md.getFloatArray("scores")[0] = 42f; // a fresh copy each time
        assertEquals(0f, md.getFloatArray("scores")[0]);
        assertArrayEquals(new float[] {0.5f, -3f}, md.getFloatArray("scores64"));
        assertArrayEquals(new float[] {1f, 3f, 6f}, md.getFloatArray("types"));
        assertArrayEquals(new int[] {1, 3, 6}, md.getIntArray("types"));
        assertArrayEquals(new int[] {0, 255}, md.getIntArray("bytes"));
        assertError(() -> md.getIntArray("u32s"), "u32s", "element 1 = 3000000000");
        assertError(() -> md.getIntArray("u64s"), "u64s", "element 1 = 18446744073709551615");
        assertEquals(GgufValueType.STRING, md.arrayElementType("tokens"));
        assertEquals(3, md.arrayLength("tokens"));
    }

    @Test
    void missingKeyNamesKeyAndFile() {
        for (Executable call : List.<Executable>of(
                () -> md.get("llama.block_count"), () -> md.getInt("llama.block_count"),
                () -> md.getString("llama.block_count"), () -> md.typeOf("llama.block_count"),
                () -> md.getFloatArray("llama.block_count"))) {
            GgufFormatException e = assertError(call, "llama.block_count", "missing");
            assertEquals(path, e.file());
            assertEquals("metadata 'llama.block_count'", e.field());
        }
    }

    @Test
    void defaultsApplyOnlyWhenAbsent() {
        assertEquals(7, md.getInt("absent", 7));
        assertEquals(2.5f, md.getFloat("absent", 2.5f));
        assertEquals("x", md.getString("absent", "x"));
        assertEquals(200, md.getInt("u8", 7));
        assertEquals("llama", md.getString("name", "x"));
        assertError(() -> md.getInt("name", 7), "name", "STRING"); // present but wrong: still an error
        assertEquals(Optional.empty(), md.find("absent"));
        assertEquals(Optional.of("llama"), md.find("name"));
    }

    private GgufFormatException assertError(Executable call, String key, String detail) {
        GgufFormatException e = assertThrows(GgufFormatException.class, call);
        String m = e.getMessage();
        assertTrue(m.startsWith(path.toString()), m);
        assertTrue(m.contains("'" + key + "'"), m);
        assertTrue(m.contains(detail), m);
        return e;
    }
}
