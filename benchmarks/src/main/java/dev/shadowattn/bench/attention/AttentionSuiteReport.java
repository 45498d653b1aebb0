package dev.shadowattn.bench.attention;

import dev.shadowattn.host.compare.LineChartSvg;
import dev.shadowattn.host.json.Json;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Reads the JSON results of {@link SparseAttentionBenchmark} (JMH {@code -rf json}) and prints a Markdown table, one
 * row per shape (rows, geometry, context and any other parameter) with dense's time per {@code attend} call and
 * every other backend's time and speedup over dense (CPU time when the results carry it, else wall time); optionally writes an SVG chart of those speedups against
 * context length (a decode panel for {@code rows=1}, a prefill panel for more rows, one line per backend and head
 * dimension, dense being 1).
 *
 * <p>Run: {@code java -cp benchmarks/target/benchmarks.jar dev.shadowattn.bench.attention.AttentionSuiteReport
 * attention.json [chart.svg]}.
 */
public final class AttentionSuiteReport {

    /**
     * One JMH result: its parameters, mean wall time per call and CPU time per call (from the
     * {@link SparseAttentionBenchmark.CpuCounters} secondary metrics; NaN when absent), in microseconds.
     */
    record Result(Map<String, String> params, double micros, double error, double cpuMicros) {

        /** The time compared: CPU time when measured, else wall time. */
        double time(boolean cpu) {
            return cpu ? cpuMicros : micros;
        }
    }

    private AttentionSuiteReport() {
    }

    public static void main(String[] args) {
        if (args.length < 1 || args.length > 2) {
            System.err.println("usage: AttentionSuiteReport JMH-RESULT.json [CHART.svg]");
            System.exit(2);
        }
        try {
            List<Result> results = read(Files.readString(Path.of(args[0]), StandardCharsets.UTF_8), args[0]);
            System.out.print(table(results));
            if (args.length == 2) {
                Files.writeString(Path.of(args[1]), chart(results, "JMH " + Path.of(args[0]).getFileName()),
                        StandardCharsets.UTF_8);
                System.err.println("wrote " + args[1]);
            }
        } catch (IOException | IllegalArgumentException e) {
            System.err.println("error: " + e);
            System.exit(1);
        }
    }

    /** The {@code SparseAttentionBenchmark} results of a JMH JSON file, in microseconds per call. */
    static List<Result> read(String json, String source) {
        Object root = Json.parse(json);
        if (!(root instanceof List<?> list)) {
            throw new IllegalArgumentException(source + ": not a JMH JSON result (expected an array)");
        }
        List<Result> out = new ArrayList<>();
        for (Object o : list) {
            if (!(o instanceof Map<?, ?> m) || !String.valueOf(m.get("benchmark")).contains("SparseAttentionBenchmark")) {
                continue;
            }
            Map<String, String> params = new TreeMap<>();
            if (m.get("params") instanceof Map<?, ?> p) {
                p.forEach((k, v) -> params.put(String.valueOf(k), String.valueOf(v)));
            }
            if (!(m.get("primaryMetric") instanceof Map<?, ?> metric) || !(metric.get("score") instanceof Double score)) {
                throw new IllegalArgumentException(source + ": a result has no primaryMetric.score");
            }
            double scale = switch (String.valueOf(metric.get("scoreUnit"))) {
                case "us/op" -> 1;
                case "ns/op" -> 1e-3;
                case "ms/op" -> 1e3;
                case "s/op" -> 1e6;
                default -> throw new IllegalArgumentException(source + ": unit " + metric.get("scoreUnit")
                        + " is not a time per operation (run in AverageTime mode)");
            };
            double error = metric.get("scoreError") instanceof Double e && Double.isFinite(e) ? e : Double.NaN;
            double cpu = Double.NaN;
            if (m.get("secondaryMetrics") instanceof Map<?, ?> sec
                    && sec.get("cpuNanos") instanceof Map<?, ?> nanos && sec.get("calls") instanceof Map<?, ?> calls) {
                cpu = cpuMicrosPerCall(nanos, calls);
            }
            out.add(new Result(params, score * scale, error * scale, cpu));
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException(source + ": no SparseAttentionBenchmark result");
        }
        return out;
    }

