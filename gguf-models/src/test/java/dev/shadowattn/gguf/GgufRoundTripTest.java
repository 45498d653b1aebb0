package dev.shadowattn.gguf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shadowattn.gguf.GgufWriter.Arr;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Files written by {@link GgufWriter} read back with every value, shape, offset and byte intact. */
class GgufRoundTripTest {

    @TempDir
    Path dir;

    /** One scalar of every type, at edge values, and the Java object {@link GgufMetadata#get} must give back. */
    private record Sample(GgufValueType type, Object written, Object expected) {
    }

    private static List<Sample> scalars() {
        return List.of(
                new Sample(GgufValueType.UINT8, 255, (short) 255),
                new Sample(GgufValueType.INT8, -128, (byte) -128),
                new Sample(GgufValueType.UINT16, 65535, 65535),
                new Sample(GgufValueType.INT16, -32768, (short) -32768),
                new Sample(GgufValueType.UINT32, 0xFFFF_FFFF, 0xFFFF_FFFFL),
                new Sample(GgufValueType.INT32, Integer.MIN_VALUE, Integer.MIN_VALUE),
                new Sample(GgufValueType.FLOAT32, -1.5e-7f, -1.5e-7f),
                new Sample(GgufValueType.BOOL, true, true),
                new Sample(GgufValueType.STRING, "h\u00e9llo \u2713 \uD83D\uDE00", "h\u00e9llo \u2713 \uD83D\uDE00"),
                new Sample(GgufValueType.UINT64, -1L, -1L),
                new Sample(GgufValueType.INT64, Long.MIN_VALUE, Long.MIN_VALUE),
                new Sample(GgufValueType.FLOAT64, Math.PI, Math.PI));
    }

