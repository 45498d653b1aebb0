package dev.shadowattn.gguf;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Decodes and checks the structure of a mapped GGUF file (GGUF spec, ggml docs/gguf.md, "File Structure"):
 *
 * <pre>
 * header:      uint32 magic "GGUF" | uint32 version | uint64 tensor_count | uint64 metadata_kv_count
 * metadata:    metadata_kv_count x (string key | uint32 value_type | value)
 * tensor info: tensor_count x (string name | uint32 n_dims | uint64 ne[n_dims] | uint32 ggml_type | uint64 offset)
 * padding:     to the next multiple of general.alignment (default 32)
 * tensor data: each tensor at data start + offset, offsets multiples of the alignment
 * </pre>
 *
 * Counts and lengths are never trusted: each is checked against the bytes left before anything is allocated.
 */
final class GgufParser {

    /** "GGUF" read as a little-endian uint32. */
    static final int MAGIC = 0x46554747;
    /** Default of {@code general.alignment} (GGUF spec: GGUF_DEFAULT_ALIGNMENT). */
    static final int DEFAULT_ALIGNMENT = 32;
    static final String ALIGNMENT_KEY = "general.alignment";
    /** Deepest nesting of arrays of arrays accepted; keeps recursion bounded on crafted files. */
    static final int MAX_ARRAY_DEPTH = 16;
    /** Fewest bytes of one tensor info: name length, n_dims, one dimension, type, offset. */
    private static final int MIN_TENSOR_INFO_SIZE = 8 + 4 + 8 + 4 + 8;
    /** Fewest bytes of one key-value pair: key length, value type, a one-byte value. */
    private static final int MIN_KV_SIZE = 8 + 4 + 1;

    /** The decoded file: everything {@link GgufFile} exposes but the mapping itself. */
    record Parsed(int version, GgufMetadata metadata, int alignment, long dataOffset, List<GgufTensor> tensors) {
    }

    private record TensorInfo(String name, long[] shape, GgmlType type, long offset) {
    }

    private final GgufCursor in;

    private GgufParser(Path file, MemorySegment bytes) {
        this.in = new GgufCursor(file, bytes);
    }

    /** Parses {@code bytes}, the whole content of {@code file}; tensor data are slices of {@code bytes}. */
    static Parsed parse(Path file, MemorySegment bytes) {
        return new GgufParser(file, bytes).parse(bytes);
    }

    private Parsed parse(MemorySegment bytes) {
        int magic = in.i32("magic");
        if (magic != MAGIC) {
            throw in.error("magic", "not a GGUF file: starts with " + describeMagic(magic) + ", expected \"GGUF\"");
        }
        int version = readVersion();
        long tensorCount = in.i64("tensor_count");
        long kvCount = in.i64("metadata_kv_count");
        checkCount(kvCount, MIN_KV_SIZE, "metadata_kv_count", "key-value pairs");
        checkCount(tensorCount, MIN_TENSOR_INFO_SIZE, "tensor_count", "tensor infos");

        LinkedHashMap<String, GgufMetadata.Entry> entries = new LinkedHashMap<>();
        for (long i = 0; i < kvCount; i++) {
            String key = in.string("metadata key #" + i);
            String field = "metadata '" + key + "'";
            long typeId = in.u32(field + " type");
            GgufValueType type = GgufValueType.byId(typeId);
            if (type == null) {
                throw in.error(field, "unknown value type id " + typeId);
            }
            Object value = readValue(type, field, 0);
            if (entries.putIfAbsent(key, new GgufMetadata.Entry(type, value)) != null) {
                throw in.error(field, "duplicate metadata key (metadata key #" + i + ")");
            }
        }
        GgufMetadata metadata = new GgufMetadata(in.file(), entries);
        int alignment = readAlignment(metadata);

        List<TensorInfo> infos = new ArrayList<>();
        Map<String, TensorInfo> byName = new LinkedHashMap<>();
        for (long i = 0; i < tensorCount; i++) {
            TensorInfo info = readTensorInfo(i);
            if (byName.putIfAbsent(info.name(), info) != null) {
                throw in.error("tensor '" + info.name() + "'", "duplicate tensor name (tensor info #" + i + ")");
            }
            infos.add(info);
        }

        long headerEnd = in.position();
        long dataOffset = (headerEnd + alignment - 1) / alignment * alignment; // cannot overflow: headerEnd <= size
        List<GgufTensor> tensors = new ArrayList<>(infos.size());
        for (TensorInfo info : infos) {
            tensors.add(checkAndSlice(info, alignment, dataOffset, bytes));
        }
        return new Parsed(version, metadata, alignment, dataOffset, List.copyOf(tensors));
    }

