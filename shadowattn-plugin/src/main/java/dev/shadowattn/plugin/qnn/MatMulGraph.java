package dev.shadowattn.plugin.qnn;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * One finalized score graph: a single {@code qti.aisw} MatMul node with {@code transpose_in1}, computing
 * {@code S = Q · K^T} per fused head, plus the tensor structs filled by {@code tensorCreateGraphTensor} (kept and
 * reused at execute time with only the client buffer set, as QNN-ABI.md prescribes) and the client buffers.
 *
 * <p>All native memory of the graph (structs, names, dimensions, buffers) lives in one arena closed by
 * {@link #close}; the QNN graph itself is freed with its context. {@link #execute} and buffer access must be done by
 * one thread at a time (callers lock on the graph).
 */
public final class MatMulGraph implements AutoCloseable {

    /** Op package, type and parameter names (QNN-ABI.md, "Constants"). */
    static final String OP_PACKAGE = "qti.aisw";
    static final String OP_TYPE = "MatMul";
    static final String NODE_NAME = "qk";

    private final MatMulGraphKey key;
    private final QnnContext context;
    private final MemorySegment graph;
    private final Arena arena;
    private final MemorySegment inputs;
    private final MemorySegment outputs;
    private final MemorySegment queryBuffer;
    private final MemorySegment keyBuffer;
    private final MemorySegment scoreBuffer;
    private final boolean restored;

    private MatMulGraph(MatMulGraphKey key, QnnContext context, MemorySegment graph, Arena arena, MemorySegment inputs,
                        MemorySegment outputs, boolean restored) {
        this.key = key;
        this.context = context;
        this.graph = graph;
        this.arena = arena;
        this.inputs = inputs;
        this.outputs = outputs;
        this.restored = restored;
        this.queryBuffer = arena.allocate(key.querySpec().bytes(), 64);
        this.keyBuffer = arena.allocate(key.keySpec().bytes(), 64);
        this.scoreBuffer = arena.allocate(key.scoreSpec().bytes(), 64);
        key.querySpec().bind(inputs.asSlice(0, QnnLayouts.TENSOR.byteSize()), queryBuffer);
        key.keySpec().bind(inputs.asSlice(QnnLayouts.TENSOR.byteSize(), QnnLayouts.TENSOR.byteSize()), keyBuffer);
        key.scoreSpec().bind(outputs, scoreBuffer);
        fillZeroLevel(queryBuffer, key.input());
        fillZeroLevel(keyBuffer, key.input());
    }

    /**
     * Builds and finalizes the graph in {@code context}: graphCreate, three tensors, (backendValidateOpConfig when
     * the backend has it), graphAddNode, graphFinalize. On failure the arena is closed and the exception thrown;
     * the half-built QNN graph is freed with its context.
     */
    static MatMulGraph build(QnnContext context, MatMulGraphKey key) {
        QnnApi api = context.runtime().api();
        Arena arena = Arena.ofShared();
        try {
            MemorySegment graph = context.createGraph(key.graphName());
            long t = QnnLayouts.TENSOR.byteSize();
            MemorySegment inputs = arena.allocate(QnnLayouts.TENSOR, 2);
            MemorySegment outputs = arena.allocate(QnnLayouts.TENSOR);
            key.querySpec().write(inputs.asSlice(0, t), 0, arena);
            key.keySpec().write(inputs.asSlice(t, t), 0, arena);
            key.scoreSpec().write(outputs, 0, arena);
            api.tensorCreateGraphTensor(graph, inputs.asSlice(0, t));
            api.tensorCreateGraphTensor(graph, inputs.asSlice(t, t));
            api.tensorCreateGraphTensor(graph, outputs);
            MemorySegment op = opConfig(arena, inputs, outputs);
            if (api.has(QnnFunction.BACKEND_VALIDATE_OP_CONFIG)) {
                api.backendValidateOpConfig(context.runtime().backendHandle(), op);
            }
            api.graphAddNode(graph, op);
            api.graphFinalize(graph);
            return new MatMulGraph(key, context, graph, arena, inputs, outputs, false);
        } catch (RuntimeException | Error e) {
            arena.close();
            throw e;
        }
    }

    /**
     * Retrieves a finalized graph from a restored context by name and rebuilds its tensor structs from the key and
     * the tensor ids recorded when it was built.
     */
    static MatMulGraph retrieve(QnnContext context, MatMulGraphKey key, int[] tensorIds) {
        if (tensorIds.length != 3) {
            throw new IllegalArgumentException("score graph " + key.graphName() + ": 3 tensor ids expected");
        }
        Arena arena = Arena.ofShared();
        try {
            MemorySegment graph = context.retrieveGraph(key.graphName());
            long t = QnnLayouts.TENSOR.byteSize();
            MemorySegment inputs = arena.allocate(QnnLayouts.TENSOR, 2);
            MemorySegment outputs = arena.allocate(QnnLayouts.TENSOR);
            key.querySpec().write(inputs.asSlice(0, t), tensorIds[0], arena);
            key.keySpec().write(inputs.asSlice(t, t), tensorIds[1], arena);
            key.scoreSpec().write(outputs, tensorIds[2], arena);
            return new MatMulGraph(key, context, graph, arena, inputs, outputs, true);
        } catch (RuntimeException | Error e) {
            arena.close();
            throw e;
        }
    }

    /** The MatMul node: params transpose_in0 = false, transpose_in1 = true (BOOL_8 scalars), inputs Q and K. */
    private static MemorySegment opConfig(Arena arena, MemorySegment inputs, MemorySegment outputs) {
        MemorySegment params = arena.allocate(QnnLayouts.PARAM, 2);
        long p = QnnLayouts.PARAM.byteSize();
        boolParam(params.asSlice(0, p), "transpose_in0", false, arena);
        boolParam(params.asSlice(p, p), "transpose_in1", true, arena);
        MemorySegment op = arena.allocate(QnnLayouts.OP_CONFIG);
        op.set(JAVA_INT, QnnLayouts.OP_VERSION, QnnLayouts.VERSION_1);
        op.set(ADDRESS, QnnLayouts.OP_NAME, arena.allocateFrom(NODE_NAME));
        op.set(ADDRESS, QnnLayouts.OP_PACKAGE, arena.allocateFrom(OP_PACKAGE));
        op.set(ADDRESS, QnnLayouts.OP_TYPE, arena.allocateFrom(OP_TYPE));
        op.set(JAVA_INT, QnnLayouts.OP_NUM_PARAMS, 2);
        op.set(ADDRESS, QnnLayouts.OP_PARAMS, params);
        op.set(JAVA_INT, QnnLayouts.OP_NUM_INPUTS, 2);
        op.set(ADDRESS, QnnLayouts.OP_INPUTS, inputs);
        op.set(JAVA_INT, QnnLayouts.OP_NUM_OUTPUTS, 1);
        op.set(ADDRESS, QnnLayouts.OP_OUTPUTS, outputs);
        return op;
    }

    private static void boolParam(MemorySegment param, String name, boolean value, Arena arena) {
        param.set(JAVA_INT, QnnLayouts.P_TYPE, QnnLayouts.PARAM_SCALAR);
        param.set(ADDRESS, QnnLayouts.P_NAME, arena.allocateFrom(name));
        param.set(JAVA_INT, QnnLayouts.P_SCALAR_TYPE, QnnDataType.BOOL_8.code());
        param.set(JAVA_BYTE, QnnLayouts.P_SCALAR_BOOL8, (byte) (value ? 1 : 0));
    }

    /** Sets every element to level 0 (so padding rows and keys contribute nothing). */
    private static void fillZeroLevel(MemorySegment buffer, QuantEncoding encoding) {
        buffer.fill((byte) (0 - encoding.offset()));
    }

    /** {@code graphExecute} with Q and K as inputs and the scores as output. Caller holds the graph's lock. */
    void execute() {
        context.runtime().api().graphExecute(graph, inputs, 2, outputs, 1);
    }

    public MatMulGraphKey key() {
        return key;
    }

    /** Whether this graph came from a context binary rather than being built. */
    public boolean restored() {
        return restored;
    }

    /** The ids {@code tensorCreateGraphTensor} assigned to Q, K and the scores, recorded beside a context binary. */
    public int[] tensorIds() {
        long t = QnnLayouts.TENSOR.byteSize();
        return new int[] {inputs.get(JAVA_INT, QnnLayouts.T_ID), inputs.get(JAVA_INT, t + QnnLayouts.T_ID),
            outputs.get(JAVA_INT, QnnLayouts.T_ID)};
    }

    /** Q client buffer, {@code [heads][rows][headDim]} stored levels. */
    MemorySegment queryBuffer() {
        return queryBuffer;
    }

    /** K client buffer, {@code [heads][keys][headDim]} stored levels. */
    MemorySegment keyBuffer() {
        return keyBuffer;
    }

    /** Score client buffer, {@code [heads][rows][keys]} stored levels. */
    MemorySegment scoreBuffer() {
        return scoreBuffer;
    }

    QnnContext context() {
        return context;
    }

    /** Whether the graph's native memory is still allocated. */
    public boolean isOpen() {
        return arena.scope().isAlive();
    }

    /** Releases the structs and buffers. The QNN graph is freed with its context. Idempotent. */
    @Override
    public void close() {
        if (arena.scope().isAlive()) {
            arena.close();
        }
    }
}
