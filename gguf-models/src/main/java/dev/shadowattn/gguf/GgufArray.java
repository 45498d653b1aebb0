package dev.shadowattn.gguf;

import java.util.AbstractList;
import java.util.Objects;
import java.util.RandomAccess;

/**
 * An immutable GGUF metadata array, kept in a primitive Java array of its element type so that large arrays
 * (vocabularies, scores, merges) cost no boxing until read.
 *
 * <p>Seen as a {@code List}, elements are boxed with the same widening as scalar values in {@link GgufMetadata#get}:
 * UINT8 as Short, UINT16 as Integer, UINT32 as Long, UINT64 as Long (raw bits); arrays of arrays are nested lists.
 *
 * @param elementType the GGUF type of the elements
 * @param values      byte[] (UINT8, INT8), short[] (UINT16, INT16), int[] (UINT32, INT32), long[] (UINT64, INT64),
 *                    float[], double[], boolean[], String[] or GgufArray[] (ARRAY)
 */
final class GgufArray extends AbstractList<Object> implements RandomAccess {

    private final GgufValueType elementType;
    private final Object values;
    private final int size;

    GgufArray(GgufValueType elementType, Object values) {
        this.elementType = Objects.requireNonNull(elementType);
        this.values = Objects.requireNonNull(values);
        this.size = switch (elementType) {
            case UINT8, INT8 -> ((byte[]) values).length;
            case UINT16, INT16 -> ((short[]) values).length;
            case UINT32, INT32 -> ((int[]) values).length;
            case UINT64, INT64 -> ((long[]) values).length;
            case FLOAT32 -> ((float[]) values).length;
            case FLOAT64 -> ((double[]) values).length;
            case BOOL -> ((boolean[]) values).length;
            case STRING -> ((String[]) values).length;
            case ARRAY -> ((GgufArray[]) values).length;
        };
    }

    GgufValueType elementType() {
        return elementType;
    }

    @Override
    public int size() {
        return size;
    }

    @Override
    public Object get(int i) {
        Objects.checkIndex(i, size);
        return switch (elementType) {
            case UINT8 -> (short) Byte.toUnsignedInt(((byte[]) values)[i]);
            case INT8 -> ((byte[]) values)[i];
            case UINT16 -> Short.toUnsignedInt(((short[]) values)[i]);
            case INT16 -> ((short[]) values)[i];
            case UINT32 -> Integer.toUnsignedLong(((int[]) values)[i]);
            case INT32 -> ((int[]) values)[i];
            case UINT64, INT64 -> ((long[]) values)[i];
            case FLOAT32 -> ((float[]) values)[i];
            case FLOAT64 -> ((double[]) values)[i];
            case BOOL -> ((boolean[]) values)[i];
            case STRING -> ((String[]) values)[i];
            case ARRAY -> ((GgufArray[]) values)[i];
        };
    }

    /** Element {@code i} of an integer array as a long; UINT64 elements keep their raw bits. */
    long longAt(int i) {
        return switch (elementType) {
            case UINT8 -> Byte.toUnsignedLong(((byte[]) values)[i]);
            case INT8 -> ((byte[]) values)[i];
            case UINT16 -> Short.toUnsignedLong(((short[]) values)[i]);
            case INT16 -> ((short[]) values)[i];
            case UINT32 -> Integer.toUnsignedLong(((int[]) values)[i]);
            case INT32 -> ((int[]) values)[i];
            case UINT64, INT64 -> ((long[]) values)[i];
            default -> throw new IllegalStateException("not an integer array: " + elementType);
        };
    }

    /** Element {@code i} of a numeric array as a double. */
    double doubleAt(int i) {
        return switch (elementType) {
            case FLOAT32 -> ((float[]) values)[i];
            case FLOAT64 -> ((double[]) values)[i];
            case UINT64 -> unsignedToDouble(((long[]) values)[i]);
            default -> longAt(i);
        };
    }

    /** The backing array when it is a float[] (FLOAT32 elements), for a fast copy. */
    float[] floats() {
        return (float[]) values;
    }

    /** The backing array when it is a String[] (STRING elements). */
    String[] strings() {
        return (String[]) values;
    }

    static double unsignedToDouble(long bits) {
        // Halve with the low bit kept sticky so that the conversion rounds correctly, then double.
        return bits >= 0 ? bits : ((bits >>> 1) | (bits & 1)) * 2.0;
    }
}
