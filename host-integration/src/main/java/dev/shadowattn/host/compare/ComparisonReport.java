package dev.shadowattn.host.compare;

import java.util.List;

/**
 * Everything a comparison reports: how and where it ran, the configurations, and the measurements (ordered by
 * context, then configuration). The table, CSV, JSON and chart are views of it.
 *
 * @param date             ISO-8601 start time (UTC)
 * @param machine          the machine, with the load average at the start
 * @param loadAverageAtEnd the one-minute load average when the run finished
 * @param model            the model's name
 * @param modelFile        the GGUF file name
 * @param trainedContext   the model's trained context length
 * @param threads          engine threads
 * @param chunk            prefill chunk rows
 * @param kernels          the tensor kernels in use
 * @param prompt           where the prompt tokens came from
 * @param textFile         the perplexity text's file name, or {@code null}
 * @param contexts         context lengths
 * @param decodeTokens     timed decode steps per context
 * @param repetitions      timed runs per figure
 * @param perplexityChunks perplexity chunks per context asked for
 * @param clock            the clock of the table's and chart's throughput figures (both are in CSV and JSON)
 * @param configs          the configurations, the first being the perplexity baseline
 * @param results          the measurements
 */
public record ComparisonReport(String date, MachineInfo machine, double loadAverageAtEnd, String model,
                               String modelFile, int trainedContext, int threads, int chunk, String kernels,
                               String prompt, String textFile, int[] contexts, int decodeTokens, int repetitions,
                               int perplexityChunks, Clock clock, List<Config> configs,
                               List<Measurement> results) {

    /** A configuration as run: its parsed spec and the backend's own description of its effective settings. */
    public record Config(CompareConfig config, String description) {
    }

    public ComparisonReport {
        contexts = contexts.clone();
        configs = List.copyOf(configs);
        results = List.copyOf(results);
    }

    @Override
    public int[] contexts() {
        return contexts.clone();
    }

    /** Configuration labels in run order. */
    public List<String> labels() {
        return configs.stream().map(c -> c.config().label()).toList();
    }

    /** The measurements of one configuration, by ascending context. */
    public List<Measurement> of(String label) {
        return results.stream().filter(m -> m.config().equals(label)).toList();
    }

    /** Whether any measurement has a perplexity. */
    public boolean hasPerplexity() {
        return results.stream().anyMatch(m -> !Double.isNaN(m.perplexity()));
    }
}
