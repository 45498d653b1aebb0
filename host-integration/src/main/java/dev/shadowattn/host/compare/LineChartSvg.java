package dev.shadowattn.host.compare;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

/**
 * A small line chart written as SVG 1.1 text, no dependencies: a title, a legend shared by the panels, and panels
 * side by side, each with a logarithmic (base 2) x axis, a linear y axis from zero, grid lines and one line with
 * point markers per series. Points with a non-finite or non-positive x, or a non-finite y, are skipped. Every
 * point carries a {@code <title>} (a tooltip in browsers) with its exact value.
 */
public final class LineChartSvg {

    /** One line: a name for the legend and its points. */
    public record Series(String name, double[] x, double[] y) {
        public Series {
            if (x.length != y.length) {
                throw new IllegalArgumentException("series '" + name + "': " + x.length + " x values but "
                        + y.length + " y values");
            }
            x = x.clone();
            y = y.clone();
        }
    }

    /** One plot area. */
    public record Panel(String title, String yLabel, List<Series> series) {
        public Panel {
            series = List.copyOf(series);
        }
    }

    // Okabe-Ito colours: distinguishable with the common colour-vision deficiencies.
    private static final String[] COLORS = {"#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9",
            "#000000", "#F0E442"};
    private static final String[] DASHES = {"", "6 3", "2 3", "8 3 2 3"};

    private static final int PANEL_W = 460, PANEL_H = 320, LEFT = 70, RIGHT = 16, TOP = 28, BOTTOM = 48;
    private static final int MARGIN = 16, LEGEND_LINE = 20;

    private LineChartSvg() {
    }