    private int readVersion() {
        int version = in.i32("version");
        if (version == 2 || version == 3) {
            return version;
        }
        if (version == 1) {
            throw in.error("version", "GGUF version 1 is not supported (it used 32-bit counts and lengths);"
                    + " convert the file to GGUF version 3");
        }
        int swapped = Integer.reverseBytes(version);
        if (swapped == 2 || swapped == 3) {
            throw in.error("version", "big-endian GGUF file (version " + swapped + " byte-swapped); only"
                    + " little-endian files are supported");
        }
        throw in.error("version", "unsupported GGUF version " + Integer.toUnsignedString(version)
                + " (supported: 2, 3)");
    }

    private void checkCount(long count, int minSize, String field, String what) {
        long max = in.remaining() / minSize;
        if (count < 0 || count > max) {
            throw in.error(field, Long.toUnsignedString(count) + " is impossible: the " + in.remaining()
                    + " bytes left in the file hold at most " + max + " " + what);
        }
    }

    private Object readValue(GgufValueType type, String field, int depth) {
        return switch (type) {
            case UINT8 -> (short) Byte.toUnsignedInt(in.i8(field));
            case INT8 -> in.i8(field);
            case UINT16 -> Short.toUnsignedInt(in.i16(field));
            case INT16 -> in.i16(field);
            case UINT32 -> in.u32(field);
            case INT32 -> in.i32(field);
            case UINT64, INT64 -> in.i64(field);
            case FLOAT32 -> in.f32(field);
            case FLOAT64 -> in.f64(field);
            case BOOL -> readBool(field);
            case STRING -> in.string(field);
            case ARRAY -> readArray(field, depth + 1);
        };
    }

    private boolean readBool(String field) {
        byte b = in.i8(field);
        if (b != 0 && b != 1) {
            throw in.error(field, "BOOL value " + Byte.toUnsignedInt(b) + " at offset " + (in.position() - 1)
                    + " is neither 0 nor 1");
        }
        return b == 1;
    }

    /** An array: uint32 element type, uint64 count, elements (GGUF spec, "gguf_metadata_value_t.array"). */
    private GgufArray readArray(String field, int depth) {
        if (depth > MAX_ARRAY_DEPTH) {
            throw in.error(field, "arrays nested deeper than " + MAX_ARRAY_DEPTH + " levels");
        }
        long typeId = in.u32(field + " array element type");
        GgufValueType type = GgufValueType.byId(typeId);
        if (type == null) {
            throw in.error(field, "unknown array element type id " + typeId);
        }
        long count = in.i64(field + " array length");
        long max = in.remaining() / type.minEncodedSize();
        if (count < 0 || count > max) {
            throw in.error(field, "array length " + Long.toUnsignedString(count) + " of " + type
                    + " is impossible: the " + in.remaining() + " bytes left in the file hold at most " + max
                    + " elements");
        }
        if (count > Integer.MAX_VALUE - 8) {
            throw in.error(field, "array length " + count + " exceeds the largest Java array");
        }
        int n = (int) count;
        Object values = switch (type) {
            // Fixed-size elements: n * size <= bytes left was checked above, so these allocations are bounded.
            case UINT8, INT8 -> copy(ValueLayout.JAVA_BYTE, new byte[n], n, field);
            case UINT16, INT16 -> copy(ValueLayout.JAVA_SHORT, new short[n], n, field);
            case UINT32, INT32 -> copy(ValueLayout.JAVA_INT, new int[n], n, field);
            case UINT64, INT64 -> copy(ValueLayout.JAVA_LONG, new long[n], n, field);
            case FLOAT32 -> copy(ValueLayout.JAVA_FLOAT, new float[n], n, field);
            case FLOAT64 -> copy(ValueLayout.JAVA_DOUBLE, new double[n], n, field);
            case BOOL -> {
                boolean[] a = new boolean[n];
                for (int i = 0; i < n; i++) {
                    a[i] = readBool(field + "[" + i + "]");
                }
                yield a;
            }
            // Variable-size elements: grown as they are read, so memory follows the bytes actually present.
            case STRING -> {
                List<String> a = new ArrayList<>(Math.min(n, 1024));
                for (int i = 0; i < n; i++) {
                    a.add(in.string(field + "[" + i + "]"));
                }
                yield a.toArray(String[]::new);
            }
            case ARRAY -> {
                List<GgufArray> a = new ArrayList<>(Math.min(n, 1024));
                for (int i = 0; i < n; i++) {
                    a.add(readArray(field + "[" + i + "]", depth + 1));
                }
                yield a.toArray(GgufArray[]::new);
            }
        };
        return new GgufArray(type, values);
    }

