package dev.shadowattn.host.compare;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The comparison as a Markdown table (readable in a terminal, pasteable into docs): one row per context and
 * configuration, throughput (by the report's {@link Clock}) with its ratio to the first configuration at the same
 * context.
 */
public final class CompareTable {

    private static final String[] HEADER = {"context", "config", "prefill tok/s", "decode tok/s", "attn % pp",
            "attn % tg", "kept pp", "kept tg", "KV cache", "perplexity", "delta ppl"};
    private static final String[] CPU_HEADER = {"context", "config", "prefill tok/s (cpu)", "decode tok/s (cpu)",
            "attn % pp", "attn % tg", "kept pp", "kept tg", "KV cache", "perplexity", "delta ppl"};

    private CompareTable() {
    }

    public static String format(ComparisonReport report) {
        boolean ppl = report.hasPerplexity();
        Clock clock = report.clock();
        String[] header = clock == Clock.CPU ? CPU_HEADER : HEADER;
        int columns = ppl ? header.length : header.length - 2;
        List<String[]> rows = new ArrayList<>();
        for (Measurement m : report.results()) {
            Measurement base = baseline(report, m.context());
            String[] r = {
                    Integer.toString(m.context()), m.config(),
                    withRatio(m.prefillRate(clock), base.prefillRate(clock), m == base),
                    withRatio(m.decodeRate(clock), base.decodeRate(clock), m == base),
                    percent(m.prefillAttentionShare()), percent(m.decodeAttentionShare()),
                    fixed(m.prefillKeptFraction(), 3), fixed(m.decodeKeptFraction(), 3), mib(m.kvCacheBytes()),
                    fixed(m.perplexity(), 3), signed(m.perplexityDelta())};
            rows.add(r);
        }
        int[] width = new int[columns];
        for (int c = 0; c < columns; c++) {
            width[c] = header[c].length();
            for (String[] r : rows) {
                width[c] = Math.max(width[c], r[c].length());
            }
        }
        StringBuilder sb = new StringBuilder();
        line(sb, header, width, columns);
        sb.append('|');
        for (int c = 0; c < columns; c++) {
            // numbers right-aligned (Markdown "---:"), the label column left-aligned
            sb.append(c == 1 ? "-".repeat(width[c] + 2) : "-".repeat(width[c] + 1) + ":").append('|');
        }
        sb.append('\n');
        for (String[] r : rows) {
            line(sb, r, width, columns);
        }
        return sb.toString();
    }

    /** The first configuration's measurement at {@code context}. */
    static Measurement baseline(ComparisonReport report, int context) {
        String first = report.labels().getFirst();
        return report.results().stream().filter(x -> x.context() == context && x.config().equals(first))
                .findFirst().orElseThrow();
    }

    private static void line(StringBuilder sb, String[] cells, int[] width, int columns) {
        sb.append('|');
        for (int c = 0; c < columns; c++) {
            String cell = cells[c];
            String pad = " ".repeat(width[c] - cell.length());
            sb.append(' ').append(c == 1 ? cell + pad : pad + cell).append(" |");
        }
        sb.append('\n');
    }

    private static String withRatio(double value, double base, boolean isBase) {
        String v = String.format(Locale.ROOT, "%.1f", value);
        return isBase || !(base > 0) ? v : v + String.format(Locale.ROOT, " (%.2fx)", value / base);
    }

    private static String percent(double share) {
        return Double.isNaN(share) ? "" : String.format(Locale.ROOT, "%.0f%%", 100 * share);
    }

    private static String fixed(double v, int decimals) {
        return Double.isNaN(v) ? "" : String.format(Locale.ROOT, "%." + decimals + "f", v);
    }

    private static String signed(double v) {
        return Double.isNaN(v) ? "" : String.format(Locale.ROOT, "%+.3f", v);
    }

    static String mib(long bytes) {
        return String.format(Locale.ROOT, "%.1f MiB", bytes / (1024.0 * 1024.0));
    }
}