    /**
     * CPU microseconds per call: the median over measurement iterations (of every fork) of the iteration's CPU
     * nanoseconds over its calls, so that an iteration still running unoptimized code (on a loaded machine the JIT
     * gets little CPU during the warm-up) does not weigh on the figure; from the scores when there is no raw data.
     */
    private static double cpuMicrosPerCall(Map<?, ?> nanos, Map<?, ?> calls) {
        List<Double> ratios = new ArrayList<>();
        if (nanos.get("rawData") instanceof List<?> nf && calls.get("rawData") instanceof List<?> cf) {
            for (int f = 0; f < Math.min(nf.size(), cf.size()); f++) {
                if (nf.get(f) instanceof List<?> ni && cf.get(f) instanceof List<?> ci) {
                    for (int i = 0; i < Math.min(ni.size(), ci.size()); i++) {
                        if (ni.get(i) instanceof Double n && ci.get(i) instanceof Double c && c > 0) {
                            ratios.add(n / c / 1e3);
                        }
                    }
                }
            }
        }
        if (ratios.isEmpty()) {
            return nanos.get("score") instanceof Double n && calls.get("score") instanceof Double c && c > 0
                    ? n / c / 1e3 : Double.NaN;
        }
        ratios.sort(null);
        int k = ratios.size();
        return k % 2 == 1 ? ratios.get(k / 2) : (ratios.get(k / 2 - 1) + ratios.get(k / 2)) / 2;
    }

    /** The parameters other than {@code backend}: results sharing them are compared. */
    private static Map<String, String> shape(Result r) {
        Map<String, String> s = new TreeMap<>(r.params());
        s.remove("backend");
        return s;
    }

    private static int intParam(Map<String, String> p, String key) {
        return Integer.parseInt(p.getOrDefault(key, "0"));
    }

