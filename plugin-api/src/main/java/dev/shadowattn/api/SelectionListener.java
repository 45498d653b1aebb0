package dev.shadowattn.api;

/** Receives the keys a selecting backend kept, for quality evaluation (recall, attention mass). */
@FunctionalInterface
public interface SelectionListener {

    /**
     * @param layer        layer index
     * @param queryHead    query head index
     * @param position     the query row's position
     * @param keyPositions the kept key positions, in {@code [0, count)}; valid only during the call
     * @param count        number of kept keys
     */
    void selected(int layer, int queryHead, int position, int[] keyPositions, int count);
}
