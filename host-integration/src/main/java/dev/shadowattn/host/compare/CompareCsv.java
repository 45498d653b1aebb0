package dev.shadowattn.host.compare;

import java.util.List;
import java.util.Locale;

/**
 * The comparison as CSV (RFC 4180: comma-separated, a header row, CRLF line ends; labels are plain by
 * construction, see {@link CompareConfig}). One row per context and configuration; empty cells where a figure does
 * not apply (no perplexity text). Throughput by both clocks ({@link Clock}); speedups are relative to the first
 * configuration at the same context.
 */
public final class CompareCsv {

    static final List<String> HEADER = List.of("context", "config", "backend", "prompt_tokens", "decode_tokens",
            "prefill_tokens_per_s", "decode_tokens_per_s", "prefill_speedup", "decode_speedup",
            "prefill_cpu_tokens_per_s", "decode_cpu_tokens_per_s", "prefill_cpu_speedup", "decode_cpu_speedup",
            "prefill_attention_share", "decode_attention_share", "prefill_kept_fraction", "decode_kept_fraction",
            "estimate_share", "select_share", "kv_cache_bytes", "perplexity", "perplexity_delta",
            "perplexity_chunks", "repetitions");

    private CompareCsv() {
    }

    public static String format(ComparisonReport report) {
        StringBuilder sb = new StringBuilder(String.join(",", HEADER)).append("\r\n");
        for (Measurement m : report.results()) {
            Measurement base = CompareTable.baseline(report, m.context());
            String backend = report.configs().stream().filter(c -> c.config().label().equals(m.config()))
                    .findFirst().orElseThrow().config().backend();
            List<String> cells = List.of(Integer.toString(m.context()), m.config(), backend,
                    Integer.toString(m.promptTokens()), Integer.toString(m.decodeTokens()),
                    number(m.prefillTokensPerSecond()), number(m.decodeTokensPerSecond()),
                    number(m.prefillTokensPerSecond() / base.prefillTokensPerSecond()),
                    number(m.decodeTokensPerSecond() / base.decodeTokensPerSecond()),
                    number(m.prefillCpuTokensPerSecond()), number(m.decodeCpuTokensPerSecond()),
                    number(m.prefillCpuTokensPerSecond() / base.prefillCpuTokensPerSecond()),
                    number(m.decodeCpuTokensPerSecond() / base.decodeCpuTokensPerSecond()),
                    number(m.prefillAttentionShare()), number(m.decodeAttentionShare()),
                    number(m.prefillKeptFraction()), number(m.decodeKeptFraction()),
                    number(m.estimateShare()), number(m.selectShare()), Long.toString(m.kvCacheBytes()),
                    number(m.perplexity()), number(m.perplexityDelta()), Integer.toString(m.perplexityChunks()),
                    Integer.toString(m.prefillSeconds().length));
            sb.append(String.join(",", cells)).append("\r\n");
        }
        return sb.toString();
    }

    /** Up to 6 significant digits, no exponent for ordinary magnitudes; empty for NaN or infinity. */
    static String number(double v) {
        if (!Double.isFinite(v)) {
            return "";
        }
        String s = String.format(Locale.ROOT, "%.6g", v);
        if (s.contains("e")) {
            return s;
        }
        if (s.contains(".")) {
            s = s.replaceAll("0+$", "");
            if (s.endsWith(".")) {
                s = s.substring(0, s.length() - 1);
            }
        }
        return s;
    }
}
