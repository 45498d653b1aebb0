package dev.shadowattn.plugin.pipeline;

/**
 * Profiled cost of each pipeline unit (a KV head and a run of query rows) of one layer, context bucket and call
 * shape: the scorer stage (quantize and INT8 Q·K^T: the NPU's work in the paper) and the CPU stage (top-k and
 * sparse attention).
 *
 * @param scoreNanos scorer stage time per unit
 * @param cpuNanos   CPU stage time per unit
 * @param fusion     cost of fusing units into one scorer launch: a fused group costs its dearest unit plus
 *                   {@code fusion} times the rest (1 = no gain, the Java scorer; the paper's NPU is about 0.5)
 */
public record StageCosts(long[] scoreNanos, long[] cpuNanos, double fusion) {

    public StageCosts {
        if (scoreNanos.length != cpuNanos.length) {
            throw new IllegalArgumentException("stage costs: " + scoreNanos.length + " scorer costs but "
                    + cpuNanos.length + " CPU costs");
        }
        if (!(fusion >= 0.0 && fusion <= 1.0)) {
            throw new IllegalArgumentException("stage costs: fusion " + fusion + " is outside [0, 1]");
        }
        for (int i = 0; i < scoreNanos.length; i++) {
            if (scoreNanos[i] < 0 || cpuNanos[i] < 0) {
                throw new IllegalArgumentException("stage costs: unit " + i + " has a negative cost");
            }
        }
    }

    public int units() {
        return scoreNanos.length;
    }

    /** Scorer time of one fused launch of {@code units[from, to)}. */
    public long groupScoreNanos(int[] units, int from, int to) {
        long sum = 0;
        long max = 0;
        for (int i = from; i < to; i++) {
            long c = scoreNanos[units[i]];
            sum += c;
            max = Math.max(max, c);
        }
        return max + Math.round(fusion * (sum - max));
    }
}
