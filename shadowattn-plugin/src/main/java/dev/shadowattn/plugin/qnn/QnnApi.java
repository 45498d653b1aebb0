package dev.shadowattn.plugin.qnn;

import static java.lang.foreign.ValueLayout.ADDRESS;

import java.lang.foreign.Arena;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/**
 * The function table of one provider, bound as FFM downcall handles, with one typed method per function used.
 * Every method checks the returned error and throws {@link QnnException} with the {@code errorGetMessage} text.
 * Function pointers are scoped to the library's arena: after the library is closed a call throws
 * {@link IllegalStateException} rather than jumping into unmapped code. Profile and signal arguments are always
 * NULL. Stateless apart from the handles, so usable from any thread.
 */
final class QnnApi {

    private final QnnLibrary library;
    private final QnnProvider provider;
    private final MethodHandle[] handles = new MethodHandle[QnnFunction.values().length];

    QnnApi(QnnLibrary library, QnnProvider provider) {
        this.library = library;
        this.provider = provider;
        Linker linker = Linker.nativeLinker();
        Arena scope = library.arena();
        for (QnnFunction f : QnnFunction.values()) {
            MemorySegment fp = provider.table().get(ADDRESS, f.tableOffset());
            if (!fp.equals(MemorySegment.NULL)) {
                handles[f.ordinal()] = linker.downcallHandle(fp.reinterpret(scope, null), f.descriptor());
            }
        }
    }

    QnnProvider provider() {
        return provider;
    }

    /** Whether the provider fills this slot (a NULL slot means the backend does not implement it). */
    boolean has(QnnFunction f) {
        return handles[f.ordinal()] != null;
    }

    private MethodHandle h(QnnFunction f) {
        MethodHandle mh = handles[f.ordinal()];
        if (mh == null) {
            throw new QnnLibraryException(library.path(), "provider " + provider.describe()
                    + " has no function in slot " + f.slot() + " (" + f.cName() + ")", null);
        }
        return mh;
    }

    /** Throws {@link QnnException} unless {@code err} is 0 (success). */
    void check(QnnFunction f, long err) {
        if (err != 0) {
            throw new QnnException(f.cName(), err, errorMessage(err));
        }
    }

    /** {@code errorGetMessage(err, const char** msg)}; never throws. */
    String errorMessage(long err) {
        if (!has(QnnFunction.ERROR_GET_MESSAGE)) {
            return "(the backend has no errorGetMessage)";
        }
        try (Arena call = Arena.ofConfined()) {
            MemorySegment out = call.allocate(ADDRESS);
            long e2 = (long) h(QnnFunction.ERROR_GET_MESSAGE).invokeExact(err, out);
            if (e2 != 0) {
                return "(errorGetMessage itself failed with error " + (e2 & 0xFFFF) + ")";
            }
            return QnnLibrary.readCString(out.get(ADDRESS, 0), 4096);
        } catch (Throwable t) {
            return "(errorGetMessage threw " + t + ")";
        }
    }

    // ---- backend, log, device (QNN-ABI.md slots 1, 3, 4, 7, 8, 25, 27, 40, 43)

    void backendCreate(MemorySegment log, MemorySegment config, MemorySegment out) {
        try {
            check(QnnFunction.BACKEND_CREATE, (long) h(QnnFunction.BACKEND_CREATE).invokeExact(log, config, out));
        } catch (Throwable t) {
            throw propagate(t);
        }
    }

    void backendGetApiVersion(MemorySegment out) {
        try {
            check(QnnFunction.BACKEND_GET_API_VERSION, (long) h(QnnFunction.BACKEND_GET_API_VERSION).invokeExact(out));
        } catch (Throwable t) {
            throw propagate(t);
        }
    }

    void backendGetBuildId(MemorySegment out) {
        try {
            check(QnnFunction.BACKEND_GET_BUILD_ID, (long) h(QnnFunction.BACKEND_GET_BUILD_ID).invokeExact(out));
        } catch (Throwable t) {
            throw propagate(t);
        }
    }

    /** {@code Qnn_OpConfig_t} is passed by value: {@code opConfig} is a segment of {@link QnnLayouts#OP_CONFIG}. */
    void backendValidateOpConfig(MemorySegment backend, MemorySegment opConfig) {
        try {
            check(QnnFunction.BACKEND_VALIDATE_OP_CONFIG,
                    (long) h(QnnFunction.BACKEND_VALIDATE_OP_CONFIG).invokeExact(backend, opConfig));
        } catch (Throwable t) {
            throw propagate(t);
        }
    }

    void backendFree(MemorySegment backend) {
        try {
            check(QnnFunction.BACKEND_FREE, (long) h(QnnFunction.BACKEND_FREE).invokeExact(backend));
        } catch (Throwable t) {
            throw propagate(t);
        }
    }

    void logCreate(MemorySegment callback, int level, MemorySegment out) {
        try {
            check(QnnFunction.LOG_CREATE, (long) h(QnnFunction.LOG_CREATE).invokeExact(callback, level, out));
        } catch (Throwable t) {
            throw propagate(t);
        }
    }

    void logFree(MemorySegment log) {
        try {
            check(QnnFunction.LOG_FREE, (long) h(QnnFunction.LOG_FREE).invokeExact(log));
        } catch (Throwable t) {
            throw propagate(t);
        }
    }

    void deviceCreate(MemorySegment log, MemorySegment config, MemorySegment out) {
        try {
            check(QnnFunction.DEVICE_CREATE, (long) h(QnnFunction.DEVICE_CREATE).invokeExact(log, config, out));
        } catch (Throwable t) {
            throw propagate(t);
        }
    }

