package dev.shadowattn.plugin.qnn;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * A one-node MatMul graph with any shapes, transpose flags and encodings, built through the binding's API layer:
 * used to test the reference library's MatMul (the oracle of the other tests) beyond what the score graphs use.
 */
final class GenericMatMul implements AutoCloseable {

    private final QnnApi api;
    private final MemorySegment graph;
    private final Arena arena = Arena.ofShared();
    private final QnnTensorSpec[] specs;
    private final MemorySegment inputs = arena.allocate(QnnLayouts.TENSOR, 2);
    private final MemorySegment outputs = arena.allocate(QnnLayouts.TENSOR);
    private final MemorySegment[] buffers = new MemorySegment[3];

    GenericMatMul(QnnContext ctx, String name, QnnTensorSpec a, QnnTensorSpec b, QnnTensorSpec out, boolean t0,
                  boolean t1) {
        this.api = ctx.runtime().api();
        this.specs = new QnnTensorSpec[] {a, b, out};
        try {
            this.graph = build(ctx, name, t0, t1);
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    private MemorySegment build(QnnContext ctx, String name, boolean t0, boolean t1) {
        QnnTensorSpec a = specs[0];
        QnnTensorSpec b = specs[1];
        QnnTensorSpec out = specs[2];
        long t = QnnLayouts.TENSOR.byteSize();
        MemorySegment graph = ctx.createGraph(name);
        a.write(inputs.asSlice(0, t), 0, arena);
        b.write(inputs.asSlice(t, t), 0, arena);
        out.write(outputs, 0, arena);
        api.tensorCreateGraphTensor(graph, inputs.asSlice(0, t));
        api.tensorCreateGraphTensor(graph, inputs.asSlice(t, t));
        api.tensorCreateGraphTensor(graph, outputs);
        MemorySegment params = arena.allocate(QnnLayouts.PARAM, 2);
        long p = QnnLayouts.PARAM.byteSize();
        param(params.asSlice(0, p), "transpose_in0", t0);
        param(params.asSlice(p, p), "transpose_in1", t1);
        MemorySegment op = arena.allocate(QnnLayouts.OP_CONFIG);
        op.set(JAVA_INT, QnnLayouts.OP_VERSION, 1);
        op.set(ADDRESS, QnnLayouts.OP_NAME, arena.allocateFrom("mm"));
        op.set(ADDRESS, QnnLayouts.OP_PACKAGE, arena.allocateFrom(MatMulGraph.OP_PACKAGE));
        op.set(ADDRESS, QnnLayouts.OP_TYPE, arena.allocateFrom(MatMulGraph.OP_TYPE));
        op.set(JAVA_INT, QnnLayouts.OP_NUM_PARAMS, 2);
        op.set(ADDRESS, QnnLayouts.OP_PARAMS, params);
        op.set(JAVA_INT, QnnLayouts.OP_NUM_INPUTS, 2);
        op.set(ADDRESS, QnnLayouts.OP_INPUTS, inputs);
        op.set(JAVA_INT, QnnLayouts.OP_NUM_OUTPUTS, 1);
        op.set(ADDRESS, QnnLayouts.OP_OUTPUTS, outputs);
        api.backendValidateOpConfig(ctx.runtime().backendHandle(), op);
        api.graphAddNode(graph, op);
        api.graphFinalize(graph);
        for (int i = 0; i < 3; i++) {
            buffers[i] = arena.allocate(specs[i].bytes(), 8);
        }
        a.bind(inputs.asSlice(0, t), buffers[0]);
        b.bind(inputs.asSlice(t, t), buffers[1]);
        out.bind(outputs, buffers[2]);
        return graph;
    }

    private void param(MemorySegment param, String name, boolean value) {
        param.set(JAVA_INT, QnnLayouts.P_TYPE, QnnLayouts.PARAM_SCALAR);
        param.set(ADDRESS, QnnLayouts.P_NAME, arena.allocateFrom(name));
        param.set(JAVA_INT, QnnLayouts.P_SCALAR_TYPE, QnnDataType.BOOL_8.code());
        param.set(JAVA_BYTE, QnnLayouts.P_SCALAR_BOOL8, (byte) (value ? 1 : 0));
    }

    /** Runs the graph on input levels; returns the output levels. */
    int[] run(int[] a, int[] b) {
        store(buffers[0], specs[0].encoding(), a);
        store(buffers[1], specs[1].encoding(), b);
        api.graphExecute(graph, inputs, 2, outputs, 1);
        int[] out = new int[(int) specs[2].elements()];
        for (int i = 0; i < out.length; i++) {
            out[i] = specs[2].encoding().level(buffers[2], i);
        }
        return out;
    }

    static void store(MemorySegment buffer, QuantEncoding e, int[] levels) {
        for (int i = 0; i < levels.length; i++) {
            int stored = levels[i] - e.offset();
            if (e.dataType().bytes() == 1) {
                buffer.set(JAVA_BYTE, i, (byte) stored);
            } else {
                buffer.set(JAVA_SHORT_UNALIGNED, 2L * i, (short) stored);
            }
        }
    }

    /** The raw graph handle and tensor structs, for tests that call the API directly. */
    MemorySegment graph() {
        return graph;
    }

    MemorySegment inputs() {
        return inputs;
    }

    MemorySegment outputs() {
        return outputs;
    }

    @Override
    public void close() {
        arena.close();
    }
}
