package dev.shadowattn.host.compare;

import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

import javax.xml.parsers.DocumentBuilderFactory;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LineChartSvgTest {

    static Document parse(String svg) throws Exception {
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setNamespaceAware(true);
        return f.newDocumentBuilder().parse(new ByteArrayInputStream(svg.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void drawsOneLineAndAMarkerPerPointInEachPanel() throws Exception {
        double[] x = {512, 1024, 2048, 4096};
        var a = new LineChartSvg.Series("dense", x, new double[]{900, 800, 600, 400});
        var b = new LineChartSvg.Series("sa<&>", x, new double[]{950, 900, 850, 800});
        String svg = LineChartSvg.render("title & more", "sub", "context", List.of(
                new LineChartSvg.Panel("Prefill", "tokens/s", List.of(a, b)),
                new LineChartSvg.Panel("Decode", "tokens/s", List.of(a, b))));
        Document d = parse(svg);
        assertEquals("svg", d.getDocumentElement().getLocalName());
        assertEquals(4, d.getElementsByTagNameNS("*", "polyline").getLength());
        // 16 data markers plus 2 legend markers
        assertEquals(18, d.getElementsByTagNameNS("*", "circle").getLength());
        assertTrue(svg.contains("sa&lt;&amp;&gt;"), "labels are escaped");
        assertTrue(svg.contains(">4K<") && svg.contains(">512<"), "x ticks name the contexts");
        // points go right with x and up with y: the first series' line descends left to right
        Element line = (Element) d.getElementsByTagNameNS("*", "polyline").item(0);
        String[] pts = line.getAttribute("points").split(" ");
        double prevX = -1, prevY = -1;
        for (String p : pts) {
            double px = Double.parseDouble(p.split(",")[0]), py = Double.parseDouble(p.split(",")[1]);
            assertTrue(px > prevX, "x increases");
            assertTrue(py > prevY, "decreasing tokens/s is drawn lower (larger SVG y)");
            prevX = px;
            prevY = py;
        }
    }

    @Test
    void skipsMissingPointsAndMarksEmptyPanels() throws Exception {
        var s = new LineChartSvg.Series("s", new double[]{512, 1024, 2048}, new double[]{1, Double.NaN, 3});
        var empty = new LineChartSvg.Series("s", new double[]{512}, new double[]{Double.NaN});
        String svg = LineChartSvg.render("t", "", "x", List.of(
                new LineChartSvg.Panel("A", "y", List.of(s)), new LineChartSvg.Panel("B", "y", List.of(empty))));
        Document d = parse(svg);
        NodeList lines = d.getElementsByTagNameNS("*", "polyline");
        assertEquals(1, lines.getLength());
        assertEquals(2, ((Element) lines.item(0)).getAttribute("points").split(" ").length);
        assertTrue(svg.contains(">no data<"));
        assertFalse(svg.contains("NaN"));
    }

    @Test
    void aSingleContextIsCentredNotDividedByZero() throws Exception {
        var s = new LineChartSvg.Series("s", new double[]{1024}, new double[]{5});
        String svg = LineChartSvg.render("t", "", "x", List.of(new LineChartSvg.Panel("A", "y", List.of(s))));
        parse(svg);
        assertFalse(svg.contains("NaN") || svg.contains("Infinity"), svg);
    }

    @Test
    void niceStepsAndSizeLabels() {
        assertEquals(200, LineChartSvg.niceStep(1000, 5), 1e-9);
        assertEquals(0.5, LineChartSvg.niceStep(2.2, 5), 1e-9);
        assertEquals(50, LineChartSvg.niceStep(180, 5), 1e-9);
        assertEquals("512", LineChartSvg.size(512));
        assertEquals("1.5K", LineChartSvg.size(1536));
        assertEquals("32K", LineChartSvg.size(32768));
        assertEquals("1M", LineChartSvg.size(1 << 20));
        assertEquals("100", LineChartSvg.size(100));
    }

    @Test
    void mismatchedSeriesAndNoPanelsAreErrors() {
        assertThrows(IllegalArgumentException.class, () -> new LineChartSvg.Series("s", new double[2], new double[3]));
        assertThrows(IllegalArgumentException.class, () -> LineChartSvg.render("t", "", "x", List.of()));
    }
}
