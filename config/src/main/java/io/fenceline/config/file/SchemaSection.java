package io.fenceline.config.file;

import com.fasterxml.jackson.databind.JsonNode;
import io.fenceline.config.keys.EtcdKeys;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Reads the optional {@code schema:} section of the proxy's file, recording every problem in the shared
 * {@link NodeReader}.
 *
 * <pre>
 * schema:
 *   group: main                 # required: whose window and catalogs the proxy follows
 *   control_role: fenceline      # required: the only role whose DDL passes
 *   undeclared: newest          # newest (default) | refuse
 *   not_understood:
 *     reads: allow              # allow (default, counted) | refuse
 *     ddl: refuse               # refuse (default) | allow
 * </pre>
 */
final class SchemaSection {

    static final String KEY = "schema";

    private SchemaSection() {
    }

    static Optional<SchemaSettings> read(NodeReader r, JsonNode root) {
        Optional<JsonNode> section = r.section(root, "", KEY, false);
        if (section.isEmpty()) {
            return Optional.empty();
        }
        JsonNode node = section.get();
        if (!root.has("etcd")) {
            r.problem(KEY, "needs the etcd: section: the window and catalogs are read from etcd");
        }
        r.rejectUnknown(node, KEY, Set.of("group", "control_role", "undeclared", "not_understood"));
        Optional<String> group = r.string(node, KEY, "group", true);
        if (group.isPresent() && !EtcdKeys.isValidName(group.get())) {
            r.problem(KEY + ".group", "'" + group.get() + "' is not a valid group name: it must match "
                    + EtcdKeys.NAME_PATTERN);
            group = Optional.empty();
        }
        Optional<String> role = r.string(node, KEY, "control_role", true);
        Optional<SchemaSettings.Undeclared> undeclared = choice(r, node, KEY, "undeclared",
                SchemaSettings.Undeclared.class, SchemaSettings.Undeclared.NEWEST);
        Optional<JsonNode> nu = r.section(node, KEY, "not_understood", false);
        String nuKey = KEY + ".not_understood";
        r.rejectUnknown(nu.orElse(null), nuKey, Set.of("reads", "ddl"));
        Optional<SchemaSettings.Action> reads = choice(r, nu.orElse(null), nuKey, "reads",
                SchemaSettings.Action.class, SchemaSettings.NotUnderstood.DEFAULT.reads());
        Optional<SchemaSettings.Action> ddl = choice(r, nu.orElse(null), nuKey, "ddl",
                SchemaSettings.Action.class, SchemaSettings.NotUnderstood.DEFAULT.ddl());
        if (group.isEmpty() || role.isEmpty() || undeclared.isEmpty() || reads.isEmpty() || ddl.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new SchemaSettings(group.get(), undeclared.get(),
                new SchemaSettings.NotUnderstood(reads.get(), ddl.get()), role.get()));
    }

    /** One of {@code type}'s constants, spelled in lower case; {@code fallback} when absent. */
    private static <E extends Enum<E>> Optional<E> choice(NodeReader r, JsonNode parent, String prefix, String key,
                                                          Class<E> type, E fallback) {
        if (parent == null || parent.get(key) == null || parent.get(key).isNull()) {
            return Optional.of(fallback);
        }
        Optional<String> text = r.string(parent, prefix, key, true);
        if (text.isEmpty()) {
            return Optional.empty();
        }
        for (E e : type.getEnumConstants()) {
            if (e.name().toLowerCase(Locale.ROOT).equals(text.get())) {
                return Optional.of(e);
            }
        }
        r.problem(NodeReader.join(prefix, key), "must be one of " + Arrays.stream(type.getEnumConstants())
                .map(e -> e.name().toLowerCase(Locale.ROOT)).collect(Collectors.joining(", "))
                + ", got \"" + text.get() + "\"");
        return Optional.empty();
    }
}
