package io.fenceline.config.file;

import com.fasterxml.jackson.databind.JsonNode;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads typed values out of a YAML tree, recording a {@link ConfigProblem} for each bad or missing
 * value instead of stopping at the first, so a loader can report every problem at once.
 * Bad values are never replaced by defaults: a reader returns empty and the problem is recorded.
 */
final class NodeReader {

    private static final Pattern DURATION = Pattern.compile("(\\d+)\\s*(ms|s|m|h)");
    private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*(B|kB|KB|KiB|MB|MiB|GB|GiB)?");

    private final String file;
    private final List<ConfigProblem> problems = new ArrayList<>();

    NodeReader(String file) {
        this.file = file;
    }

    List<ConfigProblem> problems() {
        return problems;
    }

    void problem(String key, String message) {
        problems.add(new ConfigProblem(file, key, message));
    }

    /** Reports every field of {@code node} not in {@code known}. */
    void rejectUnknown(JsonNode node, String prefix, Set<String> known) {
        if (node == null || !node.isObject()) {
            return;
        }
        for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!known.contains(name)) {
                problem(join(prefix, name), KeySpelling.renamed(name, known).orElse(
                        "unknown key (known keys here: " + String.join(", ", new java.util.TreeSet<>(known)) + ")"));
            }
        }
    }

    /** The object at {@code key}, empty when absent; a problem when present but not a mapping. */
    Optional<JsonNode> section(JsonNode parent, String prefix, String key, boolean required) {
        JsonNode node = parent == null ? null : parent.get(key);
        if (node == null || node.isNull()) {
            if (required) {
                problem(join(prefix, key), "required section is missing");
            }
            return Optional.empty();
        }
        if (!node.isObject()) {
            problem(join(prefix, key), "must be a mapping, found " + describe(node));
            return Optional.empty();
        }
        return Optional.of(node);
    }

    Optional<String> string(JsonNode parent, String prefix, String key, boolean required) {
        JsonNode node = parent == null ? null : parent.get(key);
        if (node == null || node.isNull()) {
            if (required) {
                problem(join(prefix, key), "required key is missing");
            }
            return Optional.empty();
        }
        if (!node.isTextual() || node.asText().isBlank()) {
            problem(join(prefix, key), "must be a non-empty string, found " + describe(node));
            return Optional.empty();
        }
        return Optional.of(node.asText());
    }

    /** A boolean ({@code true} or {@code false}); empty when absent. */
    Optional<Boolean> bool(JsonNode parent, String prefix, String key) {
        JsonNode node = parent == null ? null : parent.get(key);
        if (node == null || node.isNull()) {
            return Optional.empty();
        }
        if (!node.isBoolean()) {
            problem(join(prefix, key), "must be true or false, found " + describe(node));
            return Optional.empty();
        }
        return Optional.of(node.booleanValue());
    }

    Optional<Integer> port(JsonNode parent, String prefix, String key, boolean required) {
        return integer(parent, prefix, key, required, 0, 65535);
    }

    Optional<Integer> integer(JsonNode parent, String prefix, String key, boolean required, long min, long max) {
        JsonNode node = parent == null ? null : parent.get(key);
        if (node == null || node.isNull()) {
            if (required) {
                problem(join(prefix, key), "required key is missing");
            }
            return Optional.empty();
        }
        if (!node.isIntegralNumber()) {
            problem(join(prefix, key), "must be an integer between " + min + " and " + max + ", found " + describe(node));
            return Optional.empty();
        }
        long value = node.asLong();
        if (!node.canConvertToLong() || value < min || value > max) {
            problem(join(prefix, key), "must be between " + min + " and " + max + ", found " + node.asText());
            return Optional.empty();
        }
        return Optional.of((int) value);
    }

    /** A duration such as {@code 500ms}, {@code 10s}, {@code 2m} or {@code 1h}, within bounds. */
    Optional<Duration> duration(JsonNode parent, String prefix, String key, Duration min, Duration max) {
        JsonNode node = parent == null ? null : parent.get(key);
        if (node == null || node.isNull()) {
            return Optional.empty();
        }
        Matcher m = node.isTextual() ? DURATION.matcher(node.asText().trim()) : null;
        if (m == null || !m.matches()) {
            problem(join(prefix, key), "must be a duration such as 500ms, 10s, 2m or 1h, found " + describe(node));
            return Optional.empty();
        }
        Duration value;
        try {
            long amount = Long.parseLong(m.group(1));
            value = switch (m.group(2)) {
                case "ms" -> Duration.ofMillis(amount);
                case "s" -> Duration.ofSeconds(amount);
                case "m" -> Duration.ofMinutes(amount);
                default -> Duration.ofHours(amount);
            };
        } catch (NumberFormatException | ArithmeticException e) {
            problem(join(prefix, key), "duration is out of range: " + node.asText());
            return Optional.empty();
        }
        if (value.compareTo(min) < 0 || value.compareTo(max) > 0) {
            problem(join(prefix, key), "must be between " + min.toMillis() + "ms and " + max.toMillis() + "ms, found " + node.asText());
            return Optional.empty();
        }
        return Optional.of(value);
    }

    /** A byte size: an integer, or a string such as {@code 16MiB} or {@code 512kB} (powers of 1024). */
    Optional<Integer> size(JsonNode parent, String prefix, String key, long min, long max) {
        return longSize(parent, prefix, key, min, Math.min(max, Integer.MAX_VALUE)).map(Long::intValue);
    }

    /** A byte size as {@link #size}, as a long. */
    Optional<Long> longSize(JsonNode parent, String prefix, String key, long min, long max) {
        JsonNode node = parent == null ? null : parent.get(key);
        if (node == null || node.isNull()) {
            return Optional.empty();
        }
        long value;
        if (node.isIntegralNumber() && node.canConvertToLong()) {
            value = node.asLong();
        } else {
            Matcher m = node.isTextual() ? SIZE.matcher(node.asText().trim()) : null;
            if (m == null || !m.matches()) {
                problem(join(prefix, key), "must be a size such as 1048576, 512kB or 16MiB, found " + describe(node));
                return Optional.empty();
            }
            try {
                long amount = Long.parseLong(m.group(1));
                String unit = m.group(2) == null ? "B" : m.group(2).toUpperCase(Locale.ROOT);
                long factor = switch (unit) {
                    case "KB", "KIB" -> 1L << 10;
                    case "MB", "MIB" -> 1L << 20;
                    case "GB", "GIB" -> 1L << 30;
                    default -> 1L;
                };
                value = Math.multiplyExact(amount, factor);
            } catch (NumberFormatException | ArithmeticException e) {
                problem(join(prefix, key), "size is out of range: " + node.asText());
                return Optional.empty();
            }
        }
        if (value < min || value > max) {
            problem(join(prefix, key), "must be between " + min + " and " + max + " bytes, found " + node.asText());
            return Optional.empty();
        }
        return Optional.of(value);
    }

    /** A number (integer or decimal) within bounds; empty when absent. */
    Optional<Double> decimal(JsonNode parent, String prefix, String key, double min, double max) {
        JsonNode node = parent == null ? null : parent.get(key);
        if (node == null || node.isNull()) {
            return Optional.empty();
        }
        if (!node.isNumber() || node.asDouble() < min || node.asDouble() > max) {
            problem(join(prefix, key), "must be a number between " + min + " and " + max + ", found " + describe(node));
            return Optional.empty();
        }
        return Optional.of(node.asDouble());
    }

    /**
     * A list of non-empty strings; a single string counts as a list of one. Empty when absent (a problem when
     * {@code required}).
     */
    Optional<List<String>> strings(JsonNode parent, String prefix, String key, boolean required) {
        JsonNode node = parent == null ? null : parent.get(key);
        if (node == null || node.isNull()) {
            if (required) {
                problem(join(prefix, key), "required key is missing");
            }
            return Optional.empty();
        }
        if (node.isTextual()) {
            return string(parent, prefix, key, required).map(List::of);
        }
        if (!node.isArray()) {
            problem(join(prefix, key), "must be a list of strings, found " + describe(node));
            return Optional.empty();
        }
        List<String> values = new ArrayList<>();
        boolean ok = true;
        for (int i = 0; i < node.size(); i++) {
            JsonNode item = node.get(i);
            if (!item.isTextual() || item.asText().isBlank()) {
                problem(join(prefix, key) + "[" + i + "]", "must be a non-empty string, found " + describe(item));
                ok = false;
            } else {
                values.add(item.asText());
            }
        }
        return ok ? Optional.of(values) : Optional.empty();
    }

    static String join(String prefix, String key) {
        return prefix.isEmpty() ? key : prefix + "." + key;
    }

    private static String describe(JsonNode node) {
        return switch (node.getNodeType()) {
            case OBJECT -> "a mapping";
            case ARRAY -> "a list";
            case STRING -> "'" + node.asText() + "'";
            default -> node.asText();
        };
    }
}
