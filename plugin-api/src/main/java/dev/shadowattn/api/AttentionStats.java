package dev.shadowattn.api;

/**
 * Work counters of a session.
 *
 * @param visibleKeys sum over query heads and rows of the keys causally visible
 * @param keptKeys    sum over query heads and rows of the keys actually attended to
 * @param estimateNanos time spent estimating scores (0 for dense)
 * @param selectNanos   time spent selecting keys (0 for dense)
 * @param attendNanos   time spent in the exact softmax-V pass
 */
public record AttentionStats(long visibleKeys, long keptKeys, long estimateNanos, long selectNanos, long attendNanos) {

    public static final AttentionStats NONE = new AttentionStats(0, 0, 0, 0, 0);

    /** Fraction of visible keys that were attended to; 1 when nothing was counted. */
    public double keptFraction() {
        return visibleKeys == 0 ? 1.0 : (double) keptKeys / visibleKeys;
    }

    public AttentionStats plus(AttentionStats o) {
        return new AttentionStats(visibleKeys + o.visibleKeys, keptKeys + o.keptKeys,
                estimateNanos + o.estimateNanos, selectNanos + o.selectNanos, attendNanos + o.attendNanos);
    }
}
