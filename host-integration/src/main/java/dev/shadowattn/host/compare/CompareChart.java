package dev.shadowattn.host.compare;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The comparison's chart: tokens/s (by the report's {@link Clock}) against context length, one line per
 * configuration, a prefill panel and a decode panel, with the model, threads, machine, load and date in the subtitle.
 */
public final class CompareChart {

    private CompareChart() {
    }

    public static String svg(ComparisonReport r) {
        List<LineChartSvg.Series> prefill = new ArrayList<>();
        List<LineChartSvg.Series> decode = new ArrayList<>();
        for (String label : r.labels()) {
            List<Measurement> ms = r.of(label);
            double[] x = new double[ms.size()], pp = new double[ms.size()], tg = new double[ms.size()];
            for (int i = 0; i < ms.size(); i++) {
                x[i] = ms.get(i).context();
                pp[i] = ms.get(i).prefillRate(r.clock());
                tg[i] = ms.get(i).decodeRate(r.clock());
            }
            prefill.add(new LineChartSvg.Series(label, x, pp));
            decode.add(new LineChartSvg.Series(label, x, tg));
        }
        String title = String.join(" vs ", r.labels()) + ": tokens/s by context length"
                + (r.clock() == Clock.CPU ? " (CPU time)" : "");
        if (title.length() > 90) {
            title = "Attention configurations: tokens/s by context length" + (r.clock() == Clock.CPU ? " (CPU time)" : "");
        }
        String subtitle = String.format(Locale.ROOT, "%s, %d thread%s, %s (%d logical CPUs), load average %s, %s; "
                        + "median of %d interleaved runs",
                r.modelFile(), r.threads(), r.threads() == 1 ? "" : "s", r.machine().cpu(), r.machine().processors(), load(r.machine().loadAverage()),
                r.date().length() >= 10 ? r.date().substring(0, 10) : r.date(), r.repetitions());
        return LineChartSvg.render(title, subtitle, "context length (tokens)", List.of(
                new LineChartSvg.Panel("Prefill (prompt of context - " + r.decodeTokens() + " tokens)",
                        r.clock().unit(), prefill),
                new LineChartSvg.Panel("Decode (last " + r.decodeTokens() + " tokens of the context)",
                        r.clock().unit(), decode)));
    }

    private static String load(double load) {
        return Double.isNaN(load) ? "n/a" : String.format(Locale.ROOT, "%.1f", load);
    }
}
