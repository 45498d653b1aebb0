package dev.shadowattn.bench.attention;

import org.junit.jupiter.api.Test;

import javax.xml.parsers.DocumentBuilderFactory;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AttentionSuiteReportTest {

    private static String result(String backend, int rows, int context, String geometry, double score, String unit) {
        return String.format(Locale.ROOT, """
                {"benchmark": "dev.shadowattn.bench.attention.SparseAttentionBenchmark.attend", "mode": "avgt",
                 "params": {"backend": "%s", "rows": "%d", "context": "%d", "geometry": "%s", "threads": "1",
                            "cache": "cold"},
                 "primaryMetric": {"score": %s, "scoreError": 1.5, "scoreUnit": "%s"}}""",
                backend, rows, context, geometry, score, unit);
    }

    private static final String JSON = "[" + String.join(",", List.of(
            result("dense", 1, 1024, "1x3x64", 10, "us/op"),
            result("cpu", 1, 1024, "1x3x64", 5, "us/op"),
            result("dense", 1, 4096, "1x3x64", 40, "us/op"),
            result("cpu", 1, 4096, "1x3x64", 10_000, "ns/op"),
            result("dense", 128, 1024, "1x3x128", 2, "ms/op"),
            result("cpu", 128, 1024, "1x3x128", 500, "us/op"))) + "]";

    @Test
    void tablePairsEveryShapeWithDenseAndConvertsUnits() {
        List<AttentionSuiteReport.Result> results = AttentionSuiteReport.read(JSON, "t.json");
        assertEquals(6, results.size());
        String table = AttentionSuiteReport.table(results);
        List<String> lines = table.lines().toList();
        assertEquals(2 + 3, lines.size(), table);
        assertEquals("| rows | geometry | context | dense us | cpu us (speedup) |", lines.get(0), "constant params omitted");
        assertTrue(lines.get(2).startsWith("| 1 | 1x3x64 | 1024 |") && lines.get(2).contains("5.00 (2.00x)"), table);
        assertTrue(lines.get(3).startsWith("| 1 | 1x3x64 | 4096 |") && lines.get(3).contains("10.0 (4.00x)"), table);
        assertTrue(lines.get(4).startsWith("| 128 | 1x3x128 | 1024 |") && lines.get(4).contains("| 2000 |")
                && lines.get(4).contains("500 (4.00x)"), table);
    }

    @Test
    void parametersThatVaryGetAColumn() {
        String json = JSON.replace("]", "," + result("dense", 1, 1024, "1x3x64", 7, "us/op").replace("\"threads\": \"1\"",
                "\"threads\": \"2\"") + "]");
        String table = AttentionSuiteReport.table(AttentionSuiteReport.read(json, "t.json"));
        assertTrue(table.startsWith("| rows | geometry | context | threads | dense us |"), table);
        assertTrue(table.contains("| 1 | 1x3x64 | 1024 | 2 | 7.00 |  |"), table);
    }

    @Test
    void chartHasDecodeAndPrefillPanelsWithADenseReference() throws Exception {
        String svg = AttentionSuiteReport.chart(AttentionSuiteReport.read(JSON, "t.json"), "t.json");
        var f = DocumentBuilderFactory.newInstance();
        f.setNamespaceAware(true);
        var doc = f.newDocumentBuilder().parse(new ByteArrayInputStream(svg.getBytes(StandardCharsets.UTF_8)));
        // decode: dense + "cpu d64"; prefill: dense + "cpu d128" (a single point still gets a polyline)
        assertEquals(4, doc.getElementsByTagNameNS("*", "polyline").getLength());
        assertTrue(svg.contains("cpu d64") && svg.contains("cpu d128"), svg);
    }

    @Test
    void cpuTimePerCallIsComparedWhenEveryResultHasIt() {
        // wall: dense 10 us, cpu 5 us; CPU per call: dense 9000 ns / 3 calls = 3 us, cpu 4000 ns / 4 calls = 1 us
        String json = "[" + result("dense", 1, 1024, "1x3x64", 10, "us/op").replaceFirst("}$",
                ", \"secondaryMetrics\": {\"cpuNanos\": {\"score\": 9000.0}, \"calls\": {\"score\": 3.0}}}")
                + "," + result("cpu", 1, 1024, "1x3x64", 5, "us/op").replaceFirst("}$",
                ", \"secondaryMetrics\": {\"cpuNanos\": {\"score\": 4000.0}, \"calls\": {\"score\": 4.0}}}")
                + "]";
        var results = AttentionSuiteReport.read(json, "t.json");
        assertEquals(3.0, results.get(0).cpuMicros(), 1e-12);
        String table = AttentionSuiteReport.table(results);
        assertTrue(table.contains("dense CPU us") && table.contains("| 3.00 | 1.00 (3.00x) |"), table);
        String wallOnly = AttentionSuiteReport.table(AttentionSuiteReport.read(JSON, "t.json"));
        assertTrue(wallOnly.contains("| dense us |"), "without CPU metrics the wall time is compared: " + wallOnly);
    }

    @Test
    void cpuTimeIsTheMedianOverIterationsWhenRawDataIsThere() {
        // iterations: 100 us/call (JIT not done yet), then 2 and 3 us/call: the median is 3, the mean ratio 35
        String json = "[" + result("dense", 1, 1024, "1x3x64", 10, "us/op").replaceFirst("}$",
                ", \"secondaryMetrics\": {\"cpuNanos\": {\"score\": 1.0, \"rawData\": [[100000.0, 20000.0, 30000.0]]},"
                        + " \"calls\": {\"score\": 1.0, \"rawData\": [[1.0, 10.0, 10.0]]}}}") + "]";
        assertEquals(3.0, AttentionSuiteReport.read(json, "t.json").getFirst().cpuMicros(), 1e-12);
    }

    @Test
    void otherFilesFailClearly() {
        var e = assertThrows(IllegalArgumentException.class, () -> AttentionSuiteReport.read("{}", "x.json"));
        assertTrue(e.getMessage().contains("x.json") && e.getMessage().contains("array"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> AttentionSuiteReport.read("[]", "x.json"));
        assertTrue(e.getMessage().contains("no SparseAttentionBenchmark result"), e.getMessage());
        String thrpt = JSON.replace("us/op", "ops/us");
        e = assertThrows(IllegalArgumentException.class, () -> AttentionSuiteReport.read(thrpt, "x.json"));
        assertTrue(e.getMessage().contains("AverageTime"), e.getMessage());
    }
}
