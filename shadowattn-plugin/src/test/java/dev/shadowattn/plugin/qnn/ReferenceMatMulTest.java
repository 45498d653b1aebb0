package dev.shadowattn.plugin.qnn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The reference library's MatMul, reached through the binding (by-value op configs, tensor structs, execute), against
 * the Java scalar reference: every transpose combination, u8/s8/u16 inputs, u8/s8/u16 outputs, saturation, and the
 * validation errors a real backend would also raise.
 */
class ReferenceMatMulTest {

    private QnnRuntime runtime;
    private QnnContext context;
    private final Random random = new Random(42);

    @BeforeEach
    void open() {
        runtime = QnnRuntime.open(QnnRuntime.Options.of(RefLibrary.path()));
        context = runtime.createContext();
    }

    @AfterEach
    void close() {
        if (runtime != null) {
            runtime.close();
        }
        RefLibrary.resetAndCheckNoLeaks();
    }

    private int[] levels(int n, QuantEncoding e) {
        int[] v = new int[n];
        for (int i = 0; i < n; i++) {
            v[i] = e.minLevel() + random.nextInt(Math.min(256, e.maxLevel() - e.minLevel() + 1));
        }
        return v;
    }

    private void check(String name, int batch, int m, int k, int n, boolean t0, boolean t1, QuantEncoding ea,
                       QuantEncoding eb, QuantEncoding eo, float sa, float sb, float so) {
        int[] da = t0 ? new int[] {batch, k, m} : new int[] {batch, m, k};
        int[] db = t1 ? new int[] {batch, n, k} : new int[] {batch, k, n};
        QnnTensorSpec a = new QnnTensorSpec("a", QnnTensorType.APP_WRITE, ea, sa, da);
        QnnTensorSpec b = new QnnTensorSpec("b", QnnTensorType.APP_WRITE, eb, sb, db);
        QnnTensorSpec o = new QnnTensorSpec("o", QnnTensorType.APP_READ, eo, so, new int[] {batch, m, n});
        try (GenericMatMul g = new GenericMatMul(context, name, a, b, o, t0, t1)) {
            int[] la = levels(batch * m * k, ea);
            int[] lb = levels(batch * k * n, eb);
            long[] acc = Int8Reference.matmul(la, lb, batch, m, k, n, t0, t1);
            int[] expected = Int8Reference.requantize(acc, sa, sb, so, eo);
            assertArrayEquals(expected, g.run(la, lb), name);
        }
    }

    @Test
    void everyTransposeCombination() {
        for (int t = 0; t < 4; t++) {
            boolean t0 = (t & 1) != 0;
            boolean t1 = (t & 2) != 0;
            check("t" + t, 2, 3, 5, 4, t0, t1, QuantEncoding.U8, QuantEncoding.U8, QuantEncoding.U8, 0.02f, 0.03f, 0.5f);
        }
    }

    @Test
    void encodingsAndMixedInputs() {
        check("s8s8s8", 3, 4, 16, 7, false, true, QuantEncoding.S8, QuantEncoding.S8, QuantEncoding.S8, 0.1f, 0.1f, 4f);
        check("u8s8u16", 1, 5, 9, 6, false, true, QuantEncoding.U8, QuantEncoding.S8, QuantEncoding.U16, 1f, 1f, 1f);
        check("u16u8u8", 2, 2, 3, 2, true, false, QuantEncoding.U16, QuantEncoding.U8, QuantEncoding.U8,
                0.001f, 0.01f, 0.05f);
    }

    @Test
    void saturatesAtBothEnds() {
        QnnTensorSpec a = new QnnTensorSpec("a", QnnTensorType.APP_WRITE, QuantEncoding.U8, 1f, new int[] {1, 2, 2});
        QnnTensorSpec b = new QnnTensorSpec("b", QnnTensorType.APP_WRITE, QuantEncoding.U8, 1f, new int[] {1, 2, 2});
        QnnTensorSpec o = new QnnTensorSpec("o", QnnTensorType.APP_READ, QuantEncoding.U8, 2f, new int[] {1, 2, 2});
        try (GenericMatMul g = new GenericMatMul(context, "sat", a, b, o, false, true)) {
            // rows (127,127) and (-128, 1) against keys (127,127) and (1, 0): 32258, 127, -16129, -128.
            int[] out = g.run(new int[] {127, 127, -128, 1}, new int[] {127, 127, 1, 0});
            assertArrayEquals(new int[] {127, 64, -128, -64}, out, "saturated at +127 and -128; 127/2 rounds to even");
        }
    }

    @Test
    void roundingIsHalfToEven() {
        QnnTensorSpec a = new QnnTensorSpec("a", QnnTensorType.APP_WRITE, QuantEncoding.S8, 1f, new int[] {1, 1, 1});
        QnnTensorSpec b = new QnnTensorSpec("b", QnnTensorType.APP_WRITE, QuantEncoding.S8, 1f, new int[] {1, 4, 1});
        QnnTensorSpec o = new QnnTensorSpec("o", QnnTensorType.APP_READ, QuantEncoding.S8, 2f, new int[] {1, 1, 4});
        try (GenericMatMul g = new GenericMatMul(context, "rne", a, b, o, false, true)) {
            assertArrayEquals(new int[] {0, 2, -2, 2}, g.run(new int[] {1}, new int[] {1, 5, -5, 3}));
        }
    }

    @Test
    void invalidNodesAreRejectedWithTheBackendsExplanation() {
        QnnTensorSpec a = new QnnTensorSpec("a", QnnTensorType.APP_WRITE, QuantEncoding.U8, 1f, new int[] {1, 2, 3});
        QnnTensorSpec b = new QnnTensorSpec("b", QnnTensorType.APP_WRITE, QuantEncoding.U8, 1f, new int[] {1, 4, 2});
        QnnTensorSpec o = new QnnTensorSpec("o", QnnTensorType.APP_READ, QuantEncoding.U8, 1f, new int[] {1, 2, 4});
        QnnException e = assertThrows(QnnException.class, () -> new GenericMatMul(context, "bad", a, b, o, false, true));
        assertEquals("backendValidateOpConfig", e.function());
        assertTrue(e.getMessage().contains("inner dimensions differ: 3 vs 2"), e.getMessage());
        QnnTensorSpec f32 = new QnnTensorSpec("o", QnnTensorType.APP_READ, QuantEncoding.U8, 1f, new int[] {1, 2});
        QnnException rank = assertThrows(QnnException.class,
                () -> new GenericMatMul(context, "rank", a, a.withName("b"), f32, false, true));
        assertTrue(rank.getMessage().contains("ranks"), rank.getMessage());
    }

    @Test
    void executeChecksBuffers() {
        QnnTensorSpec a = new QnnTensorSpec("a", QnnTensorType.APP_WRITE, QuantEncoding.U8, 1f, new int[] {1, 2, 3});
        QnnTensorSpec o = new QnnTensorSpec("o", QnnTensorType.APP_READ, QuantEncoding.U8, 1f, new int[] {1, 2, 2});
        try (GenericMatMul g = new GenericMatMul(context, "buf", a, a.withName("b"), o, false, true)) {
            QnnApi api = runtime.api();
            // Only one input given: the reference backend names the missing one.
            QnnException e = assertThrows(QnnException.class, () -> api.graphExecute(g.graph(), g.inputs(), 1,
                    g.outputs(), 1));
            assertEquals("graphExecute", e.function());
            assertTrue(e.getMessage().contains("input 'b' of graph 'buf' was not given"), e.getMessage());
        }
    }
}
