package dev.shadowattn.plugin.qnn;

import static java.lang.foreign.MemoryLayout.paddingLayout;
import static java.lang.foreign.MemoryLayout.sequenceLayout;
import static java.lang.foreign.MemoryLayout.structLayout;
import static java.lang.foreign.MemoryLayout.unionLayout;
import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_DOUBLE;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;
import java.util.Arrays;

/**
 * Memory layouts of the QNN C structs this binding touches, written from QNN-ABI.md ("Layouts", LP64: identical on
 * x86-64 and arm64 Linux/Android) and checked member by member against C {@code offsetof} probes in the tests.
 * Member names follow the C members; unions the document leaves anonymous get the names {@code encoding},
 * {@code memory}, {@code u}, {@code value} and {@code info}. Offsets used by the binding are derived from these
 * layouts, so each fact is stated once.
 */
public final class QnnLayouts {

    private QnnLayouts() {
    }

    /** {@code Qnn_Version_t}: three {@code uint32}. */
    public static final StructLayout VERSION = structLayout(
            JAVA_INT.withName("major"), JAVA_INT.withName("minor"), JAVA_INT.withName("patch"))
            .withName("Qnn_Version_t");

    /** {@code Qnn_ApiVersion_t}: core API version then backend API version, 24 bytes. */
    public static final StructLayout API_VERSION = structLayout(
            VERSION.withName("coreApiVersion"), VERSION.withName("backendApiVersion")).withName("Qnn_ApiVersion_t");

    /** {@code Qnn_ScaleOffset_t}: {@code real = (q + offset) * scale}. */
    public static final StructLayout SCALE_OFFSET = structLayout(
            JAVA_FLOAT.withName("scale"), JAVA_INT.withName("offset")).withName("Qnn_ScaleOffset_t");

    /** {@code Qnn_QuantizeParams_t}, 40 bytes: definition @0, encoding kind @4, encoding union @8. */
    public static final StructLayout QUANTIZE_PARAMS = structLayout(
            JAVA_INT.withName("encodingDefinition"),
            JAVA_INT.withName("quantizationEncoding"),
            unionLayout(SCALE_OFFSET.withName("scaleOffset"), sequenceLayout(4, JAVA_LONG).withName("other"))
                    .withName("encoding")).withName("Qnn_QuantizeParams_t");

    /** {@code Qnn_ClientBuffer_t}, 16 bytes: data pointer @0, {@code uint32} size @8. */
    public static final StructLayout CLIENT_BUFFER = structLayout(
            ADDRESS.withName("data"), JAVA_INT.withName("dataSize"), paddingLayout(4)).withName("Qnn_ClientBuffer_t");

    /** {@code Qnn_TensorV1_t}, 112 bytes. */
    public static final StructLayout TENSOR_V1 = structLayout(
            JAVA_INT.withName("id"), paddingLayout(4),
            ADDRESS.withName("name"),
            JAVA_INT.withName("type"),
            JAVA_INT.withName("dataFormat"),
            JAVA_INT.withName("dataType"), paddingLayout(4),
            QUANTIZE_PARAMS.withName("quantizeParams"),
            JAVA_INT.withName("rank"), paddingLayout(4),
            ADDRESS.withName("dimensions"),
            JAVA_INT.withName("memType"), paddingLayout(4),
            unionLayout(CLIENT_BUFFER.withName("clientBuf"), ADDRESS.withName("memHandle")).withName("memory"))
            .withName("Qnn_TensorV1_t");

    /** {@code Qnn_Tensor_t}, 144 bytes: version @0, union of v1 / v2 @8; arrays of tensors step by 144. */
    public static final StructLayout TENSOR = structLayout(
            JAVA_INT.withName("version"), paddingLayout(4),
            unionLayout(TENSOR_V1.withName("v1"), sequenceLayout(17, JAVA_LONG).withName("v2")).withName("u"))
            .withName("Qnn_Tensor_t");

    /** {@code Qnn_Scalar_t}, 16 bytes: data type @0, value union @8 (a BOOL_8 is one byte @8). */
    public static final StructLayout SCALAR = structLayout(
            JAVA_INT.withName("dataType"), paddingLayout(4),
            unionLayout(JAVA_BYTE.withName("bool8"), JAVA_INT.withName("int32"), JAVA_FLOAT.withName("float32"),
                    JAVA_DOUBLE.withName("float64"), JAVA_LONG.withName("int64")).withName("value"))
            .withName("Qnn_Scalar_t");

