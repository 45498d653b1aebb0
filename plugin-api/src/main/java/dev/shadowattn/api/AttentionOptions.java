package dev.shadowattn.api;

import java.util.Collections;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Backend options as string key/value pairs (from the CLI's {@code --backend-opt key=value}, or set by the engine).
 *
 * <p>Keys the engine always sets when it knows them: {@link #MODEL_PATH}, {@link #MODEL_NAME} and {@link #THREADS}.
 * Each backend documents its own keys and must reject ones it does not know with {@link #requireKnown}, so that a
 * misspelt option is an error rather than silently ignored. Keys starting with {@code model.} or {@code engine.} are
 * informational and always allowed.
 */
public record AttentionOptions(Map<String, String> values) {

    /** Path of the model file, so a backend can find a profile stored beside it. */
    public static final String MODEL_PATH = "model.path";
    /** The model's {@code general.name}, for messages. */
    public static final String MODEL_NAME = "model.name";
    /** Threads the backend may use for its own parallel work. */
    public static final String THREADS = "engine.threads";

    public static final AttentionOptions NONE = new AttentionOptions(Map.of());

    public AttentionOptions {
        values = Collections.unmodifiableMap(new TreeMap<>(values));
    }

    /** Parses {@code key=value} pairs; a pair without {@code =} fails naming it. */
    public static AttentionOptions parse(Iterable<String> pairs) {
        Map<String, String> map = new TreeMap<>();
        for (String pair : pairs) {
            int eq = pair.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("backend option '" + pair + "' is not of the form key=value");
            }
            map.put(pair.substring(0, eq).trim(), pair.substring(eq + 1).trim());
        }
        return new AttentionOptions(map);
    }

    public AttentionOptions with(String key, String value) {
        Map<String, String> map = new TreeMap<>(values);
        map.put(key, value);
        return new AttentionOptions(map);
    }

    public Optional<String> get(String key) {
        return Optional.ofNullable(values.get(key));
    }

    public String getString(String key, String defaultValue) {
        return values.getOrDefault(key, defaultValue);
    }

    public int getInt(String key, int defaultValue) {
        String v = values.get(key);
        if (v == null) {
            return defaultValue;
        }
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("backend option " + key + "=" + v + " is not an integer");
        }
    }

    public double getDouble(String key, double defaultValue) {
        String v = values.get(key);
        if (v == null) {
            return defaultValue;
        }
        try {
            return Double.parseDouble(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("backend option " + key + "=" + v + " is not a number");
        }
    }

    public boolean getBoolean(String key, boolean defaultValue) {
        String v = values.get(key);
        if (v == null) {
            return defaultValue;
        }
        return switch (v.toLowerCase(java.util.Locale.ROOT)) {
            case "true", "yes", "on", "1" -> true;
            case "false", "no", "off", "0" -> false;
            default -> throw new IllegalArgumentException("backend option " + key + "=" + v + " is not a boolean");
        };
    }

    /**
     * Fails naming the first key that is neither informational ({@code model.*}, {@code engine.*}) nor in
     * {@code known}, listing the known ones.
     */
    public void requireKnown(String backend, java.util.Set<String> known) {
        for (String key : values.keySet()) {
            if (key.startsWith("model.") || key.startsWith("engine.") || known.contains(key)) {
                continue;
            }
            throw new IllegalArgumentException("unknown option '" + key + "' for attention backend '" + backend
                    + "'; known options: " + new java.util.TreeSet<>(known));
        }
    }
}
