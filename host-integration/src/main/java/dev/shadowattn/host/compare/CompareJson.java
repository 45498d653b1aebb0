package dev.shadowattn.host.compare;

import dev.shadowattn.host.json.Json;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The comparison as JSON: the run's settings, machine and configurations, then one object per context and
 * configuration with every figure and the raw timings of each repetition. Figures that do not apply are
 * {@code null}. Format tag {@code "shadowattn-compare/1"}.
 */
public final class CompareJson {

    public static final String FORMAT = "shadowattn-compare/1";

    private CompareJson() {
    }

    public static String format(ComparisonReport r) {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("format", FORMAT);
        root.put("date", r.date());
        Map<String, Object> machine = new LinkedHashMap<>(r.machine().toJson());
        machine.put("loadAverageAtEnd", r.loadAverageAtEnd());
        root.put("machine", machine);
        Map<String, Object> run = new LinkedHashMap<>();
        run.put("model", r.model());
        run.put("modelFile", r.modelFile());
        run.put("trainedContext", r.trainedContext());
        run.put("threads", r.threads());
        run.put("chunk", r.chunk());
        run.put("kernels", r.kernels());
        run.put("prompt", r.prompt());
        run.put("textFile", r.textFile());
        run.put("contexts", ints(r.contexts()));
        run.put("decodeTokens", r.decodeTokens());
        run.put("repetitions", r.repetitions());
        run.put("perplexityChunks", r.perplexityChunks());
        run.put("clock", r.clock().key());
        root.put("run", run);
        List<Object> configs = new ArrayList<>();
        for (ComparisonReport.Config c : r.configs()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("label", c.config().label());
            m.put("backend", c.config().backend());
            m.put("options", new ArrayList<Object>(c.config().options()));
            m.put("description", c.description());
            configs.add(m);
        }
        root.put("configs", configs);
        List<Object> results = new ArrayList<>();
        for (Measurement x : r.results()) {
            Measurement base = CompareTable.baseline(r, x.context());
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("context", x.context());
            m.put("config", x.config());
            m.put("promptTokens", x.promptTokens());
            m.put("decodeTokens", x.decodeTokens());
            m.put("prefillTokensPerSecond", x.prefillTokensPerSecond());
            m.put("decodeTokensPerSecond", x.decodeTokensPerSecond());
            m.put("prefillSpeedup", x.prefillTokensPerSecond() / base.prefillTokensPerSecond());
            m.put("decodeSpeedup", x.decodeTokensPerSecond() / base.decodeTokensPerSecond());
            m.put("prefillCpuTokensPerSecond", x.prefillCpuTokensPerSecond());
            m.put("decodeCpuTokensPerSecond", x.decodeCpuTokensPerSecond());
            m.put("prefillCpuSpeedup", x.prefillCpuTokensPerSecond() / base.prefillCpuTokensPerSecond());
            m.put("decodeCpuSpeedup", x.decodeCpuTokensPerSecond() / base.decodeCpuTokensPerSecond());
            m.put("prefillAttentionShare", x.prefillAttentionShare());
            m.put("decodeAttentionShare", x.decodeAttentionShare());
            m.put("prefillKeptFraction", x.prefillKeptFraction());
            m.put("decodeKeptFraction", x.decodeKeptFraction());
            m.put("estimateShare", x.estimateShare());
            m.put("selectShare", x.selectShare());
            m.put("kvCacheBytes", x.kvCacheBytes());
            m.put("perplexity", x.perplexity());
            m.put("perplexityDelta", x.perplexityDelta());
            m.put("perplexityChunks", x.perplexityChunks());
            m.put("prefillSeconds", doubles(x.prefillSeconds()));
            m.put("decodeSeconds", doubles(x.decodeSeconds()));
            m.put("prefillCpuSeconds", doubles(x.prefillCpuSeconds()));
            m.put("decodeCpuSeconds", doubles(x.decodeCpuSeconds()));
            results.add(m);
        }
        root.put("results", results);
        return Json.write(root) + "\n";
    }

    private static List<Object> ints(int[] v) {
        List<Object> l = new ArrayList<>(v.length);
        for (int x : v) {
            l.add(x);
        }
        return l;
    }

    private static List<Object> doubles(double[] v) {
        List<Object> l = new ArrayList<>(v.length);
        for (double x : v) {
            l.add(x);
        }
        return l;
    }
}
