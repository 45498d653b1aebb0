package dev.shadowattn.host.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Command-line options of one command: {@code --name value}, {@code --name=value}, boolean flags, and repeatable
 * options. Every option must be declared; an unknown one, a missing value or a malformed number fails naming
 * the flag.
 */
final class CliArgs {

    /** A declared option. */
    record Spec(String name, String alias, String valueName, String help, boolean repeatable) {
        boolean isFlag() {
            return valueName == null;
        }
    }

    private final String command;
    private final Map<String, Spec> specs = new LinkedHashMap<>();
    private final Map<String, List<String>> values = new LinkedHashMap<>();

    CliArgs(String command) {
        this.command = command;
    }

    CliArgs option(String name, String valueName, String help) {
        return add(new Spec(name, null, valueName, help, false));
    }

    CliArgs option(String name, String alias, String valueName, String help) {
        return add(new Spec(name, alias, valueName, help, false));
    }

    CliArgs repeatable(String name, String valueName, String help) {
        return add(new Spec(name, null, valueName, help, true));
    }

    CliArgs flag(String name, String help) {
        return add(new Spec(name, null, null, help, false));
    }

    private CliArgs add(Spec spec) {
        specs.put(spec.name(), spec);
        return this;
    }

    CliArgs parse(String[] args) {
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            String inline = null;
            int eq = a.indexOf('=');
            if (a.startsWith("--") && eq > 0) {
                inline = a.substring(eq + 1);
                a = a.substring(0, eq);
            }
            Spec spec = lookup(a);
            if (spec == null) {
                throw new UsageException("unknown option '" + a + "' for '" + command + "' (see: " + command + " --help)");
            }
            String value;
            if (spec.isFlag()) {
                if (inline != null) {
                    throw new UsageException("option --" + spec.name() + " takes no value");
                }
                value = "true";
            } else if (inline != null) {
                value = inline;
            } else if (i + 1 < args.length) {
                value = args[++i];
            } else {
                throw new UsageException("option --" + spec.name() + " needs a value <" + spec.valueName() + ">");
            }
            List<String> list = values.computeIfAbsent(spec.name(), k -> new ArrayList<>());
            if (!spec.repeatable() && !list.isEmpty()) {
                throw new UsageException("option --" + spec.name() + " given twice");
            }
            list.add(value);
        }
        return this;
    }

    private Spec lookup(String arg) {
        for (Spec s : specs.values()) {
            if (arg.equals("--" + s.name()) || (s.alias() != null && arg.equals(s.alias()))) {
                return s;
            }
        }
        return null;
    }

    boolean has(String name) {
        return values.containsKey(name);
    }

    Optional<String> get(String name) {
        List<String> l = values.get(name);
        return l == null ? Optional.empty() : Optional.of(l.getFirst());
    }

    String get(String name, String defaultValue) {
        return get(name).orElse(defaultValue);
    }

    List<String> all(String name) {
        return values.getOrDefault(name, List.of());
    }

    int getInt(String name, int defaultValue) {
        return get(name).map(v -> {
            try {
                return Integer.parseInt(v.trim());
            } catch (NumberFormatException e) {
                throw new UsageException("option --" + name + " expects an integer, got '" + v + "'");
            }
        }).orElse(defaultValue);
    }

    long getLong(String name, long defaultValue) {
        return get(name).map(v -> {
            try {
                return Long.parseLong(v.trim());
            } catch (NumberFormatException e) {
                throw new UsageException("option --" + name + " expects an integer, got '" + v + "'");
            }
        }).orElse(defaultValue);
    }

    float getFloat(String name, float defaultValue) {
        return get(name).map(v -> {
            try {
                return Float.parseFloat(v.trim());
            } catch (NumberFormatException e) {
                throw new UsageException("option --" + name + " expects a number, got '" + v + "'");
            }
        }).orElse(defaultValue);
    }

    String help() {
        StringBuilder sb = new StringBuilder();
        for (Spec s : specs.values()) {
            String left = "  --" + s.name() + (s.alias() != null ? ", " + s.alias() : "")
                    + (s.isFlag() ? "" : " <" + s.valueName() + ">");
            sb.append(String.format("%-34s %s%s%n", left, s.help(), s.repeatable() ? " (repeatable)" : ""));
        }
        return sb.toString();
    }

    /** A user error on the command line: printed without a stack trace, exit code 2. */
    static final class UsageException extends IllegalArgumentException {
        UsageException(String message) {
            super(message);
        }
    }
}
