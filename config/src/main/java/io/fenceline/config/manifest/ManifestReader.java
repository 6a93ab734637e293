package io.fenceline.config.manifest;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns the text of one manifest file into a {@link Manifest}, or into every problem it has.
 *
 * <p>The YAML is read as a tree and checked key by key (rather than bound to classes) so that one pass
 * reports every missing, unknown or malformed key with its path, instead of stopping at the first.
 */
public final class ManifestReader {

    /** The outcome of reading one file: a manifest, or the problems that prevented one. */
    public sealed interface Result {
        /** The file became a manifest. */
        record Read(Manifest manifest) implements Result {
        }

        /** The file has problems; {@code problems} is never empty. */
        record Invalid(List<ManifestProblem> problems) implements Result {
        }
    }

    private static final YAMLMapper YAML = YAMLMapper.builder()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .build();
    private static final Set<String> TOP_KEYS = Set.of("version", "description", "options", "expand",
            "backfill", "contract");
    private static final Set<String> PHASE_KEYS = Set.of("sql", "down");
    private static final Set<String> OPTION_KEYS = Set.of("statement_timeout", "lock_timeout",
            "backfill_batch_size");
    private static final Pattern DURATION = Pattern.compile("(\\d+)\\s*(ms|s|min|h)");

    private ManifestReader() {
    }

    /**
     * Reads a YAML manifest.
     *
     * @param source  the file, as messages should name it
     * @param content the file's text
     */
    public static Result readYaml(String source, String content) {
        JsonNode root;
        try {
            root = YAML.readTree(content);
        } catch (JacksonException e) {
            return invalid(new ManifestProblem(ManifestProblem.Kind.SYNTAX, source, "",
                    "not valid YAML: " + e.getOriginalMessage() + location(e)));
        }
        List<ManifestProblem> problems = new ArrayList<>();
        if (root == null || !root.isObject()) {
            return invalid(new ManifestProblem(ManifestProblem.Kind.SYNTAX, source, "",
                    "a manifest is a YAML mapping with keys version, description, options, expand, backfill,"
                            + " contract"));
        }
        unknownKeys(source, "", (ObjectNode) root, TOP_KEYS, problems);

        Integer version = null;
        JsonNode versionNode = root.get("version");
        if (versionNode == null || versionNode.isNull()) {
            problems.add(field(source, "version", "is missing; it is the schema version this file produces"));
        } else if (!versionNode.isIntegralNumber() || !versionNode.canConvertToInt()) {
            problems.add(field(source, "version", "must be a whole number, got " + versionNode));
        } else if (versionNode.intValue() <= 0) {
            problems.add(field(source, "version", "must be greater than 0, got " + versionNode.intValue()));
        } else {
            version = versionNode.intValue();
        }

        String description = text(source, root, "description", "description", problems);
        ManifestOptions options = options(source, root.get("options"), problems);
        Phase expand = phase(source, root, PhaseName.EXPAND, problems);
        Phase backfill = phase(source, root, PhaseName.BACKFILL, problems);
        Phase contract = phase(source, root, PhaseName.CONTRACT, problems);
        boolean anyPhaseKey = root.has("expand") || root.has("backfill") || root.has("contract");
        if (!anyPhaseKey) {
            problems.add(field(source, "", "has no phase: give at least one of expand, backfill, contract"));
        }
        if (!problems.isEmpty()) {
            return new Result.Invalid(List.copyOf(problems));
        }
        return new Result.Read(Manifest.of(version, description, expand, backfill, contract, options, source));
    }

    /**
     * Imports a Flyway versioned migration as an expand-only manifest.
     *
     * @param undo the text of the matching {@code U<version>__} file, or null if there is none
     */
    public static Result readFlyway(String source, int version, String description, String sql, String undo) {
        if (sql.isBlank() || SqlScript.split(sql).isEmpty()) {
            return invalid(field(source, "", "holds no SQL statement"));
        }
        String down = undo == null || SqlScript.split(undo).isEmpty() ? null : undo;
        return new Result.Read(Manifest.of(version, description, new Phase(sql, down), null, null,
                ManifestOptions.NONE, source));
    }

