package dev.shadowattn.plugin.qnn;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Graph building, the context-binary cache round trip (the second start restores instead of building, as the
 * library's counters show), cache invalidation, and injected QNN failures: clear exceptions, the engine-side objects
 * stay usable, and nothing leaks (graph arenas closed, no live QNN handles after close).
 */
class QnnGraphManagerTest {

    @TempDir
    Path cacheDir;

    private static final ScaleBucket BUCKET = new ScaleBucket(0.05f, 0.04f, 250);
    private static final QnnScorer.Config CONFIG = new QnnScorer.Config(new int[] {1, 16}, new int[] {64, 256},
            new int[] {1, 2}, QuantEncoding.U8, QuantEncoding.U8);

    @AfterEach
    void noLeaks() {
        RefLibrary.resetAndCheckNoLeaks();
    }

    /** One start: runtime, manager over the cache, scorer; scores a fixed input and returns them. */
    private record Start(QnnRuntime runtime, QnnGraphManager graphs, QnnScorer scorer) implements AutoCloseable {
        static Start open(Path cacheDir, String profile) {
            QnnRuntime rt = QnnRuntime.open(QnnRuntime.Options.of(RefLibrary.path()));
            QnnGraphManager gm = new QnnGraphManager(rt, new QnnGraphManager.Options(cacheDir, profile));
            return new Start(rt, gm, new QnnScorer(gm, CONFIG));
        }

        float[] score(Arena arena) {
            Random r = new Random(3);
            byte[] q = new byte[3 * 20 * 32];
            byte[] k = new byte[3 * 300 * 32];
            r.nextBytes(q);
            r.nextBytes(k);
            List<QnnScorer.HeadOperands> ops = new java.util.ArrayList<>();
            for (int h = 0; h < 3; h++) {
                ops.add(new QnnScorer.HeadOperands(
                        Int8Rows.rowMajor(arena.allocateFrom(JAVA_BYTE, q).asSlice(h * 20 * 32L, 20 * 32L), 32, 20),
                        Int8Rows.rowMajor(arena.allocateFrom(JAVA_BYTE, k).asSlice(h * 300 * 32L, 300 * 32L), 32, 300),
                        h * 20));
            }
            float[] out = new float[3 * 20 * 300];
            scorer.score(BUCKET, 32, 20, 300, ops, out);
            return out;
        }

        @Override
        public void close() {
            graphs.close();
            runtime.close();
        }
    }

    @Test
    void secondStartRestoresTheContextBinaryInsteadOfBuilding() {
        RefLibrary.Controls c = RefLibrary.controls();
        float[] first;
        int graphCount;
        long finalizedBefore = c.counter("graphs_finalized");
        try (Arena arena = Arena.ofConfined(); Start s = Start.open(cacheDir, "llama-3.2-1b#abc")) {
            first = s.score(arena);
            graphCount = s.graphs().stats().built();
            // 20 rows = 16 + 4 (buckets 16, 1... 4 -> 16); 300 keys = 256 + 44 (buckets 256, 64); 3 heads = 2 + 1.
            assertEquals(s.scorer().keysFor(BUCKET, 32, 20, 300, 3).size(), graphCount);
            assertEquals(graphCount, c.counter("graphs_finalized") - finalizedBefore);
            assertEquals(1, s.graphs().save());
            assertEquals(0, s.graphs().save(), "nothing new to save");
            assertTrue(Files.isRegularFile(s.graphs().cacheDirectory().resolve("ctx-0.bin")));
            assertTrue(s.graphs().cacheDirectory().startsWith(cacheDir.resolve("llama-3.2-1b_abc")));
        }
        long finalizedAfterFirst = c.counter("graphs_finalized");
        long fromBinaryBefore = c.counter("contexts_from_binary");
        try (Arena arena = Arena.ofConfined(); Start s = Start.open(cacheDir, "llama-3.2-1b#abc")) {
            assertEquals(new QnnGraphManager.Stats(0, graphCount, 1, 0), s.graphs().stats());
            assertArrayEquals(first, s.score(arena), "restored graphs score the same");
            assertEquals(0, s.graphs().stats().built(), "no graph was built on the second start");
            assertEquals(finalizedAfterFirst, c.counter("graphs_finalized"), "the library finalized nothing");
            assertEquals(fromBinaryBefore + 1, c.counter("contexts_from_binary"));
            assertTrue(s.graphs().notices().isEmpty(), s.graphs().notices().toString());
        }
    }

    @Test
    void newGraphsOfALaterStartGoToANewEntry() {
        try (Arena arena = Arena.ofConfined(); Start s = Start.open(cacheDir, "p")) {
            s.graphs().graph(new MatMulGraphKey(BUCKET, 32, 1, 1, 64, QuantEncoding.U8, QuantEncoding.U8));
            s.graphs().save();
        }
        try (Arena arena = Arena.ofConfined(); Start s = Start.open(cacheDir, "p")) {
            assertEquals(1, s.graphs().stats().restored());
            s.score(arena);
            assertEquals(1, s.graphs().save());
            assertTrue(Files.isRegularFile(s.graphs().cacheDirectory().resolve("ctx-1.bin")));
        }
        try (Start s = Start.open(cacheDir, "p")) {
            assertEquals(2, s.graphs().stats().restoredContexts());
            assertEquals(0, s.graphs().stats().built());
        }
    }

    @Test
    void anotherBuildOrProfileNeverSeesTheBinary() {
        try (Arena arena = Arena.ofConfined(); Start s = Start.open(cacheDir, "p")) {
            s.score(arena);
            s.graphs().save();
        }
        try (Start s = Start.open(cacheDir, "q")) {
            assertEquals(0, s.graphs().stats().restored(), "another profile id");
        }
        RefLibrary.controls().setBuildId("qnnref 1.0.1");
        Path dirOfNewBuild;
        try (Start s = Start.open(cacheDir, "p")) {
            assertEquals(0, s.graphs().stats().restored(), "another library build id");
            dirOfNewBuild = s.graphs().cacheDirectory();
        }
        RefLibrary.controls().setBuildId(null);
        try (Start s = Start.open(cacheDir, "p")) {
            assertNotEquals(dirOfNewBuild, s.graphs().cacheDirectory());
            assertTrue(s.graphs().stats().restored() > 0, "the original build finds its binary again");
        }
    }

    @Test
    void corruptEntriesAreIgnoredWithANoticeAndRebuilt() throws IOException {
        Path dir;
        try (Arena arena = Arena.ofConfined(); Start s = Start.open(cacheDir, "p")) {
            s.score(arena);
            s.graphs().save();
            dir = s.graphs().cacheDirectory();
        }
        byte[] bin = Files.readAllBytes(dir.resolve("ctx-0.bin"));
        bin[bin.length / 2] ^= 0x55;
        Files.write(dir.resolve("ctx-0.bin"), bin);
        float[] rebuilt;
        try (Arena arena = Arena.ofConfined(); Start s = Start.open(cacheDir, "p")) {
            assertEquals(0, s.graphs().stats().restored());
            assertEquals(1, s.graphs().notices().size());
            assertTrue(s.graphs().notices().getFirst().contains("fails its CRC-32 check"),
                    s.graphs().notices().getFirst());
            rebuilt = s.score(arena);
            assertEquals(1, s.graphs().save());
        }
        try (Arena arena = Arena.ofConfined(); Start s = Start.open(cacheDir, "p")) {
            assertTrue(s.graphs().notices().isEmpty(), "the corrupt entry was overwritten");
            assertArrayEquals(rebuilt, s.score(arena));
        }
        Files.writeString(dir.resolve("ctx-0.graphs"),
                "shadowattn-qnn-context " + ContextBinaryCache.FORMAT_VERSION + "\ngarbage\nmore\nend 1\n");
        try (Start s = Start.open(cacheDir, "p")) {
            assertTrue(s.graphs().notices().getFirst().contains("ignored"), s.graphs().notices().toString());
        }
    }

    @Test
    void restoreFailureInTheBackendFallsBackToBuilding() {
        try (Arena arena = Arena.ofConfined(); Start s = Start.open(cacheDir, "p")) {
            s.score(arena);
            s.graphs().save();
        }
        RefLibrary.controls().injectFailure(QnnFunction.CONTEXT_CREATE_FROM_BINARY.slot(), 0, 1015);
        try (Arena arena = Arena.ofConfined(); Start s = Start.open(cacheDir, "p")) {
            assertEquals(0, s.graphs().stats().restored());
            assertTrue(s.graphs().notices().getFirst().contains("contextCreateFromBinary failed with error 1015"),
                    s.graphs().notices().toString());
            s.score(arena);
            assertTrue(s.graphs().stats().built() > 0);
        }
    }

    @Test
    void finalizeFailureIsClearAndTheNextBuildUsesAFreshContext() {
        RefLibrary.Controls c = RefLibrary.controls();
        try (Arena arena = Arena.ofConfined(); Start s = Start.open(cacheDir, "p")) {
            MatMulGraph ok = s.graphs().graph(new MatMulGraphKey(BUCKET, 32, 1, 1, 64, QuantEncoding.U8,
                    QuantEncoding.U8));
            c.injectFailure(QnnFunction.GRAPH_FINALIZE.slot(), 0, 1013);
            QnnException e = assertThrows(QnnException.class, () -> s.score(arena));
            assertEquals("graphFinalize", e.function());
            assertEquals(1013, e.code());
            assertTrue(e.backendMessage().contains("injected failure in slot 19 (graphFinalize)"), e.getMessage());
            assertEquals(1, c.counter("live_contexts"), "one build context so far");
            s.score(arena);
            assertEquals(2, c.counter("live_contexts"), "the tainted context is left, a fresh one builds");
            assertEquals(1, s.graphs().save(), "only the fresh context is saved");
            assertTrue(ok.isOpen());
            s.graphs().close();
            assertFalse(ok.isOpen(), "graph memory is released with the manager");
            assertEquals(0, c.counter("live_contexts"));
        }
    }

    @Test
    void executeAndSaveFailuresCarryTheBackendMessage() {
        RefLibrary.Controls c = RefLibrary.controls();
        try (Arena arena = Arena.ofConfined(); Start s = Start.open(cacheDir, "p")) {
            c.injectFailure(QnnFunction.GRAPH_EXECUTE.slot(), 1, 1017);
            QnnException e = assertThrows(QnnException.class, () -> s.score(arena));
            assertEquals("graphExecute", e.function());
            assertEquals(1017, e.code());
            float[] again = s.score(arena);
            assertEquals(3 * 20 * 300, again.length);
            c.injectFailure(QnnFunction.CONTEXT_GET_BINARY.slot(), 0, 1004);
            QnnException save = assertThrows(QnnException.class, s.graphs()::save);
            assertEquals("contextGetBinary", save.function());
            assertEquals(1, s.graphs().save(), "a later save succeeds");
        }
    }
}