    private Object copy(ValueLayout layout, Object array, int n, String field) {
        in.copyTo(layout, array, n, field);
        return array;
    }

    /**
     * {@code general.alignment}: a power of two (the spec says UINT32; any integer type is accepted); 32 when absent
     * (GGUF spec, "Standardized key-value pairs").
     */
    private int readAlignment(GgufMetadata metadata) {
        if (!metadata.contains(ALIGNMENT_KEY)) {
            return DEFAULT_ALIGNMENT;
        }
        String field = "metadata '" + ALIGNMENT_KEY + "'";
        if (!metadata.typeOf(ALIGNMENT_KEY).isInteger()) {
            throw in.error(field, "expected an integer (UINT32), found " + metadata.typeOf(ALIGNMENT_KEY));
        }
        long alignment = ((Number) metadata.get(ALIGNMENT_KEY)).longValue();
        if (alignment <= 0 || alignment > (1 << 30) || Long.bitCount(alignment) != 1) {
            throw in.error(field, "alignment " + Long.toUnsignedString(alignment)
                    + " is not a power of two between 1 and 2^30");
        }
        return (int) alignment;
    }

    private TensorInfo readTensorInfo(long index) {
        String name = in.string("tensor info #" + index + " name");
        String field = "tensor '" + name + "'";
        long nDims = in.u32(field + " n_dims");
        if (nDims < 1 || nDims > GgufTensor.MAX_DIMS) {
            throw in.error(field, "n_dims " + nDims + " is out of range [1, " + GgufTensor.MAX_DIMS + "]");
        }
        long[] shape = new long[(int) nDims];
        for (int d = 0; d < shape.length; d++) {
            shape[d] = in.i64(field + " ne[" + d + "]");
            if (shape[d] < 0) {
                throw in.error(field, "dimension ne[" + d + "] = " + Long.toUnsignedString(shape[d])
                        + " is too large");
            }
        }
        long typeId = in.u32(field + " type");
        GgmlType type = typeId <= Integer.MAX_VALUE ? GgmlType.byId((int) typeId) : null;
        if (type == null) {
            throw in.error(field, "unknown ggml type id " + typeId);
        }
        long offset = in.i64(field + " offset");
        if (offset < 0) {
            throw in.error(field, "data offset " + Long.toUnsignedString(offset) + " is too large");
        }
        return new TensorInfo(name, shape, type, offset);
    }

    /** Checks a tensor's shape, alignment and extent, and slices its bytes out of the mapping. */
    private GgufTensor checkAndSlice(TensorInfo info, int alignment, long dataOffset, MemorySegment bytes) {
        String field = "tensor '" + info.name() + "'";
        String shape = info.type() + " " + Arrays.toString(info.shape());
        long elements = 1;
        for (long d : info.shape()) {
            if (d != 0 && elements > Long.MAX_VALUE / d) {
                throw in.error(field, "element count of " + shape + " overflows");
            }
            elements *= d;
        }
        if (info.shape()[0] % info.type().blockSize() != 0) {
            throw in.error(field, "row length ne[0] = " + info.shape()[0] + " of " + shape
                    + " is not a whole number of blocks of " + info.type().blockSize());
        }
        long size = info.type().byteSize(elements);
        if (size < 0) {
            throw in.error(field, "byte size of " + shape + " overflows");
        }
        if (info.offset() % alignment != 0) {
            throw in.error(field, "data offset " + info.offset() + " is not a multiple of the alignment " + alignment);
        }
        long start = dataOffset + info.offset();
        if (start < 0 || start > bytes.byteSize() || size > bytes.byteSize() - start) {
            String end = start < 0 || size > Long.MAX_VALUE - start ? "overflow" : Long.toString(start + size);
            throw in.error(field, "data [" + (start < 0 ? "overflow" : start) + ".." + end
                    + ") extends beyond the end of the file (size " + bytes.byteSize() + ")");
        }
        MemorySegment data = bytes.asSlice(start, size).asReadOnly();
        return new GgufTensor(info.name(), info.type(), info.shape(), info.offset(), data);
    }

    private static String describeMagic(int magic) {
        StringBuilder sb = new StringBuilder("0x");
        for (int i = 0; i < 4; i++) {
            sb.append(String.format("%02x", (magic >>> (8 * i)) & 0xff));
        }
        return sb.toString();
    }
}