    void deviceFree(MemorySegment device) {
        try {
            check(QnnFunction.DEVICE_FREE, (long) h(QnnFunction.DEVICE_FREE).invokeExact(device));
        } catch (Throwable t) {
            throw propagate(t);
        }
    }

    // ---- contexts (slots 9, 11, 12, 13, 14)

    void contextCreate(MemorySegment backend, MemorySegment device, MemorySegment config, MemorySegment out) {
        try {
            check(QnnFunction.CONTEXT_CREATE,
                    (long) h(QnnFunction.CONTEXT_CREATE).invokeExact(backend, device, config, out));
        } catch (Throwable t) {
            throw propagate(t);
        }
    }

    void contextGetBinarySize(MemorySegment context, MemorySegment sizeOut) {
        try {
            check(QnnFunction.CONTEXT_GET_BINARY_SIZE,
                    (long) h(QnnFunction.CONTEXT_GET_BINARY_SIZE).invokeExact(context, sizeOut));
        } catch (Throwable t) {
            throw propagate(t);
        }
    }

    void contextGetBinary(MemorySegment context, MemorySegment buffer, long size, MemorySegment writtenOut) {
        try {
            check(QnnFunction.CONTEXT_GET_BINARY,
                    (long) h(QnnFunction.CONTEXT_GET_BINARY).invokeExact(context, buffer, size, writtenOut));
        } catch (Throwable t) {
            throw propagate(t);
        }
    }

    void contextCreateFromBinary(MemorySegment backend, MemorySegment device, MemorySegment config,
                                 MemorySegment buffer, long size, MemorySegment out) {
        try {
            check(QnnFunction.CONTEXT_CREATE_FROM_BINARY, (long) h(QnnFunction.CONTEXT_CREATE_FROM_BINARY)
                    .invokeExact(backend, device, config, buffer, size, out, MemorySegment.NULL));
        } catch (Throwable t) {
            throw propagate(t);
        }
    }

    void contextFree(MemorySegment context) {
        try {
            check(QnnFunction.CONTEXT_FREE,
                    (long) h(QnnFunction.CONTEXT_FREE).invokeExact(context, MemorySegment.NULL));
        } catch (Throwable t) {
            throw propagate(t);
        }
    }

    // ---- graphs and tensors (slots 15, 18, 19, 20, 21, 24)

    void graphCreate(MemorySegment context, MemorySegment name, MemorySegment config, MemorySegment out) {
        try {
            check(QnnFunction.GRAPH_CREATE, (long) h(QnnFunction.GRAPH_CREATE).invokeExact(context, name, config, out));
        } catch (Throwable t) {
            throw propagate(t);
        }
    }

    /** {@code Qnn_OpConfig_t} is passed by value: {@code opConfig} is a segment of {@link QnnLayouts#OP_CONFIG}. */
    void graphAddNode(MemorySegment graph, MemorySegment opConfig) {
        try {
            check(QnnFunction.GRAPH_ADD_NODE, (long) h(QnnFunction.GRAPH_ADD_NODE).invokeExact(graph, opConfig));
        } catch (Throwable t) {
            throw propagate(t);
        }
    }

    void graphFinalize(MemorySegment graph) {
        try {
            check(QnnFunction.GRAPH_FINALIZE, (long) h(QnnFunction.GRAPH_FINALIZE)
                    .invokeExact(graph, MemorySegment.NULL, MemorySegment.NULL));
        } catch (Throwable t) {
            throw propagate(t);
        }
    }

    void graphRetrieve(MemorySegment context, MemorySegment name, MemorySegment out) {
        try {
            check(QnnFunction.GRAPH_RETRIEVE, (long) h(QnnFunction.GRAPH_RETRIEVE).invokeExact(context, name, out));
        } catch (Throwable t) {
            throw propagate(t);
        }
    }

    void graphExecute(MemorySegment graph, MemorySegment inputs, int numInputs, MemorySegment outputs,
                      int numOutputs) {
        try {
            check(QnnFunction.GRAPH_EXECUTE, (long) h(QnnFunction.GRAPH_EXECUTE).invokeExact(graph, inputs, numInputs,
                    outputs, numOutputs, MemorySegment.NULL, MemorySegment.NULL));
        } catch (Throwable t) {
            throw propagate(t);
        }
    }

    void tensorCreateGraphTensor(MemorySegment graph, MemorySegment tensor) {
        try {
            check(QnnFunction.TENSOR_CREATE_GRAPH_TENSOR,
                    (long) h(QnnFunction.TENSOR_CREATE_GRAPH_TENSOR).invokeExact(graph, tensor));
        } catch (Throwable t) {
            throw propagate(t);
        }
    }

    // ---- shared memory (slots 35, 36): the zero-copy path on a device (rpcmem + ION descriptors)

    void memRegister(MemorySegment context, MemorySegment descriptors, int count, MemorySegment handlesOut) {
        try {
            check(QnnFunction.MEM_REGISTER,
                    (long) h(QnnFunction.MEM_REGISTER).invokeExact(context, descriptors, count, handlesOut));
        } catch (Throwable t) {
            throw propagate(t);
        }
    }

    void memDeRegister(MemorySegment handles, int count) {
        try {
            check(QnnFunction.MEM_DE_REGISTER, (long) h(QnnFunction.MEM_DE_REGISTER).invokeExact(handles, count));
        } catch (Throwable t) {
            throw propagate(t);
        }
    }

    /** Rethrows unchecked throwables; wraps the impossible checked ones of {@code invokeExact}. */
    static RuntimeException propagate(Throwable t) {
        if (t instanceof RuntimeException r) {
            throw r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        throw new IllegalStateException("unexpected exception from a native call", t);
    }
}