    static String table(List<Result> results) {
        List<String> backends = new ArrayList<>(new LinkedHashSet<>(
                results.stream().map(r -> r.params().get("backend")).toList()));
        backends.remove("dense");
        List<String> varying = varyingOthers(results);
        Map<Map<String, String>, Map<String, Result>> byShape = group(results);
        boolean cpu = hasCpu(results);
        String unit = cpu ? " CPU us" : " us";
        StringBuilder sb = new StringBuilder("| rows | geometry | context |");
        for (String v : varying) {
            sb.append(' ').append(v).append(" |");
        }
        sb.append(" dense").append(unit).append(" |");
        for (String b : backends) {
            sb.append(' ').append(b).append(unit).append(" (speedup) |");
        }
        sb.append("\n|---:|---|---:|").append("---|".repeat(varying.size())).append("---:|")
                .append("---:|".repeat(backends.size())).append('\n');
        for (var e : byShape.entrySet()) {
            Map<String, String> s = e.getKey();
            Result dense = e.getValue().get("dense");
            sb.append(String.format(Locale.ROOT, "| %s | %s | %s |", s.get("rows"), s.get("geometry"), s.get("context")));
            for (String v : varying) {
                sb.append(' ').append(s.getOrDefault(v, "")).append(" |");
            }
            sb.append(' ').append(dense == null ? "" : micros(dense.time(cpu))).append(" |");
            for (String b : backends) {
                Result r = e.getValue().get(b);
                sb.append(' ').append(r == null ? "" : micros(r.time(cpu))
                        + (dense == null ? "" : String.format(Locale.ROOT, " (%.2fx)", dense.time(cpu) / r.time(cpu))))
                        .append(" |");
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    /** Whether every result carries its CPU time per call (then CPU time is compared, else wall time). */
    static boolean hasCpu(List<Result> results) {
        return results.stream().allMatch(r -> Double.isFinite(r.cpuMicros()) && r.cpuMicros() > 0);
    }

    /** Parameters besides backend, rows, geometry and context that take more than one value (threads, cache...). */
    private static List<String> varyingOthers(List<Result> results) {
        Map<String, Set<String>> values = new TreeMap<>();
        for (Result r : results) {
            r.params().forEach((k, v) -> values.computeIfAbsent(k, x -> new TreeSet<>()).add(v));
        }
        List<String> out = new ArrayList<>();
        values.forEach((k, v) -> {
            if (v.size() > 1 && !List.of("backend", "rows", "geometry", "context").contains(k)) {
                out.add(k);
            }
        });
        return out;
    }

    /** Results by shape (ordered by rows, geometry, context, then the rest), then by backend. */
    private static Map<Map<String, String>, Map<String, Result>> group(List<Result> results) {
        Map<Map<String, String>, Map<String, Result>> byShape = new TreeMap<>((a, b) -> {
            int c = Integer.compare(intParam(a, "rows"), intParam(b, "rows"));
            if (c == 0) {
                c = a.getOrDefault("geometry", "").compareTo(b.getOrDefault("geometry", ""));
            }
            if (c == 0) {
                c = Integer.compare(intParam(a, "context"), intParam(b, "context"));
            }
            return c != 0 ? c : a.toString().compareTo(b.toString());
        });
        for (Result r : results) {
            byShape.computeIfAbsent(shape(r), k -> new LinkedHashMap<>()).put(r.params().get("backend"), r);
        }
        return byShape;
    }

    /** Speedup over dense against context: decode (rows = 1) and prefill panels, a line per backend and head dim. */
    static String chart(List<Result> results, String source) {
        Map<Map<String, String>, Map<String, Result>> byShape = group(results);
        boolean cpu = hasCpu(results);
        Map<String, TreeMap<Integer, Double>> decode = new TreeMap<>(), prefill = new TreeMap<>();
        TreeSet<String> prefillRows = new TreeSet<>();
        for (var e : byShape.entrySet()) {
            Result dense = e.getValue().get("dense");
            if (dense == null) {
                continue;
            }
            int rows = intParam(e.getKey(), "rows");
            String geometry = e.getKey().getOrDefault("geometry", "");
            String headDim = geometry.substring(geometry.lastIndexOf('x') + 1);
            for (var b : e.getValue().entrySet()) {
                if (b.getKey().equals("dense")) {
                    continue;
                }
                String name = b.getKey() + " d" + headDim;
                (rows == 1 ? decode : prefill).computeIfAbsent(name, k -> new TreeMap<>())
                        .put(intParam(e.getKey(), "context"), dense.time(cpu) / b.getValue().time(cpu));
                if (rows != 1) {
                    prefillRows.add(Integer.toString(rows));
                }
            }
        }
        String rowsLabel = prefillRows.isEmpty() ? "" : " (" + String.join(", ", prefillRows) + " rows)";
        return LineChartSvg.render("shadowattn attend() speedup over dense by context length",
                source + (cpu ? ", by CPU time per call" : ", by wall time per call")
                        + "; 1 = as fast as dense; d = head dimension", "context length (keys)", List.of(
                        new LineChartSvg.Panel("Decode (1 query row)", "speedup over dense", series(decode)),
                        new LineChartSvg.Panel("Prefill chunk" + rowsLabel, "speedup over dense", series(prefill))));
    }

    /** A line per backend and head dimension, after a flat "dense" line at 1 over the same contexts. */
    private static List<LineChartSvg.Series> series(Map<String, TreeMap<Integer, Double>> lines) {
        List<LineChartSvg.Series> out = new ArrayList<>();
        double[] contexts = lines.values().stream().flatMap(m -> m.keySet().stream()).distinct().sorted()
                .mapToDouble(Integer::doubleValue).toArray();
        double[] ones = new double[contexts.length];
        Arrays.fill(ones, 1.0);
        out.add(new LineChartSvg.Series("dense", contexts, ones));
        lines.forEach((name, points) -> {
            double[] x = points.keySet().stream().mapToDouble(Integer::doubleValue).toArray();
            double[] y = points.values().stream().mapToDouble(Double::doubleValue).toArray();
            out.add(new LineChartSvg.Series(name, x, y));
        });
        return out;
    }

    private static String micros(double us) {
        return String.format(Locale.ROOT, us >= 100 ? "%.0f" : us >= 10 ? "%.1f" : "%.2f", us);
    }
}