    /**
     * @param title    first line of the header
     * @param subtitle second line (machine, date...), may be empty
     * @param xLabel   label of every panel's x axis
     */
    public static String render(String title, String subtitle, String xLabel, List<Panel> panels) {
        if (panels.isEmpty()) {
            throw new IllegalArgumentException("a chart needs at least one panel");
        }
        int width = 2 * MARGIN + panels.size() * PANEL_W;
        List<String> names = names(panels);
        int legendLines = legendLines(names, width);
        int header = 56 + legendLines * LEGEND_LINE + 8;
        int height = header + PANEL_H + MARGIN;
        StringBuilder sb = new StringBuilder();
        sb.append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        sb.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" "
                + "width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" font-family=\"Helvetica, Arial, sans-serif\">%n",
                width, height, width, height));
        sb.append("<title>").append(escape(title)).append("</title>\n");
        sb.append(String.format(Locale.ROOT, "<rect width=\"%d\" height=\"%d\" fill=\"#ffffff\"/>%n", width, height));
        text(sb, MARGIN, 26, 17, "start", "bold", title);
        if (!subtitle.isEmpty()) {
            text(sb, MARGIN, 46, 12, "start", "normal", subtitle);
        }
        legend(sb, names, width, 72);
        for (int i = 0; i < panels.size(); i++) {
            panel(sb, panels.get(i), xLabel, MARGIN + i * PANEL_W, header, names);
        }
        sb.append("</svg>\n");
        return sb.toString();
    }

    /** Series names across panels, first appearance order: the legend, and each name's colour index. */
    private static List<String> names(List<Panel> panels) {
        Set<String> names = new LinkedHashSet<>();
        for (Panel p : panels) {
            for (Series s : p.series()) {
                names.add(s.name());
            }
        }
        return new ArrayList<>(names);
    }

    /** Width of one legend entry: swatch, gap, the name at about 8 px a character, spacing. */
    private static int entryWidth(String name) {
        return 30 + 8 * name.length() + 24;
    }

    private static int legendLines(List<String> names, int width) {
        int lines = 1, cx = MARGIN;
        for (String n : names) {
            if (cx > MARGIN && cx + entryWidth(n) > width - MARGIN) {
                lines++;
                cx = MARGIN;
            }
            cx += entryWidth(n);
        }
        return lines;
    }

    private static void legend(StringBuilder sb, List<String> names, int width, int y) {
        int cx = MARGIN;
        for (int i = 0; i < names.size(); i++) {
            if (cx > MARGIN && cx + entryWidth(names.get(i)) > width - MARGIN) {
                y += LEGEND_LINE;
                cx = MARGIN;
            }
            sb.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" "
                    + "stroke-width=\"2.5\"%s/>%n", cx, y - 4, cx + 24, y - 4, color(i), dash(i)));
            sb.append(String.format(Locale.ROOT, "<circle cx=\"%d\" cy=\"%d\" r=\"3.5\" fill=\"%s\"/>%n",
                    cx + 12, y - 4, color(i)));
            text(sb, cx + 30, y, 13, "start", "normal", names.get(i));
            cx += entryWidth(names.get(i));
        }
    }

    private static void panel(StringBuilder sb, Panel p, String xLabel, int x0, int y0, List<String> names) {
        int plotX = x0 + LEFT, plotY = y0 + TOP;
        int plotW = PANEL_W - LEFT - RIGHT, plotH = PANEL_H - TOP - BOTTOM;
        TreeSet<Double> xs = new TreeSet<>();
        double yMax = 0;
        for (Series s : p.series()) {
            for (int i = 0; i < s.x().length; i++) {
                if (valid(s.x()[i], s.y()[i])) {
                    xs.add(s.x()[i]);
                    yMax = Math.max(yMax, s.y()[i]);
                }
            }
        }
        text(sb, plotX + plotW / 2, y0 + 16, 14, "middle", "bold", p.title());
        sb.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" "
                + "stroke=\"#888888\"/>%n", plotX, plotY, plotW, plotH));
        text(sb, plotX + plotW / 2, plotY + plotH + 40, 12, "middle", "normal", xLabel);
        sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" font-size=\"12\" text-anchor=\"middle\" "
                        + "transform=\"rotate(-90 %d %d)\">%s</text>%n", x0 + 16, plotY + plotH / 2, x0 + 16,
                plotY + plotH / 2, escape(p.yLabel())));
        if (xs.isEmpty()) {
            text(sb, plotX + plotW / 2, plotY + plotH / 2, 13, "middle", "normal", "no data");
            return;
        }
        double lo = Math.log(xs.first()) / Math.log(2), hi = Math.log(xs.last()) / Math.log(2);
        if (hi - lo < 1e-9) {
            lo -= 1;
            hi += 1;
        }
        double pad = (hi - lo) * 0.06;
        double xLo = lo - pad, xHi = hi + pad;
        double step = niceStep(yMax > 0 ? yMax * 1.08 : 1, 5);
        double yTop = Math.ceil((yMax > 0 ? yMax * 1.08 : 1) / step) * step;
        // y grid and labels
        long intervals = Math.round(yTop / step);
        for (long t = 0; t <= intervals; t++) {
            double v = t * step;
            double py = plotY + plotH - v / yTop * plotH;
            sb.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#e5e5e5\"/>%n",
                    plotX, py, plotX + plotW, py));
            text(sb, plotX - 6, (int) Math.round(py + 4), 11, "end", "normal", tick(v, step));
        }
        // x ticks at the data's x values (thinned to at most 10)
        List<Double> ticks = new ArrayList<>(xs);
        int every = (ticks.size() + 9) / 10;
        for (int i = 0; i < ticks.size(); i += every) {
            double px = plotX + (Math.log(ticks.get(i)) / Math.log(2) - xLo) / (xHi - xLo) * plotW;
            sb.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#e5e5e5\"/>%n",
                    px, plotY, px, plotY + plotH));
            text(sb, (int) Math.round(px), plotY + plotH + 18, 11, "middle", "normal", size(ticks.get(i)));
        }
        for (Series s : p.series()) {
            int ci = names.indexOf(s.name());
            StringBuilder pts = new StringBuilder();
            StringBuilder marks = new StringBuilder();
            for (int i = 0; i < s.x().length; i++) {
                if (!valid(s.x()[i], s.y()[i])) {
                    continue;
                }
                double px = plotX + (Math.log(s.x()[i]) / Math.log(2) - xLo) / (xHi - xLo) * plotW;
                double py = plotY + plotH - s.y()[i] / yTop * plotH;
                pts.append(String.format(Locale.ROOT, "%s%.1f,%.1f", pts.isEmpty() ? "" : " ", px, py));
                marks.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3.5\" fill=\"%s\">"
                                + "<title>%s: %s = %s, %s</title></circle>%n", px, py, color(ci), escape(s.name()),
                        escape(xLabel), size(s.x()[i]), String.format(Locale.ROOT, "%.4g", s.y()[i])));
            }
            if (!pts.isEmpty()) {
                sb.append(String.format(Locale.ROOT, "<polyline points=\"%s\" fill=\"none\" stroke=\"%s\" "
                        + "stroke-width=\"2.5\"%s/>%n", pts, color(ci), dash(ci)));
                sb.append(marks);
            }
        }
    }

    private static boolean valid(double x, double y) {
        return Double.isFinite(x) && x > 0 && Double.isFinite(y);
    }

    /** A step of 1, 2 or 5 times a power of ten giving about {@code ticks} intervals up to {@code max}. */
    static double niceStep(double max, int ticks) {
        double raw = max / ticks;
        double pow = Math.pow(10, Math.floor(Math.log10(raw)));
        double f = raw / pow;
        return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * pow;
    }

    private static String tick(double v, double step) {
        if (step >= 1) {
            return String.format(Locale.ROOT, "%.0f", v);
        }
        int decimals = (int) Math.ceil(-Math.log10(step));
        return String.format(Locale.ROOT, "%." + decimals + "f", v);
    }

    /** 512, 1K, 2K, 1.5K, 32K, 1M: context sizes in powers of 1024. */
    static String size(double v) {
        if (v >= 1 << 20 && v % (1 << 20) == 0) {
            return String.format(Locale.ROOT, "%.0fM", v / (1 << 20));
        }
        if (v >= 1024 && v % 512 == 0) {
            double k = v / 1024;
            return k == Math.rint(k) ? String.format(Locale.ROOT, "%.0fK", k) : String.format(Locale.ROOT, "%.1fK", k);
        }
        return v == Math.rint(v) ? String.format(Locale.ROOT, "%.0f", v) : String.format(Locale.ROOT, "%.3g", v);
    }

    private static String color(int i) {
        return COLORS[i % COLORS.length];
    }

    private static String dash(int i) {
        String d = DASHES[i % DASHES.length];
        return d.isEmpty() ? "" : " stroke-dasharray=\"" + d + "\"";
    }

    private static void text(StringBuilder sb, int x, int y, int size, String anchor, String weight, String s) {
        sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" font-size=\"%d\" text-anchor=\"%s\"%s>%s</text>%n",
                x, y, size, anchor, weight.equals("bold") ? " font-weight=\"bold\"" : "", escape(s)));
    }

    /** XML character data / attribute escaping. */
    static String escape(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '&' -> sb.append("&amp;");
                case '<' -> sb.append("&lt;");
                case '>' -> sb.append("&gt;");
                case '"' -> sb.append("&quot;");
                case '\'' -> sb.append("&apos;");
                default -> {
                    if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') {
                        sb.append(' '); // not allowed in XML 1.0
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.toString();
    }
}