    /** {@code Qnn_Param_t}, 160 bytes: kind @0, name @8, union of scalar / tensor @16. */
    public static final StructLayout PARAM = structLayout(
            JAVA_INT.withName("paramType"), paddingLayout(4),
            ADDRESS.withName("name"),
            unionLayout(SCALAR.withName("scalarParam"), TENSOR.withName("tensorParam")).withName("u"))
            .withName("Qnn_Param_t");

    /** {@code Qnn_OpConfigV1_t}, 72 bytes. */
    public static final StructLayout OP_CONFIG_V1 = structLayout(
            ADDRESS.withName("name"),
            ADDRESS.withName("packageName"),
            ADDRESS.withName("typeName"),
            JAVA_INT.withName("numOfParams"), paddingLayout(4),
            ADDRESS.withName("params"),
            JAVA_INT.withName("numOfInputs"), paddingLayout(4),
            ADDRESS.withName("inputTensors"),
            JAVA_INT.withName("numOfOutputs"), paddingLayout(4),
            ADDRESS.withName("outputTensors")).withName("Qnn_OpConfigV1_t");

    /**
     * {@code Qnn_OpConfig_t}, 80 bytes: version @0, v1 @8. Passed BY VALUE to {@code backendValidateOpConfig} and
     * {@code graphAddNode}; the union has a single member here, so it is declared as a struct, which classifies the
     * same for the native calling conventions.
     */
    public static final StructLayout OP_CONFIG = structLayout(
            JAVA_INT.withName("version"), paddingLayout(4),
            structLayout(OP_CONFIG_V1.withName("v1")).withName("u")).withName("Qnn_OpConfig_t");

    /** {@code Qnn_MemShape_t}, 24 bytes. */
    public static final StructLayout MEM_SHAPE = structLayout(
            JAVA_INT.withName("numDim"), paddingLayout(4),
            ADDRESS.withName("dimSize"),
            ADDRESS.withName("shapeConfig")).withName("Qnn_MemShape_t");

    /** {@code Qnn_MemDescriptor_t}, 40 bytes: shape @0, data type @24, memory type @28 (ION 1, CUSTOM 2), info @32. */
    public static final StructLayout MEM_DESCRIPTOR = structLayout(
            MEM_SHAPE.withName("memShape"),
            JAVA_INT.withName("dataType"),
            JAVA_INT.withName("memType"),
            unionLayout(JAVA_INT.withName("fd"), ADDRESS.withName("customInfo")).withName("info"))
            .withName("Qnn_MemDescriptor_t");

    /**
     * Fixed head of {@code QnnInterface_t}: backend id @0, provider name @8, API version @16; the function table
     * follows inline from {@link #INTERFACE_TABLE_OFFSET}, one pointer per slot, growing only at its end.
     */
    public static final StructLayout INTERFACE_HEAD = structLayout(
            JAVA_INT.withName("backendId"), paddingLayout(4),
            ADDRESS.withName("providerName"),
            API_VERSION.withName("apiVersion")).withName("QnnInterface_t");

    public static final long INTERFACE_TABLE_OFFSET = INTERFACE_HEAD.byteSize();

    // Offsets the binding uses, derived from the layouts above.
    static final long TENSOR_VERSION = offset(TENSOR, "version");
    static final long T_ID = offset(TENSOR, "u", "v1", "id");
    static final long T_NAME = offset(TENSOR, "u", "v1", "name");
    static final long T_TYPE = offset(TENSOR, "u", "v1", "type");
    static final long T_DATA_FORMAT = offset(TENSOR, "u", "v1", "dataFormat");
    static final long T_DATA_TYPE = offset(TENSOR, "u", "v1", "dataType");
    static final long T_ENCODING_DEFINITION = offset(TENSOR, "u", "v1", "quantizeParams", "encodingDefinition");
    static final long T_QUANTIZATION_ENCODING = offset(TENSOR, "u", "v1", "quantizeParams", "quantizationEncoding");
    static final long T_SCALE = offset(TENSOR, "u", "v1", "quantizeParams", "encoding", "scaleOffset", "scale");
    static final long T_OFFSET = offset(TENSOR, "u", "v1", "quantizeParams", "encoding", "scaleOffset", "offset");
    static final long T_RANK = offset(TENSOR, "u", "v1", "rank");
    static final long T_DIMENSIONS = offset(TENSOR, "u", "v1", "dimensions");
    static final long T_MEM_TYPE = offset(TENSOR, "u", "v1", "memType");
    static final long T_BUF_DATA = offset(TENSOR, "u", "v1", "memory", "clientBuf", "data");
    static final long T_BUF_SIZE = offset(TENSOR, "u", "v1", "memory", "clientBuf", "dataSize");

