package dev.shadowattn.host.compare;

import dev.shadowattn.host.json.Json;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Table, CSV, JSON and chart of a hand-made report: ratios against the first configuration, missing figures. */
class CompareFormatsTest {

    /** CPU-time figures are a tenth of the wall ones, so a test can tell which clock a view used. */
    static Measurement m(int ctx, String config, double pp, double tg, double ppl, double delta) {
        return new Measurement(ctx, config, ctx - 16, 16, pp, tg, pp / 10, tg / 10, 0.25, 0.5,
                config.equals("dense") ? 1 : 0.2, config.equals("dense") ? 1 : 0.3, 0.1, 0.05, 1L << 20,
                new double[]{1, 2, 3}, new double[]{0.5, 0.6, 0.7}, new double[]{2, 4, 6}, new double[]{1, 1.2, 1.4},
                ppl, delta, Double.isNaN(ppl) ? 0 : 2);
    }

    static ComparisonReport report(boolean ppl) {
        return report(ppl, Clock.WALL);
    }

    static ComparisonReport report(boolean ppl, Clock clock) {
        double n = Double.NaN;
        List<Measurement> results = List.of(
                m(512, "dense", 1000, 100, ppl ? 20 : n, ppl ? 0 : n),
                m(512, "sa", 500, 50, ppl ? 21.5 : n, ppl ? 1.5 : n),
                m(1024, "dense", 800, 80, ppl ? 18 : n, ppl ? 0 : n),
                m(1024, "sa", 1600, 120, ppl ? 18.25 : n, ppl ? 0.25 : n));
        return new ComparisonReport("2025-01-02T03:04:05Z", new MachineInfo("cpu", 2, "os", "java", 3.5), 4.0,
                "model \"x\"", "m.gguf", 4096, 2, 64, "vector", "random", ppl ? "t.txt" : null,
                new int[]{512, 1024}, 16, 3, ppl ? 2 : 0, clock,
                List.of(new ComparisonReport.Config(CompareConfig.parse("dense"), "dense ..."),
                        new ComparisonReport.Config(CompareConfig.parse("sa=shadowattn:ratio=0.2"), "shadowattn ...")),
                results);
    }

    @Test
    void tableShowsRatiosToTheFirstConfiguration() {
        String t = CompareTable.format(report(true));
        List<String> lines = t.lines().toList();
        assertEquals(2 + 4, lines.size(), t);
        assertTrue(lines.get(0).contains("delta ppl"), t);
        assertTrue(lines.get(3).contains("500.0 (0.50x)") && lines.get(3).contains("50.0 (0.50x)"), t);
        assertTrue(lines.get(5).contains("1600.0 (2.00x)") && lines.get(5).contains("120.0 (1.50x)"), t);
        assertTrue(lines.get(5).contains("+0.250") && lines.get(5).contains("18.250"), t);
        assertTrue(lines.get(2).contains("1.0 MiB") && lines.get(2).contains("25%"), t);
        for (String line : lines) {
            assertEquals(lines.get(0).length(), line.length(), "columns aligned: " + line);
        }
        assertTrue(!CompareTable.format(report(false)).contains("perplexity"), "no perplexity columns without a text");
    }

    @Test
    void theCpuClockSwitchesTheTableAndChartFigures() throws Exception {
        String t = CompareTable.format(report(false, Clock.CPU));
        assertTrue(t.contains("prefill tok/s (cpu)"), t);
        assertTrue(t.contains("160.0 (2.00x)") && !t.contains("1600.0"), t);
        String svg = CompareChart.svg(report(false, Clock.CPU));
        assertTrue(svg.contains("at full CPU share") && svg.contains("(CPU time)"), "axis and title name the clock");
        assertTrue(svg.contains("= 1K, 160"), "points carry the CPU figures");
    }

    @Test
    void csvHasAHeaderAndOneRowPerMeasurement() {
        String csv = CompareCsv.format(report(false));
        assertTrue(csv.endsWith("\r\n"));
        List<String> lines = csv.lines().toList();
        assertEquals(5, lines.size());
        assertEquals(String.join(",", CompareCsv.HEADER), lines.get(0));
        for (String line : lines) {
            assertEquals(CompareCsv.HEADER.size(), line.split(",", -1).length, line);
        }
        String[] sa1024 = lines.get(4).split(",", -1);
        assertEquals("1024", sa1024[0]);
        assertEquals("sa", sa1024[1]);
        assertEquals("shadowattn", sa1024[2]);
        assertEquals("2", sa1024[CompareCsv.HEADER.indexOf("prefill_speedup")]);
        assertEquals("1.5", sa1024[CompareCsv.HEADER.indexOf("decode_speedup")]);
        assertEquals("160", sa1024[CompareCsv.HEADER.indexOf("prefill_cpu_tokens_per_s")]);
        assertEquals("2", sa1024[CompareCsv.HEADER.indexOf("prefill_cpu_speedup")]);
        assertEquals("", sa1024[CompareCsv.HEADER.indexOf("perplexity")], "no perplexity: empty cell");
        assertEquals("1048576", sa1024[CompareCsv.HEADER.indexOf("kv_cache_bytes")]);
        assertEquals("0.000123", CompareCsv.number(0.000123));
        assertEquals("1234.57", CompareCsv.number(1234.567));
    }

    @Test
    void jsonCarriesEverythingAndNullsForMissingFigures() {
        @SuppressWarnings("unchecked")
        Map<String, Object> root = (Map<String, Object>) Json.parse(CompareJson.format(report(false)));
        assertEquals(CompareJson.FORMAT, root.get("format"));
        @SuppressWarnings("unchecked")
        Map<String, Object> run = (Map<String, Object>) root.get("run");
        assertEquals("model \"x\"", run.get("model"));
        assertEquals(List.of(512.0, 1024.0), run.get("contexts"));
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> results = (List<Map<String, Object>>) root.get("results");
        assertEquals(4, results.size());
        Map<String, Object> sa = results.get(1);
        assertEquals("sa", sa.get("config"));
        assertEquals(0.5, (Double) sa.get("prefillSpeedup"), 1e-12);
        assertNull(sa.get("perplexity"));
        assertEquals(List.of(1.0, 2.0, 3.0), sa.get("prefillSeconds"));
        assertEquals(List.of(2.0, 4.0, 6.0), sa.get("prefillCpuSeconds"));
        assertEquals(50.0, (Double) sa.get("prefillCpuTokensPerSecond"), 1e-12);
        assertEquals("wall", run.get("clock"));
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> configs = (List<Map<String, Object>>) root.get("configs");
        assertEquals(List.of("ratio=0.2"), configs.get(1).get("options"));
    }

    @Test
    void chartHasAPrefillAndADecodePanelWithALinePerConfiguration() throws Exception {
        String svg = CompareChart.svg(report(true));
        var d = LineChartSvgTest.parse(svg);
        assertEquals(4, d.getElementsByTagNameNS("*", "polyline").getLength());
        assertTrue(svg.contains("Prefill") && svg.contains("Decode"));
        assertTrue(svg.contains("load average 3.5") && svg.contains("2025-01-02"), "the subtitle names load and date");
    }
}
