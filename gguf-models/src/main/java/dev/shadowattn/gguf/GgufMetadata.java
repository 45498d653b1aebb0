package dev.shadowattn.gguf;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The key-value metadata of a GGUF file (GGUF spec, "gguf_metadata_kv_t"), in file order, with typed accessors.
 *
 * <p>Raw values ({@link #get}) are Java boxes of the stored type, unsigned types widened to the next larger signed
 * type: UINT8 as Short, UINT16 as Integer, UINT32 as Long, and UINT64 as Long holding the raw 64 bits. INT8, INT16,
 * INT32, INT64 are Byte, Short, Integer, Long; FLOAT32 and FLOAT64 are Float and Double; BOOL is Boolean; STRING is
 * String; ARRAY is an immutable {@code List<?>} of such boxes (nested lists for arrays of arrays).
 *
 * <p>The typed accessors convert where nothing is lost and otherwise throw a {@link GgufFormatException} naming
 * the file, the key and the value or type at fault; a missing key is such an error too, except for the accessors
 * taking a default value.
 */
public final class GgufMetadata {

    /** A value and its GGUF type. {@code value} is a box as described in the class comment, or a GgufArray. */
    record Entry(GgufValueType type, Object value) {
        Entry {
            Objects.requireNonNull(type);
            Objects.requireNonNull(value);
        }
    }

    private final Path file;
    private final Map<String, Entry> entries;

    /** @param entries in file order; not copied, must not be modified afterwards */
    GgufMetadata(Path file, LinkedHashMap<String, Entry> entries) {
        this.file = Objects.requireNonNull(file);
        this.entries = Collections.unmodifiableMap(entries);
    }

    /** The keys, in file order. */
    public Set<String> keys() {
        return entries.keySet();
    }

    public boolean contains(String key) {
        return entries.containsKey(key);
    }

    /** Number of key-value pairs. */
    public int size() {
        return entries.size();
    }

    /** The raw value of {@code key}; see the class comment for the Java types. */
    public Object get(String key) {
        return entry(key).value();
    }

    /** The raw value of {@code key}, or empty when absent. */
    public Optional<Object> find(String key) {
        Entry e = entries.get(key);
        return e == null ? Optional.empty() : Optional.of(e.value());
    }

    /** The GGUF type of the value of {@code key}. */
    public GgufValueType typeOf(String key) {
        return entry(key).type();
    }

    /** The element type of the array value of {@code key}. */
    public GgufValueType arrayElementType(String key) {
        return array(key).elementType();
    }

    /** The length of the array value of {@code key}. */
    public int arrayLength(String key) {
        return array(key).size();
    }

    public String getString(String key) {
        Entry e = entry(key);
        if (e.type() != GgufValueType.STRING) {
            throw wrongType(key, e, "a string");
        }
        return (String) e.value();
    }

    /** The value of any integer type whose value fits in an int. */
    public int getInt(String key) {
        long v = getLong(key);
        if (v != (int) v) {
            throw error(key, "value " + v + " does not fit in an int");
        }
        return (int) v;
    }

    /** The value of any integer type; a UINT64 above {@link Long#MAX_VALUE} is an error. */
    public long getLong(String key) {
        Entry e = entry(key);
        if (!e.type().isInteger()) {
            throw wrongType(key, e, "an integer");
        }
        long v = ((Number) e.value()).longValue();
        if (e.type() == GgufValueType.UINT64 && v < 0) {
            throw error(key, "UINT64 value " + Long.toUnsignedString(v) + " does not fit in a long");
        }
        return v;
    }

    /** A FLOAT32, FLOAT64 (rounded to float) or integer value. */
    public float getFloat(String key) {
        return (float) getDouble(key);
    }

    /** A FLOAT32, FLOAT64 or integer value. */
    public double getDouble(String key) {
        Entry e = entry(key);
        return switch (e.type()) {
            case FLOAT32, FLOAT64 -> ((Number) e.value()).doubleValue();
            case UINT64 -> GgufArray.unsignedToDouble((Long) e.value());
            default -> {
                if (!e.type().isInteger()) {
                    throw wrongType(key, e, "a number");
                }
                yield ((Number) e.value()).doubleValue();
            }
        };
    }

    public boolean getBoolean(String key) {
        Entry e = entry(key);
        if (e.type() != GgufValueType.BOOL) {
            throw wrongType(key, e, "a bool");
        }
        return (Boolean) e.value();
    }

    /** An array of strings, as an immutable list (not copied). */
    public List<String> getStringArray(String key) {
        GgufArray a = array(key);
        if (a.elementType() != GgufValueType.STRING) {
            throw wrongElementType(key, a, "STRING");
        }
        return Collections.unmodifiableList(Arrays.asList(a.strings()));
    }

    /** An array of FLOAT32, FLOAT64 or integer elements, as a fresh float[]. */
    public float[] getFloatArray(String key) {
        GgufArray a = array(key);
        if (a.elementType() == GgufValueType.FLOAT32) {
            return a.floats().clone();
        }
        if (a.elementType() != GgufValueType.FLOAT64 && !a.elementType().isInteger()) {
            throw wrongElementType(key, a, "numeric");
        }
        float[] out = new float[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) a.doubleAt(i);
        }
        return out;
    }

    /** An array of integer elements that all fit in an int, as a fresh int[]. */
    public int[] getIntArray(String key) {
        GgufArray a = array(key);
        if (!a.elementType().isInteger()) {
            throw wrongElementType(key, a, "integer");
        }
        boolean unsigned64 = a.elementType() == GgufValueType.UINT64;
        int[] out = new int[a.size()];
        for (int i = 0; i < out.length; i++) {
            long v = a.longAt(i);
            if (v != (int) v || (unsigned64 && v < 0)) {
                String shown = unsigned64 ? Long.toUnsignedString(v) : Long.toString(v);
                throw error(key, "element " + i + " = " + shown + " does not fit in an int");
            }
            out[i] = (int) v;
        }
        return out;
    }

    /**
     * {@link #getInt(String)}, or {@code defaultValue} when the key is absent. A present value of a wrong type is
     * still an error (so are the other accessors with a default).
     */
    public int getInt(String key, int defaultValue) {
        return contains(key) ? getInt(key) : defaultValue;
    }

    /** {@link #getLong(String)}, or {@code defaultValue} when the key is absent. */
    public long getLong(String key, long defaultValue) {
        return contains(key) ? getLong(key) : defaultValue;
    }

    /** {@link #getFloat(String)}, or {@code defaultValue} when the key is absent. */
    public float getFloat(String key, float defaultValue) {
        return contains(key) ? getFloat(key) : defaultValue;
    }

    /** {@link #getString(String)}, or {@code defaultValue} when the key is absent. */
    public String getString(String key, String defaultValue) {
        return contains(key) ? getString(key) : defaultValue;
    }

    /** {@link #getBoolean(String)}, or {@code defaultValue} when the key is absent. */
    public boolean getBoolean(String key, boolean defaultValue) {
        return contains(key) ? getBoolean(key) : defaultValue;
    }

    /** A short rendering of one value: strings quoted, arrays as their type, length and first elements. */
    String render(String key) {
        Entry e = entry(key);
        return switch (e.type()) {
            case STRING -> '"' + abbreviate((String) e.value(), 60) + '"';
            case ARRAY -> {
                GgufArray a = (GgufArray) e.value();
                StringBuilder sb = new StringBuilder(a.elementType() + "[" + a.size() + "] [");
                for (int i = 0; i < Math.min(4, a.size()); i++) {
                    Object v = a.get(i);
                    sb.append(i == 0 ? "" : ", ").append(v instanceof String s ? '"' + abbreviate(s, 20) + '"'
                            : v instanceof GgufArray n ? n.elementType() + "[" + n.size() + "]" : v);
                }
                yield sb.append(a.size() > 4 ? ", ...]" : "]").toString();
            }
            case UINT64 -> Long.toUnsignedString((Long) e.value());
            default -> String.valueOf(e.value());
        };
    }

    @Override
    public String toString() {
        return "GgufMetadata[" + entries.size() + " keys: " + String.join(", ", entries.keySet()) + "]";
    }

    private static String abbreviate(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max) + "...";
    }

    private Entry entry(String key) {
        Entry e = entries.get(Objects.requireNonNull(key, "key"));
        if (e == null) {
            throw error(key, "key is missing");
        }
        return e;
    }

    private GgufArray array(String key) {
        Entry e = entry(key);
        if (e.type() != GgufValueType.ARRAY) {
            throw wrongType(key, e, "an array");
        }
        return (GgufArray) e.value();
    }

    private GgufFormatException wrongType(String key, Entry e, String expected) {
        String shown = e.type() == GgufValueType.ARRAY ? "an array" : e.type() + " value " + render(key);
        return error(key, "expected " + expected + ", found " + shown);
    }

    private GgufFormatException wrongElementType(String key, GgufArray a, String expected) {
        return error(key, "expected an array of " + expected + " elements, found an array of " + a.elementType());
    }

    private GgufFormatException error(String key, String detail) {
        return new GgufFormatException(file, "metadata '" + key + "'", detail);
    }
}
