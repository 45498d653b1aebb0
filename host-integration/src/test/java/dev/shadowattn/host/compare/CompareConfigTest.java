package dev.shadowattn.host.compare;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CompareConfigTest {

    @Test
    void parsesLabelBackendAndOptions() {
        CompareConfig c = CompareConfig.parse("sa10=shadowattn:ratio=0.1, block=32");
        assertEquals("sa10", c.label());
        assertEquals("shadowattn", c.backend());
        assertEquals(List.of("ratio=0.1", "block=32"), c.options());
        assertEquals("sa10=shadowattn:ratio=0.1,block=32", c.spec());
        assertEquals(c, CompareConfig.parse(c.spec()));
    }

    @Test
    void aBareBackendIsItsOwnLabel() {
        CompareConfig c = CompareConfig.parse("dense");
        assertEquals("dense", c.label());
        assertEquals("dense", c.backend());
        assertTrue(c.options().isEmpty());
        CompareConfig labelled = CompareConfig.parse("base=dense");
        assertEquals("base", labelled.label());
        assertEquals("dense", labelled.backend());
    }

    @Test
    void extraOptionsAreAppendedSoTheyWin() {
        CompareConfig c = CompareConfig.parse("s=shadowattn:ratio=0.1").withOptions(List.of("ratio=0.3", "profile=none"));
        assertEquals(List.of("ratio=0.1", "ratio=0.3", "profile=none"), c.options());
    }

    @Test
    void malformedSpecsFailQuotingTheSpec() {
        var e = assertThrows(IllegalArgumentException.class, () -> CompareConfig.parse("shadowattn:ratio=0.1"));
        assertTrue(e.getMessage().contains("needs a label"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> CompareConfig.parse("x=shadowattn:ratio"));
        assertTrue(e.getMessage().contains("'ratio' is not of the form key=value"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> CompareConfig.parse("x="));
        assertTrue(e.getMessage().contains("names no backend"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> CompareConfig.parse("a b=dense"));
        assertTrue(e.getMessage().contains("label 'a b'"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> CompareConfig.parse("x=Dense Attention"));
        assertTrue(e.getMessage().contains("not a backend name"), e.getMessage());
    }
}
