package dev.shadowattn.host.compare;

/**
 * The figures of one configuration at one context length. A sequence holds {@code promptTokens} prompt tokens
 * evaluated as one prefill, then {@code decodeTokens} tokens fed one at a time (decode at depth
 * {@code promptTokens} to {@code context}), so its cache ends holding {@code context} positions.
 *
 * @param context                 positions in the cache at the end
 * @param config                  configuration label
 * @param promptTokens            tokens evaluated by the timed prefill
 * @param decodeTokens            tokens of the timed decode
 * @param prefillTokensPerSecond  {@code promptTokens} / median prefill seconds (wall clock)
 * @param decodeTokensPerSecond   {@code decodeTokens} / median decode seconds (wall clock)
 * @param prefillCpuTokensPerSecond {@code promptTokens} / median prefill CPU seconds per engine thread
 *                                (see {@link Clock#CPU}), NaN when the JVM reports no CPU time
 * @param decodeCpuTokensPerSecond  same for decode
 * @param prefillAttentionShare   median fraction of the prefill wall time spent inside attention calls
 * @param decodeAttentionShare    same for decode
 * @param prefillKeptFraction     fraction of the causally visible keys attended during the prefill (1 for dense)
 * @param decodeKeptFraction      same during the decode
 * @param estimateShare           of the backend's own estimate + select + attend time in prefill, the estimate
 *                                part (0 for dense)
 * @param selectShare             the select part (0 for dense)
 * @param kvCacheBytes            peak bytes of the session's cache (K/V plus any shadow structures)
 * @param prefillSeconds          every timed prefill, in run order (wall seconds)
 * @param decodeSeconds           every timed decode, in run order (wall seconds)
 * @param prefillCpuSeconds       every timed prefill's process CPU seconds, in run order
 * @param decodeCpuSeconds        every timed decode's process CPU seconds, in run order
 * @param perplexity              perplexity over chunks of {@code context} tokens of the given text, or NaN
 * @param perplexityDelta         {@code perplexity} minus the first configuration's at this context, or NaN
 * @param perplexityChunks        chunks scored (0 when no perplexity)
 */
public record Measurement(int context, String config, int promptTokens, int decodeTokens,
                          double prefillTokensPerSecond, double decodeTokensPerSecond,
                          double prefillCpuTokensPerSecond, double decodeCpuTokensPerSecond,
                          double prefillAttentionShare, double decodeAttentionShare,
                          double prefillKeptFraction, double decodeKeptFraction,
                          double estimateShare, double selectShare, long kvCacheBytes,
                          double[] prefillSeconds, double[] decodeSeconds,
                          double[] prefillCpuSeconds, double[] decodeCpuSeconds,
                          double perplexity, double perplexityDelta, int perplexityChunks) {

    public Measurement {
        prefillSeconds = prefillSeconds.clone();
        decodeSeconds = decodeSeconds.clone();
        prefillCpuSeconds = prefillCpuSeconds.clone();
        decodeCpuSeconds = decodeCpuSeconds.clone();
    }

    /** Prefill throughput by {@code clock}. */
    public double prefillRate(Clock clock) {
        return clock == Clock.CPU ? prefillCpuTokensPerSecond : prefillTokensPerSecond;
    }

    /** Decode throughput by {@code clock}. */
    public double decodeRate(Clock clock) {
        return clock == Clock.CPU ? decodeCpuTokensPerSecond : decodeTokensPerSecond;
    }

    @Override
    public double[] prefillSeconds() {
        return prefillSeconds.clone();
    }

    @Override
    public double[] decodeSeconds() {
        return decodeSeconds.clone();
    }

    @Override
    public double[] prefillCpuSeconds() {
        return prefillCpuSeconds.clone();
    }

    @Override
    public double[] decodeCpuSeconds() {
        return decodeCpuSeconds.clone();
    }

    /** This measurement with its perplexity figures set. */
    Measurement withPerplexity(double ppl, double delta, int chunks) {
        return new Measurement(context, config, promptTokens, decodeTokens, prefillTokensPerSecond,
                decodeTokensPerSecond, prefillCpuTokensPerSecond, decodeCpuTokensPerSecond, prefillAttentionShare,
                decodeAttentionShare, prefillKeptFraction, decodeKeptFraction, estimateShare, selectShare,
                kvCacheBytes, prefillSeconds, decodeSeconds, prefillCpuSeconds, decodeCpuSeconds, ppl, delta, chunks);
    }
}
