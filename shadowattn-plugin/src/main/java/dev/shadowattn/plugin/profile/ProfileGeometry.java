package dev.shadowattn.plugin.profile;

import dev.shadowattn.api.AttentionGeometry;

/**
 * The attention shape a profile was calibrated for (the {@code "geometry"} object of the file).
 *
 * @param layers  transformer layers
 * @param heads   query heads per layer
 * @param kvHeads key/value heads per layer
 * @param headDim dimension of one head
 */
public record ProfileGeometry(int layers, int heads, int kvHeads, int headDim) {

    /** Fails naming every field that differs from the model's geometry. */
    public void check(AttentionGeometry g, String source) {
        StringBuilder diff = new StringBuilder();
        differ(diff, "layers", layers, g.layers());
        differ(diff, "heads", heads, g.queryHeads());
        differ(diff, "kvHeads", kvHeads, g.kvHeads());
        differ(diff, "headDim", headDim, g.headDim());
        if (!diff.isEmpty()) {
            throw new IllegalArgumentException("model profile " + source + " was calibrated for another model: "
                    + diff);
        }
    }

    private static void differ(StringBuilder sb, String field, int profile, int model) {
        if (profile != model) {
            sb.append(sb.isEmpty() ? "" : ", ").append("geometry.").append(field).append(" is ").append(profile)
                    .append(" but the model has ").append(model);
        }
    }
}
