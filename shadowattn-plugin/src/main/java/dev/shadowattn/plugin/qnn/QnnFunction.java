package dev.shadowattn.plugin.qnn;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.FunctionDescriptor;

/**
 * The QNN interface-table slots this binding calls, with their C signatures (QNN-ABI.md, "QnnInterface_t"). Every
 * function returns a {@code uint64} error; handles are pointers. {@code Qnn_OpConfig_t} is passed BY VALUE to
 * slots 7 and 18, so it appears as a struct layout in those descriptors (x86-64 and arm64 pass it differently;
 * the linker handles that).
 */
public enum QnnFunction {
    BACKEND_CREATE(1, "backendCreate", ADDRESS, ADDRESS, ADDRESS),
    BACKEND_GET_API_VERSION(3, "backendGetApiVersion", ADDRESS),
    BACKEND_GET_BUILD_ID(4, "backendGetBuildId", ADDRESS),
    BACKEND_VALIDATE_OP_CONFIG(7, "backendValidateOpConfig", ADDRESS, QnnLayouts.OP_CONFIG),
    BACKEND_FREE(8, "backendFree", ADDRESS),
    CONTEXT_CREATE(9, "contextCreate", ADDRESS, ADDRESS, ADDRESS, ADDRESS),
    CONTEXT_GET_BINARY_SIZE(11, "contextGetBinarySize", ADDRESS, ADDRESS),
    CONTEXT_GET_BINARY(12, "contextGetBinary", ADDRESS, ADDRESS, JAVA_LONG, ADDRESS),
    CONTEXT_CREATE_FROM_BINARY(13, "contextCreateFromBinary",
            ADDRESS, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS, ADDRESS),
    CONTEXT_FREE(14, "contextFree", ADDRESS, ADDRESS),
    GRAPH_CREATE(15, "graphCreate", ADDRESS, ADDRESS, ADDRESS, ADDRESS),
    GRAPH_ADD_NODE(18, "graphAddNode", ADDRESS, QnnLayouts.OP_CONFIG),
    GRAPH_FINALIZE(19, "graphFinalize", ADDRESS, ADDRESS, ADDRESS),
    GRAPH_RETRIEVE(20, "graphRetrieve", ADDRESS, ADDRESS, ADDRESS),
    GRAPH_EXECUTE(21, "graphExecute", ADDRESS, ADDRESS, JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, ADDRESS),
    TENSOR_CREATE_GRAPH_TENSOR(24, "tensorCreateGraphTensor", ADDRESS, ADDRESS),
    LOG_CREATE(25, "logCreate", ADDRESS, JAVA_INT, ADDRESS),
    LOG_FREE(27, "logFree", ADDRESS),
    MEM_REGISTER(35, "memRegister", ADDRESS, ADDRESS, JAVA_INT, ADDRESS),
    MEM_DE_REGISTER(36, "memDeRegister", ADDRESS, JAVA_INT),
    DEVICE_CREATE(40, "deviceCreate", ADDRESS, ADDRESS, ADDRESS),
    DEVICE_FREE(43, "deviceFree", ADDRESS),
    ERROR_GET_MESSAGE(48, "errorGetMessage", JAVA_LONG, ADDRESS);

    private final int slot;
    private final String cName;
    private final FunctionDescriptor descriptor;

    QnnFunction(int slot, String cName, java.lang.foreign.MemoryLayout... arguments) {
        this.slot = slot;
        this.cName = cName;
        this.descriptor = FunctionDescriptor.of(JAVA_LONG, arguments);
    }

    /** Index in the interface's function table. */
    public int slot() {
        return slot;
    }

    /** The C member name, used in messages. */
    public String cName() {
        return cName;
    }

    public FunctionDescriptor descriptor() {
        return descriptor;
    }

    /** Byte offset of this slot's function pointer inside {@code QnnInterface_t}. */
    public long tableOffset() {
        return QnnLayouts.INTERFACE_TABLE_OFFSET + (long) slot * java.lang.foreign.ValueLayout.ADDRESS.byteSize();
    }

    /** The highest slot used, so a provider's table is read up to and including it. */
    public static int maxSlot() {
        int max = 0;
        for (QnnFunction f : values()) {
            max = Math.max(max, f.slot);
        }
        return max;
    }
}
