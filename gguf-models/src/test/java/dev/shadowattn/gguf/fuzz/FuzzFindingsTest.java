package dev.shadowattn.gguf.fuzz;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.management.ThreadMXBean;
import dev.shadowattn.gguf.GgufFormatException;
import dev.shadowattn.gguf.model.Model;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The findings of the GGUF fuzzer, one test each, on the inputs kept in {@code fuzz/gguf/regressions/}: each one
 * crashed the model loader with something other than a clear exception (docs/ROBUSTNESS.md lists them).
 */
class FuzzFindingsTest {

    private static final Path DIR = FuzzCorpus.ROOT.resolve("gguf/regressions");

    /**
     * Loads {@code file}, expecting one of the loader's documented failures (an IllegalArgumentException or a
     * GgufFormatException) naming {@code what}, in bounded memory.
     */
    private static void assertRejected(String file, String... what) {
        Path path = DIR.resolve(file);
        ThreadMXBean threads = (ThreadMXBean) ManagementFactory.getThreadMXBean();
        long before = threads.getCurrentThreadAllocatedBytes();
        RuntimeException e = assertTimeoutPreemptively(Duration.ofSeconds(30),
                () -> assertThrows(RuntimeException.class, () -> Model.load(path).close()));
        assertTrue(e instanceof IllegalArgumentException || e instanceof GgufFormatException, e::toString);
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;
        for (String w : what) {
            assertTrue(e.getMessage().contains(w), "message should name " + w + ": " + e.getMessage());
        }
        assertTrue(allocated < 64L << 20, "loading " + file + " allocated " + allocated + " bytes");
    }

    /**
     * Was an OutOfMemoryError (found by the fuzzer with block_count mutated to 14155777, 8388608 and 2^31 - 1): a
     * list of block_count entries was allocated before any tensor was looked up.
     */
    @Test
    void aBlockCountBeyondTheTensorsIsAClearError() {
        assertRejected("model-block-count-max.gguf", "blk.1");
    }

    /** Was an ArrayIndexOutOfBoundsException: the vocabulary size was read from ne[1] of a 1-D embedding. */
    @Test
    void aOneDimensionalTokenEmbeddingIsAClearError() {
        assertRejected("model-token-embd-one-dim.gguf", "token_embd.weight");
    }

    /**
     * Was accepted (fuzzer, seed 9090: ne[1] of token_embd.weight mutated to 0): a model with no embedding rows for
     * the tokenizer's ids.
     */
    @Test
    void aTokenEmbeddingWithoutRowsIsAClearError() {
        assertRejected("model-token-embd-zero-rows.gguf", "token_embd.weight");
    }

    /** Was accepted, then a NegativeArraySizeException when the engine built its RoPE tables. */
    @Test
    void aNegativeRopeDimensionCountIsAClearError() {
        assertRejected("model-rope-dimension-count-negative.gguf", "rope.dimension_count");
    }
}
