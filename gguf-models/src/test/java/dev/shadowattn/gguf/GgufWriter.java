package dev.shadowattn.gguf;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Test-only builder of GGUF files (GGUF spec, ggml docs/gguf.md), valid or deliberately broken: every value type,
 * arrays of arrays, tensors laid out at the alignment, and overrides of magic, version, counts, type ids, n_dims
 * and offsets to make corrupted files.
 *
 * <p>Layout: header, metadata, tensor infos, zero padding to the alignment ({@code general.alignment} if it was put
 * as a number, else 32), then the tensor data, each tensor at the next aligned offset unless given explicitly.
 * Nothing is written after the last tensor's bytes.
 */
final class GgufWriter {

    /** An array value: its element type and elements ({@link Arr} elements for arrays of arrays). */
    record Arr(GgufValueType elementType, List<?> elements) {
        static Arr of(GgufValueType elementType, Object... elements) {
            return new Arr(elementType, Arrays.asList(elements));
        }
    }

    private record Kv(String key, int typeId, Object value) {
    }

    private record Tensor(String name, long[] dims, int typeId, Long offset, byte[] data) {
    }

    private int magic = GgufParser.MAGIC;
    private int version = 3;
    private Long tensorCount;
    private Long kvCount;
    private final List<Kv> kvs = new ArrayList<>();
    private final List<Tensor> tensors = new ArrayList<>();

    GgufWriter magic(int magic) {
        this.magic = magic;
        return this;
    }

    GgufWriter version(int version) {
        this.version = version;
        return this;
    }

    /** Writes {@code count} as tensor_count instead of the number of tensors added. */
    GgufWriter tensorCount(long count) {
        this.tensorCount = count;
        return this;
    }

    /** Writes {@code count} as metadata_kv_count instead of the number of keys added. */
    GgufWriter kvCount(long count) {
        this.kvCount = count;
        return this;
    }

    /**
     * Adds a key-value pair. {@code value}: a Number for numeric types (a Number for BOOL writes that raw byte), a
     * Boolean, a String, or an {@link Arr} for ARRAY.
     */
    GgufWriter put(String key, GgufValueType type, Object value) {
        kvs.add(new Kv(key, type.id(), value));
        return this;
    }

    /** Adds a key with an arbitrary type id followed by {@code payload} as its raw value bytes. */
    GgufWriter putRaw(String key, int typeId, byte[] payload) {
        kvs.add(new Kv(key, typeId, payload));
        return this;
    }

    /** Adds a tensor at the next aligned offset; {@code data} must have the size type and shape need. */
    GgufWriter tensor(String name, GgmlType type, long[] shape, byte[] data) {
        tensors.add(new Tensor(name, shape.clone(), type.id(), null, data.clone()));
        return this;
    }

    /** Adds a tensor info with arbitrary fields; {@code data} (may be null) is written at {@code offset} if it fits. */
    GgufWriter tensorRaw(String name, long[] dims, int typeId, long offset, byte[] data) {
        tensors.add(new Tensor(name, dims.clone(), typeId, offset, data));
        return this;
    }

    int alignment() {
        for (Kv kv : kvs) {
            if (kv.key().equals(GgufParser.ALIGNMENT_KEY) && kv.value() instanceof Number n && n.intValue() > 0) {
                return n.intValue();
            }
        }
        return GgufParser.DEFAULT_ALIGNMENT;
    }

    byte[] toBytes() {
        int alignment = alignment();
        long[] offsets = new long[tensors.size()];
        long dataLength = 0;
        for (int i = 0; i < tensors.size(); i++) {
            Tensor t = tensors.get(i);
            offsets[i] = t.offset() != null ? t.offset() : align(dataLength, alignment);
            if (t.data() != null && offsets[i] >= 0 && offsets[i] < (1 << 24)) {
                dataLength = Math.max(dataLength, offsets[i] + t.data().length);
            }
        }

        Sink out = new Sink();
        out.u32(magic).u32(version);
        out.u64(tensorCount != null ? tensorCount : tensors.size());
        out.u64(kvCount != null ? kvCount : kvs.size());
        for (Kv kv : kvs) {
            out.str(kv.key()).u32(kv.typeId());
            GgufValueType type = GgufValueType.byId(kv.typeId());
            if (kv.value() instanceof byte[] raw) {
                out.bytes(raw);
            } else {
                value(out, type, kv.value());
            }
        }
        for (int i = 0; i < tensors.size(); i++) {
            Tensor t = tensors.get(i);
            out.str(t.name()).u32(t.dims().length);
            for (long d : t.dims()) {
                out.u64(d);
            }
            out.u32(t.typeId()).u64(offsets[i]);
        }
        if (!tensors.isEmpty()) {
            out.zeros(align(out.size(), alignment) - out.size());
        }
        byte[] data = new byte[(int) dataLength];
        for (int i = 0; i < tensors.size(); i++) {
            Tensor t = tensors.get(i);
            if (t.data() != null && offsets[i] >= 0 && offsets[i] < (1 << 24)) {
                System.arraycopy(t.data(), 0, data, (int) offsets[i], t.data().length);
            }
        }
        out.bytes(data);
        return out.toByteArray();
    }

    Path writeTo(Path file) {
        try {
            return Files.write(file, toBytes());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void value(Sink out, GgufValueType type, Object v) {
        switch (type) {
            case UINT8, INT8 -> out.u8(((Number) v).intValue());
            case UINT16, INT16 -> out.u16(((Number) v).intValue());
            case UINT32, INT32 -> out.u32(((Number) v).intValue());
            case UINT64, INT64 -> out.u64(((Number) v).longValue());
            case FLOAT32 -> out.u32(Float.floatToRawIntBits(((Number) v).floatValue()));
            case FLOAT64 -> out.u64(Double.doubleToRawLongBits(((Number) v).doubleValue()));
            case BOOL -> out.u8(v instanceof Boolean b ? (b ? 1 : 0) : ((Number) v).intValue());
            case STRING -> out.str((String) v);
            case ARRAY -> {
                Arr a = (Arr) v;
                out.u32(a.elementType().id()).u64(a.elements().size());
                for (Object e : a.elements()) {
                    value(out, a.elementType(), e);
                }
            }
        }
    }

    static long align(long n, int alignment) {
        return (n + alignment - 1) / alignment * alignment;
    }

    /** Little-endian byte sink, also used directly by tests to hand-build broken headers. */
    static final class Sink {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        Sink u8(int v) {
            out.write(v);
            return this;
        }

        Sink u16(int v) {
            return u8(v).u8(v >>> 8);
        }

        Sink u32(int v) {
            return u16(v).u16(v >>> 16);
        }

        Sink u64(long v) {
            return u32((int) v).u32((int) (v >>> 32));
        }

        /** A GGUF string: uint64 byte length and UTF-8 bytes. */
        Sink str(String s) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            return u64(b.length).bytes(b);
        }

        Sink bytes(byte[] b) {
            out.writeBytes(b);
            return this;
        }

        Sink zeros(long n) {
            return bytes(new byte[(int) n]);
        }

        int size() {
            return out.size();
        }

        byte[] toByteArray() {
            return out.toByteArray();
        }
    }
}