    private static Phase phase(String source, JsonNode root, PhaseName name, List<ManifestProblem> problems) {
        JsonNode node = root.get(name.key());
        if (node == null) {
            return null;
        }
        if (!node.isObject()) {
            problems.add(field(source, name.key(), "must be a mapping with keys sql and down, got " + kind(node)));
            return null;
        }
        unknownKeys(source, name.key() + ".", (ObjectNode) node, PHASE_KEYS, problems);
        String sql = text(source, node, "sql", name.key() + ".sql", problems);
        String down = text(source, node, "down", name.key() + ".down", problems);
        if (sql != null && SqlScript.split(sql).isEmpty()) {
            problems.add(field(source, name.key() + ".sql", "holds only comments; it must hold a statement"));
            return null;
        }
        if (down != null && SqlScript.split(down).isEmpty()) {
            problems.add(field(source, name.key() + ".down",
                    "holds only comments; write the statements that undo " + name.key() + ".sql"));
            return null;
        }
        return sql == null || down == null ? null : new Phase(sql, down);
    }

    private static ManifestOptions options(String source, JsonNode node, List<ManifestProblem> problems) {
        if (node == null || node.isNull()) {
            return ManifestOptions.NONE;
        }
        if (!node.isObject()) {
            problems.add(field(source, "options", "must be a mapping, got " + kind(node)));
            return ManifestOptions.NONE;
        }
        unknownKeys(source, "options.", (ObjectNode) node, OPTION_KEYS, problems);
        Duration statementTimeout = duration(source, node, "statement_timeout", problems);
        Duration lockTimeout = duration(source, node, "lock_timeout", problems);
        Integer batch = null;
        JsonNode batchNode = node.get("backfill_batch_size");
        if (batchNode != null && !batchNode.isNull()) {
            if (!batchNode.isIntegralNumber() || !batchNode.canConvertToInt() || batchNode.intValue() <= 0) {
                problems.add(field(source, "options.backfill_batch_size",
                        "must be a whole number greater than 0, got " + batchNode));
            } else {
                batch = batchNode.intValue();
            }
        }
        return new ManifestOptions(statementTimeout, lockTimeout, batch);
    }

    /** A duration written as {@code 500ms}, {@code 30s}, {@code 2min}, {@code 1h}, or a number of ms. */
    private static Duration duration(String source, JsonNode options, String key, List<ManifestProblem> problems) {
        JsonNode node = options.get(key);
        if (node == null || node.isNull()) {
            return null;
        }
        String path = "options." + key;
        Duration value = null;
        if (node.isIntegralNumber() && node.canConvertToLong()) {
            value = Duration.ofMillis(node.longValue());
        } else if (node.isTextual()) {
            Matcher m = DURATION.matcher(node.textValue().strip());
            if (m.matches()) {
                long amount = Long.parseLong(m.group(1));
                value = switch (m.group(2)) {
                    case "ms" -> Duration.ofMillis(amount);
                    case "s" -> Duration.ofSeconds(amount);
                    case "min" -> Duration.ofMinutes(amount);
                    default -> Duration.ofHours(amount);
                };
            }
        }
        if (value == null) {
            problems.add(field(source, path, "must be a duration such as 500ms, 30s, 2min or 1h, got " + node));
            return null;
        }
        if (value.isZero()) {
            problems.add(field(source, path, "must be greater than 0 (leave it out to keep the cluster's setting)"));
            return null;
        }
        return value;
    }

    private static String text(String source, JsonNode node, String key, String path,
                               List<ManifestProblem> problems) {
        JsonNode value = node.get(key);
        if (value == null || value.isNull()) {
            problems.add(field(source, path, "is missing"));
            return null;
        }
        if (!value.isTextual()) {
            problems.add(field(source, path, "must be text, got " + kind(value)));
            return null;
        }
        if (value.textValue().isBlank()) {
            problems.add(field(source, path, "is empty"));
            return null;
        }
        return value.textValue();
    }

    private static void unknownKeys(String source, String prefix, ObjectNode node, Set<String> known,
                                    List<ManifestProblem> problems) {
        for (Map.Entry<String, JsonNode> field : node.properties()) {
            String key = field.getKey();
            if (!known.contains(key)) {
                problems.add(field(source, prefix + key, "is not a known key; known keys here are "
                        + known.stream().sorted().toList()));
            }
        }
    }

    private static String kind(JsonNode node) {
        return node.getNodeType().name().toLowerCase(java.util.Locale.ROOT);
    }

    private static String location(JacksonException e) {
        return e.getLocation() == null ? "" : " (line " + e.getLocation().getLineNr() + ", column "
                + e.getLocation().getColumnNr() + ")";
    }

    private static ManifestProblem field(String source, String key, String message) {
        return new ManifestProblem(ManifestProblem.Kind.FIELD, source, key, message);
    }

    private static Result invalid(ManifestProblem problem) {
        return new Result.Invalid(List.of(problem));
    }
}
