package dev.shadowattn.plugin.qnn;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.MemoryLayout;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Every Java layout against the C compiler's {@code sizeof}/{@code offsetof} of the same struct in our reference
 * library (both written from QNN-ABI.md; the C side is laid out by gcc's LP64 rules, the Java side by hand).
 */
class QnnLayoutsTest {

    private record Probe(String cType, MemoryLayout layout, List<String> fields) {
    }

    private static final List<Probe> PROBES = List.of(
            new Probe("Qnn_Version_t", QnnLayouts.VERSION, List.of()),
            new Probe("Qnn_ApiVersion_t", QnnLayouts.API_VERSION, List.of()),
            new Probe("Qnn_ScaleOffset_t", QnnLayouts.SCALE_OFFSET, List.of()),
            new Probe("Qnn_QuantizeParams_t", QnnLayouts.QUANTIZE_PARAMS, List.of("encodingDefinition",
                    "quantizationEncoding", "encoding.scaleOffset.scale", "encoding.scaleOffset.offset")),
            new Probe("Qnn_ClientBuffer_t", QnnLayouts.CLIENT_BUFFER, List.of("data", "dataSize")),
            new Probe("Qnn_TensorV1_t", QnnLayouts.TENSOR_V1, List.of("id", "name", "type", "dataFormat", "dataType",
                    "quantizeParams", "rank", "dimensions", "memType", "memory.clientBuf", "memory.clientBuf.dataSize",
                    "memory.memHandle")),
            new Probe("Qnn_Tensor_t", QnnLayouts.TENSOR, List.of("version", "u.v1", "u.v1.rank")),
            new Probe("Qnn_Scalar_t", QnnLayouts.SCALAR, List.of("dataType", "value.bool8", "value.int32")),
            new Probe("Qnn_Param_t", QnnLayouts.PARAM, List.of("paramType", "name", "u.scalarParam",
                    "u.scalarParam.value.bool8", "u.tensorParam")),
            new Probe("Qnn_OpConfigV1_t", QnnLayouts.OP_CONFIG_V1, List.of("name", "packageName", "typeName",
                    "numOfParams", "params", "numOfInputs", "inputTensors", "numOfOutputs", "outputTensors")),
            new Probe("Qnn_OpConfig_t", QnnLayouts.OP_CONFIG, List.of("version", "u.v1", "u.v1.outputTensors")),
            new Probe("Qnn_MemShape_t", QnnLayouts.MEM_SHAPE, List.of()),
            new Probe("Qnn_MemDescriptor_t", QnnLayouts.MEM_DESCRIPTOR, List.of("memShape.numDim",
                    "memShape.dimSize", "memShape.shapeConfig", "dataType", "memType", "info.fd", "info.customInfo")));

    /** Sizes stated in QNN-ABI.md, independent of both implementations. */
    private static final Map<String, Long> DOCUMENTED_SIZES = Map.of(
            "Qnn_QuantizeParams_t", 40L, "Qnn_ClientBuffer_t", 16L, "Qnn_TensorV1_t", 112L, "Qnn_Tensor_t", 144L,
            "Qnn_Scalar_t", 16L, "Qnn_Param_t", 160L, "Qnn_OpConfig_t", 80L, "Qnn_MemDescriptor_t", 40L);

    @Test
    void sizesMatchTheCProbesAndTheDocument() {
        RefLibrary.Controls c = RefLibrary.controls();
        for (Probe p : PROBES) {
            assertEquals(c.sizeOf(p.cType()), p.layout().byteSize(), "sizeof(" + p.cType() + ")");
            Long documented = DOCUMENTED_SIZES.get(p.cType());
            if (documented != null) {
                assertEquals(documented, p.layout().byteSize(), "QNN-ABI.md size of " + p.cType());
            }
        }
        assertEquals(-1, c.sizeOf("NoSuchType"), "the probe must not answer for unknown types");
    }

    @Test
    void everyMemberOffsetMatchesTheCProbe() {
        RefLibrary.Controls c = RefLibrary.controls();
        for (Probe p : PROBES) {
            for (String field : p.fields()) {
                long expected = c.offsetOf(p.cType(), field);
                assertEquals(true, expected >= 0, "the C probe knows " + p.cType() + "." + field);
                assertEquals(expected, QnnLayouts.offset(p.layout(), field.split("\\.")), p.cType() + "." + field);
            }
        }
        assertEquals(-1, c.offsetOf("Qnn_Tensor_t", "noSuchField"));
    }

    @Test
    void interfaceHeadAndTableMatchTheCProbe() {
        RefLibrary.Controls c = RefLibrary.controls();
        for (String field : List.of("backendId", "providerName", "apiVersion.coreApiVersion.major",
                "apiVersion.coreApiVersion.minor", "apiVersion.backendApiVersion.major")) {
            assertEquals(c.offsetOf("QnnInterface_t", field),
                    QnnLayouts.offset(QnnLayouts.INTERFACE_HEAD, field.split("\\.")), "QnnInterface_t." + field);
        }
        assertEquals(c.offsetOf("QnnInterface_t", "table"), QnnLayouts.INTERFACE_TABLE_OFFSET);
        assertEquals(40, QnnLayouts.INTERFACE_TABLE_OFFSET, "QNN-ABI.md: the function table starts at byte 40");
        assertEquals(40 + 8 * 48, QnnFunction.ERROR_GET_MESSAGE.tableOffset());
    }

    @Test
    void offsetsUsedByTheBindingAreTheDocumentedOnes() {
        // QNN-ABI.md: Qnn_TensorV1_t quantizeParams @32, rank @72, dimensions @80, memType @88, union @96,
        // all shifted by the 8-byte version header of Qnn_Tensor_t.
        assertEquals(8 + 32 + 8, QnnLayouts.T_SCALE);
        assertEquals(8 + 72, QnnLayouts.T_RANK);
        assertEquals(8 + 80, QnnLayouts.T_DIMENSIONS);
        assertEquals(8 + 88, QnnLayouts.T_MEM_TYPE);
        assertEquals(8 + 96, QnnLayouts.T_BUF_DATA);
        assertEquals(8 + 104, QnnLayouts.T_BUF_SIZE);
        assertEquals(16 + 8, QnnLayouts.P_SCALAR_BOOL8);
        // Qnn_OpConfig_t: numOfParams @32, params @40, inputTensors @56, outputTensors @72 (absolute offsets).
        assertEquals(32, QnnLayouts.OP_NUM_PARAMS);
        assertEquals(40, QnnLayouts.OP_PARAMS);
        assertEquals(56, QnnLayouts.OP_INPUTS);
        assertEquals(72, QnnLayouts.OP_OUTPUTS);
    }
}