    static final long P_TYPE = offset(PARAM, "paramType");
    static final long P_NAME = offset(PARAM, "name");
    static final long P_SCALAR_TYPE = offset(PARAM, "u", "scalarParam", "dataType");
    static final long P_SCALAR_BOOL8 = offset(PARAM, "u", "scalarParam", "value", "bool8");

    static final long OP_VERSION = offset(OP_CONFIG, "version");
    static final long OP_NAME = offset(OP_CONFIG, "u", "v1", "name");
    static final long OP_PACKAGE = offset(OP_CONFIG, "u", "v1", "packageName");
    static final long OP_TYPE = offset(OP_CONFIG, "u", "v1", "typeName");
    static final long OP_NUM_PARAMS = offset(OP_CONFIG, "u", "v1", "numOfParams");
    static final long OP_PARAMS = offset(OP_CONFIG, "u", "v1", "params");
    static final long OP_NUM_INPUTS = offset(OP_CONFIG, "u", "v1", "numOfInputs");
    static final long OP_INPUTS = offset(OP_CONFIG, "u", "v1", "inputTensors");
    static final long OP_NUM_OUTPUTS = offset(OP_CONFIG, "u", "v1", "numOfOutputs");
    static final long OP_OUTPUTS = offset(OP_CONFIG, "u", "v1", "outputTensors");

    static final long I_BACKEND_ID = offset(INTERFACE_HEAD, "backendId");
    static final long I_PROVIDER_NAME = offset(INTERFACE_HEAD, "providerName");
    static final long I_CORE_MAJOR = offset(INTERFACE_HEAD, "apiVersion", "coreApiVersion", "major");
    static final long I_CORE_MINOR = offset(INTERFACE_HEAD, "apiVersion", "coreApiVersion", "minor");
    static final long I_CORE_PATCH = offset(INTERFACE_HEAD, "apiVersion", "coreApiVersion", "patch");
    static final long I_BACKEND_MAJOR = offset(INTERFACE_HEAD, "apiVersion", "backendApiVersion", "major");
    static final long I_BACKEND_MINOR = offset(INTERFACE_HEAD, "apiVersion", "backendApiVersion", "minor");
    static final long I_BACKEND_PATCH = offset(INTERFACE_HEAD, "apiVersion", "backendApiVersion", "patch");

    /** {@code Qnn_QuantizeParams_t.encodingDefinition}: DEFINED. */
    static final int DEFINITION_DEFINED = 1;
    /** {@code Qnn_QuantizeParams_t.quantizationEncoding}: SCALE_OFFSET. */
    static final int ENCODING_SCALE_OFFSET = 0;
    /** {@code Qnn_TensorDataFormat_t}: DENSE. */
    static final int DATA_FORMAT_DENSE = 0;
    /** {@code Qnn_TensorMemType_t}: RAW (client buffer) and MEMHANDLE. */
    static final int MEM_TYPE_RAW = 0;
    static final int MEM_TYPE_MEMHANDLE = 1;
    /** {@code Qnn_ParamType_t}: SCALAR. */
    static final int PARAM_SCALAR = 0;
    /** {@code Qnn_Tensor_t.version} and {@code Qnn_OpConfig_t.version}. */
    static final int VERSION_1 = 1;

    /** Byte offset of a member given by its path of names (nested struct and union members). */
    public static long offset(MemoryLayout layout, String... path) {
        return layout.byteOffset(Arrays.stream(path).map(MemoryLayout.PathElement::groupElement)
                .toArray(MemoryLayout.PathElement[]::new));
    }
}
