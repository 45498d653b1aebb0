package dev.shadowattn.host.compare;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * One configuration under comparison: a label for tables and charts, an attention backend name and its
 * {@code key=value} options.
 *
 * <p>Written {@code LABEL=BACKEND[:KEY=VALUE,KEY=VALUE...]} on the command line, e.g. {@code sa10=shadowattn:ratio=0.1},
 * or just {@code BACKEND} (then the label is the backend name). Labels are 1-32 characters of
 * {@code [A-Za-z0-9._+-]} so they stay plain in CSV, JSON and SVG.
 */
public record CompareConfig(String label, String backend, List<String> options) {

    private static final Pattern LABEL = Pattern.compile("[A-Za-z0-9._+-]{1,32}");
    private static final Pattern BACKEND = Pattern.compile("[a-z0-9._-]+");

    public CompareConfig {
        if (!LABEL.matcher(label).matches()) {
            throw new IllegalArgumentException("configuration label '" + label
                    + "' must be 1-32 characters of letters, digits and . _ + -");
        }
        if (!BACKEND.matcher(backend).matches()) {
            throw new IllegalArgumentException("configuration '" + label + "': '" + backend
                    + "' is not a backend name (see the 'backends' command)");
        }
        for (String o : options) {
            int eq = o.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("configuration '" + label + "': option '" + o
                        + "' is not of the form key=value");
            }
        }
        options = List.copyOf(options);
    }

    /** Parses {@code LABEL=BACKEND[:KEY=VALUE,...]} or {@code BACKEND}; errors quote the spec. */
    public static CompareConfig parse(String spec) {
        String s = spec.trim();
        int colon = s.indexOf(':');
        int eq = s.indexOf('=');
        String label = null;
        if (eq >= 0 && (colon < 0 || eq < colon)) {
            label = s.substring(0, eq).trim();
            s = s.substring(eq + 1).trim();
            colon = s.indexOf(':');
        }
        String backend = (colon < 0 ? s : s.substring(0, colon)).trim();
        List<String> options = new ArrayList<>();
        if (colon >= 0) {
            if (label == null) {
                throw new IllegalArgumentException("configuration '" + spec + "' has options, so it needs a label: "
                        + "NAME=" + spec);
            }
            for (String o : s.substring(colon + 1).split(",")) {
                if (!o.isBlank()) {
                    options.add(o.trim());
                }
            }
        }
        if (backend.isEmpty()) {
            throw new IllegalArgumentException("configuration '" + spec + "' names no backend "
                    + "(expected LABEL=BACKEND[:KEY=VALUE,...])");
        }
        return new CompareConfig(label == null ? backend : label, backend, options);
    }

    /** This configuration with {@code extra} options appended (later ones win, as in {@code AttentionOptions.parse}). */
    public CompareConfig withOptions(List<String> extra) {
        List<String> all = new ArrayList<>(options);
        all.addAll(extra);
        return new CompareConfig(label, backend, all);
    }

    /** {@code LABEL=BACKEND:K=V,...} as it would be written on the command line. */
    public String spec() {
        return label + "=" + backend + (options.isEmpty() ? "" : ":" + String.join(",", options));
    }
}
