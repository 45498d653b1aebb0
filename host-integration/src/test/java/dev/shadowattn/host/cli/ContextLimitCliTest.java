package dev.shadowattn.host.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shadowattn.host.engine.HouseModel;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * A context that memory cannot hold fails when the command starts, with exit code 1 and a message naming it, even
 * when a context beyond the trained length is allowed (without that flag it is refused earlier, see MainTest).
 */
class ContextLimitCliTest {

    @Test
    void chatWithAHundredMillionPositionContextFailsUpFront() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = assertTimeoutPreemptively(Duration.ofSeconds(60), () -> Main.run(
                new String[] {"chat", "-m", HouseModel.PATH.toString(), "-b", "dense", "--ctx-size", "100000000", "--allow-long-context"},
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8)));
        String message = err.toString(StandardCharsets.UTF_8);
        assertEquals(1, code, message);
        assertTrue(message.contains("error: a context of 100000000 positions needs") && message.contains("--ctx-size"),
                message);
        assertEquals("", out.toString(StandardCharsets.UTF_8), "nothing generated");
    }
}
