package dev.shadowattn.host.cli;

import dev.shadowattn.host.compare.CompareJson;
import dev.shadowattn.host.engine.HouseModel;
import dev.shadowattn.host.json.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;

import javax.xml.parsers.DocumentBuilderFactory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code compare} end to end on the embedded model at tiny settings, and its errors. */
class CompareCommandTest {

    static final String MODEL = HouseModel.PATH.toString();
    static final String TEXT = "src/test/resources/data/persuasion.txt";

    @Test
    void writesTableCsvJsonAndSvgForEveryContextAndConfiguration(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("report");
        MainTest.Run r = MainTest.run("compare", "-m", MODEL, "-t", "2", "--contexts", "192,96", "--gen", "4",
                "-r", "1", "--file", TEXT, "--ppl-chunks", "1", "--backend-opt", "profile=none",
                "--config", "dense", "--config", "sa=shadowattn:ratio=0.25,dense-below=0", "--clock", "cpu", "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("[1/8 ") && r.err().contains("[8/8 "), "progress per step: " + r.err());

        List<String> table = r.out().lines().toList();
        assertEquals(2 + 4, table.size(), r.out());
        assertTrue(table.get(0).contains("prefill tok/s (cpu)"), r.out());
        assertTrue(table.get(2).matches("\\|\\s+96 \\| dense .*"), r.out());
        assertTrue(table.get(5).matches("\\|\\s+192 \\| sa .*\\(\\d+\\.\\d\\dx\\).*"), r.out());

        List<String> csv = Files.readAllLines(out.resolve("compare.csv"));
        assertEquals(5, csv.size());
        List<String> header = List.of(csv.get(0).split(","));
        for (String row : csv.subList(1, 5)) {
            String[] c = row.split(",", -1);
            assertEquals(header.size(), c.length, row);
            assertTrue(Double.parseDouble(c[header.indexOf("prefill_tokens_per_s")]) > 0, row);
            assertTrue(Double.parseDouble(c[header.indexOf("decode_tokens_per_s")]) > 0, row);
            assertTrue(Double.parseDouble(c[header.indexOf("prefill_cpu_tokens_per_s")]) > 0, row);
            assertTrue(Long.parseLong(c[header.indexOf("kv_cache_bytes")]) > 0, row);
            double share = Double.parseDouble(c[header.indexOf("prefill_attention_share")]);
            assertTrue(share > 0 && share < 1, "attention is part of the forward pass: " + row);
            assertTrue(Double.parseDouble(c[header.indexOf("perplexity")]) > 1, row);
        }

        @SuppressWarnings("unchecked")
        Map<String, Object> json = (Map<String, Object>) Json.parse(Files.readString(out.resolve("compare.json")));
        assertEquals(CompareJson.FORMAT, json.get("format"));
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> results = (List<Map<String, Object>>) json.get("results");
        assertEquals(4, results.size());
        for (Map<String, Object> m : results) {
            int ctx = ((Double) m.get("context")).intValue();
            assertEquals(ctx - 4, ((Double) m.get("promptTokens")).intValue());
            if (m.get("config").equals("dense")) {
                assertEquals(1.0, (Double) m.get("prefillKeptFraction"));
                assertEquals(0.0, (Double) m.get("perplexityDelta"));
            } else {
                assertTrue((Double) m.get("prefillKeptFraction") < 1.0, "shadowattn keeps fewer keys: " + m);
                assertTrue((Double) m.get("estimateShare") > 0, "the sparse backend reports its estimate time");
            }
        }
        // The shadow INT8 keys make the sparse configuration's cache larger than dense at the same context.
        assertTrue((Double) results.get(3).get("kvCacheBytes") > (Double) results.get(2).get("kvCacheBytes"), results.toString());

        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setNamespaceAware(true);
        Document svg = f.newDocumentBuilder().parse(out.resolve("compare.svg").toFile());
        assertEquals(4, svg.getElementsByTagNameNS("*", "polyline").getLength(), "2 configurations x 2 panels");
    }

    @Test
    void badOptionsFailClearlyBeforeAnyWork(@TempDir Path dir) throws IOException {
        assertUsage("--contexts expects comma-separated integers", "compare", "--contexts", "abc");
        assertUsage("at least 8", "compare", "--contexts", "4");
        assertUsage("lists 512 twice", "compare", "--contexts", "512,512");
        assertUsage("must exceed the 32 decode tokens", "compare", "--contexts", "16");
        assertUsage("--gen must be between", "compare", "--gen", "0");
        assertUsage("--repetitions must be between", "compare", "-r", "0");
        assertUsage("--ppl-chunks must be between", "compare", "--ppl-chunks", "-1");
        assertUsage("needs a label", "compare", "--config", "shadowattn:ratio=0.1");
        assertUsage("two configurations are labelled 'dense'", "compare", "--config", "dense", "--config", "dense");
        assertUsage("--backend-opt 'ratio'", "compare", "--backend-opt", "ratio");
        assertUsage("unknown option '--backend'", "compare", "--backend", "dense");
        assertUsage("--clock must be one of [wall, cpu]", "compare", "--clock", "sundial");
        assertUsage("no such file", "compare", "--file", dir.resolve("absent.txt").toString());
        Path file = Files.writeString(dir.resolve("plain"), "x", StandardCharsets.UTF_8);
        assertUsage("is not a directory", "compare", "--out", file.toString());

        MainTest.Run r = MainTest.run("compare", "-m", MODEL, "--config", "x=nope", "--contexts", "64", "--gen", "4");
        assertEquals(1, r.code());
        assertTrue(r.err().contains("configuration 'x'") && r.err().contains("'nope'"), r.err());
        r = MainTest.run("compare", "-m", MODEL, "--config", "dense", "--config", "s=shadowattn:frobnicate=1",
                "--contexts", "64", "--gen", "4");
        assertEquals(1, r.code());
        assertTrue(r.err().contains("configuration 's'") && r.err().contains("frobnicate"), r.err());
        assertFalse(r.err().contains("\tat "), "no stack trace: " + r.err());
    }

    private static void assertUsage(String expected, String... args) {
        MainTest.Run r = MainTest.run(args);
        assertEquals(2, r.code(), String.join(" ", args) + ": " + r.err());
        assertTrue(r.err().contains(expected), String.join(" ", args) + ": " + r.err());
    }

    @Test
    void helpListsTheOptions() {
        MainTest.Run r = MainTest.run("compare", "--help");
        assertEquals(0, r.code());
        for (String o : List.of("--config", "--contexts", "--gen", "--repetitions", "--file", "--ppl-chunks", "--out",
                "--model", "--threads")) {
            assertTrue(r.out().contains(o), o + " in " + r.out());
        }
    }
}