    @ParameterizedTest
    @ValueSource(ints = {2, 3})
    void everyScalarTypeRoundTrips(int version) {
        GgufWriter w = new GgufWriter().version(version);
        for (Sample s : scalars()) {
            w.put("scalar." + s.type(), s.type(), s.written());
        }
        w.put("scalar.BOOL.false", GgufValueType.BOOL, false);
        w.put("scalar.STRING.empty", GgufValueType.STRING, "");
        try (GgufFile f = GgufFile.open(w.writeTo(dir.resolve("s.gguf")))) {
            assertEquals(version, f.version());
            GgufMetadata md = f.metadata();
            assertEquals(scalars().size() + 2, md.size());
            for (Sample s : scalars()) {
                String key = "scalar." + s.type();
                assertEquals(s.type(), md.typeOf(key), key);
                Object got = md.get(key);
                assertEquals(s.expected(), got, key);
                assertEquals(s.expected().getClass(), got.getClass(), key);
            }
            assertEquals(false, md.get("scalar.BOOL.false"));
            assertEquals("", md.get("scalar.STRING.empty"));
            assertTrue(f.tensors().isEmpty());
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {2, 3})
    void everyArrayElementTypeRoundTrips(int version) {
        GgufWriter w = new GgufWriter().version(version);
        Map<String, List<?>> expected = new LinkedHashMap<>();
        for (Sample s : scalars()) {
            // Three elements: the edge value twice around a zero-like value of the type.
            Object zero = switch (s.type()) {
                case BOOL -> false;
                case STRING -> "";
                case FLOAT32 -> 0f;
                case FLOAT64 -> 0d;
                case UINT64, INT64 -> 0L;
                default -> 0;
            };
            Object zeroBox = switch (s.type()) {
                case UINT8, INT16 -> (short) 0;
                case INT8 -> (byte) 0;
                case UINT32 -> 0L;
                default -> zero;
            };
            w.put("array." + s.type(), GgufValueType.ARRAY, Arr.of(s.type(), s.written(), zero, s.written()));
            expected.put("array." + s.type(), List.of(s.expected(), zeroBox, s.expected()));
        }
        w.put("array.empty", GgufValueType.ARRAY, Arr.of(GgufValueType.INT32));
        Arr nested = Arr.of(GgufValueType.ARRAY,
                Arr.of(GgufValueType.STRING, "a", "bc"),
                Arr.of(GgufValueType.UINT8, 1, 200),
                Arr.of(GgufValueType.ARRAY, Arr.of(GgufValueType.FLOAT64, 2.5), Arr.of(GgufValueType.BOOL)));
        w.put("array.nested", GgufValueType.ARRAY, nested);
        try (GgufFile f = GgufFile.open(w.writeTo(dir.resolve("a.gguf")))) {
            GgufMetadata md = f.metadata();
            for (var e : expected.entrySet()) {
                assertEquals(GgufValueType.ARRAY, md.typeOf(e.getKey()));
                List<?> got = (List<?>) md.get(e.getKey());
                assertEquals(e.getValue(), got, e.getKey());
                for (int i = 0; i < got.size(); i++) {
                    assertEquals(e.getValue().get(i).getClass(), got.get(i).getClass(), e.getKey() + "[" + i + "]");
                }
            }
            assertEquals(List.of(), md.get("array.empty"));
            assertEquals(GgufValueType.INT32, md.arrayElementType("array.empty"));
            assertEquals(List.of(List.of("a", "bc"), List.of((short) 1, (short) 200), List.of(List.of(2.5), List.of())),
                    md.get("array.nested"));
            assertEquals(GgufValueType.ARRAY, md.arrayElementType("array.nested"));
            assertThrows(UnsupportedOperationException.class, () -> ((List<?>) md.get("array.INT32")).clear());
        }
    }

    @Test
    void keysKeepFileOrder() {
        GgufWriter w = new GgufWriter();
        List<String> keys = List.of("z.last.first", "a.b", "m", "general.architecture");
        for (String k : keys) {
            w.put(k, GgufValueType.STRING, k.toUpperCase());
        }
        try (GgufFile f = GgufFile.open(w.writeTo(dir.resolve("k.gguf")))) {
            assertEquals(keys, new ArrayList<>(f.metadata().keys()));
            assertTrue(f.metadata().contains("m"));
            assertFalse(f.metadata().contains("M"));
        }
    }

    private static byte[] randomBytes(Random r, int n) {
        byte[] b = new byte[n];
        r.nextBytes(b);
        return b;
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 8, 32, 64, 4096})
    void tensorsRoundTripAtAlignment(int alignment) {
        Random r = new Random(alignment);
        float[] f32 = new float[4 * 3];
        for (int i = 0; i < f32.length; i++) {
            f32[i] = r.nextFloat() - 0.5f;
        }
        ByteBuffer bb = ByteBuffer.allocate(f32.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : f32) {
            bb.putFloat(v);
        }
        byte[] q80 = randomBytes(r, 2 * 34 * 3);      // Q8_0 [64, 3]: 2 blocks per row
        byte[] f16 = randomBytes(r, 2 * 7);           // F16 [7]
        byte[] q4k = randomBytes(r, 144 * 2 * 1 * 1); // Q4_K [256, 2, 1, 1]
        GgufWriter w = new GgufWriter()
                .put("general.alignment", GgufValueType.UINT32, alignment)
                .put("general.architecture", GgufValueType.STRING, "test")
                .tensor("f32", GgmlType.F32, new long[] {4, 3}, bb.array())
                .tensor("q8_0", GgmlType.Q8_0, new long[] {64, 3}, q80)
                .tensor("f16", GgmlType.F16, new long[] {7}, f16)
                .tensor("q4_k.4d", GgmlType.Q4_K, new long[] {256, 2, 1, 1}, q4k);
        byte[] file = w.toBytes();
        try (GgufFile f = GgufFile.open(w.writeTo(dir.resolve("t.gguf")))) {
            assertEquals(alignment, f.alignment());
            assertEquals(0, f.dataOffset() % alignment);
            assertEquals(file.length, f.fileSize());
            List<GgufTensor> ts = f.tensors();
            assertEquals(List.of("f32", "q8_0", "f16", "q4_k.4d"), ts.stream().map(GgufTensor::name).toList());

            GgufTensor t = f.tensor("f32");
            assertEquals(GgmlType.F32, t.type());
            assertArrayEquals(new long[] {4, 3}, t.shape());
            assertEquals(12, t.elementCount());
            assertEquals(3, t.rows());
            assertEquals(4, t.rowLength());
            assertEquals(0, t.offset());
            for (int i = 0; i < f32.length; i++) {
                float got = t.data().get(ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 4L * i);
                assertEquals(f32[i], got);
            }

            assertBytes(q80, f.tensor("q8_0").data());
            assertBytes(f16, f.tensor("f16").data());
            assertBytes(q4k, f.tensor("q4_k.4d").data());
            assertEquals(4, f.tensor("q4_k.4d").dims());
            assertEquals(2, f.tensor("q4_k.4d").rows());
            assertEquals(1, f.tensor("f16").rows());
            assertEquals(7, f.tensor("f16").rowLength());
            for (GgufTensor x : ts) {
                assertEquals(0, x.offset() % alignment, x.name());
                assertEquals(x.type().byteSize(x.elementCount()), x.data().byteSize(), x.name());
                assertTrue(x.data().isReadOnly(), x.name());
                assertEquals(x.offset(), x.data().address() - f.dataSection().address(), x.name());
                // The bytes are the file's bytes at dataOffset + offset: the mapping, not a copy.
                assertBytes(java.util.Arrays.copyOfRange(file, (int) (f.dataOffset() + x.offset()),
                        (int) (f.dataOffset() + x.offset() + x.byteSize())), x.data());
            }
            assertTrue(f.tensor("q8_0").data().isMapped());
            assertThrows(IllegalArgumentException.class, () -> t.data().set(ValueLayout.JAVA_BYTE, 0, (byte) 1));
        }
    }

