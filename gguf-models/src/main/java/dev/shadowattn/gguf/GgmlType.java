package dev.shadowattn.gguf;

/**
 * ggml tensor types, as numbered by {@code enum ggml_type} in ggml.h (the ids stored in GGUF tensor infos).
 *
 * <p>Each type stores elements in blocks of {@link #blockSize()} elements taking {@link #typeSize()} bytes.
 * All types are listed so that tensor extents of any GGUF file can be checked; {@link #computeSupported()} says
 * which ones the kernels of this project can compute with.
 */
public enum GgmlType {
    F32(0, 1, 4, true),
    F16(1, 1, 2, true),
    Q4_0(2, 32, 2 + 16, true),          // fp16 scale d, 32 x 4-bit quants
    Q4_1(3, 32, 2 + 2 + 16, false),     // fp16 d, fp16 m, 32 x 4-bit
    Q5_0(6, 32, 2 + 4 + 16, false),
    Q5_1(7, 32, 2 + 2 + 4 + 16, false),
    Q8_0(8, 32, 2 + 32, true),          // fp16 scale d, 32 x int8
    Q8_1(9, 32, 4 + 4 + 32, false),
    Q2_K(10, 256, 256 / 16 + 256 / 4 + 2 + 2, false),
    Q3_K(11, 256, 256 / 8 + 256 / 4 + 12 + 2, false),
    Q4_K(12, 256, 2 + 2 + 12 + 256 / 2, true),        // d, dmin, 12 bytes of 6-bit scales/mins, 4-bit quants
    Q5_K(13, 256, 2 + 2 + 12 + 256 / 8 + 256 / 2, false),
    Q6_K(14, 256, 256 / 2 + 256 / 4 + 256 / 16 + 2, true), // ql, qh, int8 scales, fp16 d
    Q8_K(15, 256, 4 + 256 + 256 / 16 * 2, false),
    IQ2_XXS(16, 256, 2 + 256 / 8 * 2, false),
    IQ2_XS(17, 256, 2 + 256 / 8 * 2 + 256 / 32, false),
    IQ3_XXS(18, 256, 2 + 256 / 4 + 256 / 8, false),
    IQ1_S(19, 256, 2 + 256 / 8 + 256 / 16, false),
    IQ4_NL(20, 32, 2 + 16, false),
    IQ3_S(21, 256, 2 + 256 / 4 + 256 / 8 + 256 / 32 + 4, false),
    IQ2_S(22, 256, 2 + 256 / 4 + 256 / 16, false),
    IQ4_XS(23, 256, 2 + 2 + 256 / 64 + 256 / 2, false),
    I8(24, 1, 1, false),
    I16(25, 1, 2, false),
    I32(26, 1, 4, false),
    I64(27, 1, 8, false),
    F64(28, 1, 8, false),
    IQ1_M(29, 256, 256 / 8 + 256 / 16 + 256 / 32, false),
    BF16(30, 1, 2, true),
    TQ1_0(34, 256, 2 + 4 * 13, false),
    TQ2_0(35, 256, 2 + 64, false);

    private static final GgmlType[] BY_ID = new GgmlType[64];

    static {
        for (GgmlType t : values()) {
            BY_ID[t.id] = t;
        }
    }

    private final int id;
    private final int blockSize;
    private final int typeSize;
    private final boolean computeSupported;

    GgmlType(int id, int blockSize, int typeSize, boolean computeSupported) {
        this.id = id;
        this.blockSize = blockSize;
        this.typeSize = typeSize;
        this.computeSupported = computeSupported;
    }

    public int id() {
        return id;
    }

    /** Elements per block. */
    public int blockSize() {
        return blockSize;
    }

    /** Bytes per block. */
    public int typeSize() {
        return typeSize;
    }

    /** Whether the tensor kernels of this project implement dot products and dequantization for this type. */
    public boolean computeSupported() {
        return computeSupported;
    }

    /** The type with this ggml id, or {@code null} if the id is unknown. */
    public static GgmlType byId(int id) {
        return id >= 0 && id < BY_ID.length ? BY_ID[id] : null;
    }

    /**
     * Bytes needed for {@code elements} elements, or -1 if {@code elements} is not a whole number of blocks
     * or the size overflows.
     */
    public long byteSize(long elements) {
        if (elements < 0 || elements % blockSize != 0) {
            return -1;
        }
        long blocks = elements / blockSize;
        if (blocks > Long.MAX_VALUE / typeSize) {
            return -1;
        }
        return blocks * typeSize;
    }
}
