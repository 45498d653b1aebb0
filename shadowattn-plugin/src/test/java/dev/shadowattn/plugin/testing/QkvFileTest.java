package dev.shadowattn.plugin.testing;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class QkvFileTest {

    @Test
    void roundTrip(@TempDir Path dir) throws IOException {
        QkvData x = SyntheticQkv.generate(1, 4, 2, 32, 10);
        Path f = dir.resolve("x.qkv");
        QkvFile.write(f, x);
        assertEquals(20 + 10 * 32 * 8 * 4, Files.size(f));
        QkvData y = QkvFile.read(f);
        assertEquals(4, y.queryHeads());
        assertEquals(2, y.kvHeads());
        assertEquals(32, y.headDim());
        assertEquals(10, y.n());
        assertArrayEquals(x.q(), y.q());
        assertArrayEquals(x.k(), y.k());
        assertArrayEquals(x.v(), y.v());
    }

    @Test
    void badFilesFailNamingTheProblem(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("bad.qkv");
        QkvFile.write(f, SyntheticQkv.generate(1, 4, 2, 32, 3));
        byte[] good = Files.readAllBytes(f);
        Files.write(f, Arrays.copyOf(good, good.length - 4));
        assertTrue(assertThrows(IOException.class, () -> QkvFile.read(f)).getMessage().contains("does not match"));
        Files.write(f, Arrays.copyOf(good, 12));
        assertTrue(assertThrows(IOException.class, () -> QkvFile.read(f)).getMessage().contains("shorter"));
        byte[] b = good.clone();
        b[0] = 0;
        Files.write(f, b);
        assertTrue(assertThrows(IOException.class, () -> QkvFile.read(f)).getMessage().contains("magic"));
        b = good.clone();
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putInt(8, 3);  // kvHeads 3 does not divide 4
        Files.write(f, b);
        assertTrue(assertThrows(IOException.class, () -> QkvFile.read(f)).getMessage().contains("multiple"));
        b = good.clone();
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putInt(16, -1);
        Files.write(f, b);
        assertTrue(assertThrows(IOException.class, () -> QkvFile.read(f)).getMessage().contains("n = -1"));
    }

    @Test
    void capturedHouseLayersMatchTheHouseModel() {
        for (QkvData x : HouseQkv.all()) {
            assertEquals(6, x.queryHeads(), x.source());
            assertEquals(2, x.kvHeads(), x.source());
            assertEquals(64, x.headDim(), x.source());
            assertTrue(x.n() >= 512, x.source());
        }
    }
}