    private static void assertBytes(byte[] expected, MemorySegment actual) {
        assertArrayEquals(expected, actual.toArray(ValueLayout.JAVA_BYTE));
    }

    @Test
    void missingTensorNamesTensorAndFile() {
        Path p = new GgufWriter().tensor("a", GgmlType.F32, new long[] {2}, new byte[8]).writeTo(dir.resolve("m.gguf"));
        try (GgufFile f = GgufFile.open(p)) {
            GgufFormatException e = assertThrows(GgufFormatException.class, () -> f.tensor("output.weight"));
            assertTrue(e.getMessage().contains("output.weight"), e.getMessage());
            assertTrue(e.getMessage().contains(p.toString()), e.getMessage());
            assertEquals(p, e.file());
            assertTrue(f.findTensor("output.weight").isEmpty());
            assertEquals("a", f.findTensor("a").orElseThrow().name());
        }
    }

    @Test
    void closeIsIdempotentAndReleasesTheMapping() {
        Path p = new GgufWriter().put("k", GgufValueType.INT32, 7)
                .tensor("a", GgmlType.F32, new long[] {2}, new byte[8]).writeTo(dir.resolve("c.gguf"));
        GgufFile f = GgufFile.open(p);
        MemorySegment data = f.tensor("a").data();
        assertEquals(0, data.get(ValueLayout.JAVA_BYTE, 0));
        f.close();
        f.close();
        assertThrows(IllegalStateException.class, () -> data.get(ValueLayout.JAVA_BYTE, 0));
        assertEquals(7, f.metadata().getInt("k"));
    }

    @Test
    void summaryNamesVersionAndCounts() {
        Path p = new GgufWriter().version(2).put("general.name", GgufValueType.STRING, "tiny")
                .put("v", GgufValueType.ARRAY, Arr.of(GgufValueType.INT32, 1, 2, 3, 4, 5, 6))
                .tensor("a", GgmlType.F32, new long[] {2, 1}, new byte[8]).writeTo(dir.resolve("d.gguf"));
        try (GgufFile f = GgufFile.open(p)) {
            String line = f.toString();
            assertTrue(line.contains("GGUF v2") && line.contains("1 tensors") && line.contains("2 metadata keys"),
                    line);
            String text = f.describe();
            assertTrue(text.contains("general.name: STRING = \"tiny\""), text);
            assertTrue(text.contains("v: ARRAY = INT32[6] [1, 2, 3, 4, ...]"), text);
            assertTrue(text.contains("a F32 [2, 1]"), text);
        }
    }
}
