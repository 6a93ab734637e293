package io.fenceline.control.lint;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What an application can see of a schema: its tables, views and foreign tables, each with its columns and their
 * types, as a catalog snapshot holds them. An application built for a version needs that version's shape; it can
 * run against a schema whose shape has every relation and column it needs, with the same types (more is fine).
 *
 * @param relations qualified relation name ({@code public.orders}) to column name to type
 */
public record SchemaShape(Map<String, Map<String, String>> relations) {

    public SchemaShape {
        TreeMap<String, Map<String, String>> copy = new TreeMap<>();
        relations.forEach((r, cols) -> copy.put(r, Collections.unmodifiableMap(new TreeMap<>(cols))));
        relations = Collections.unmodifiableMap(copy);
    }

    /** The shape of {@code snapshot}. */
    public static SchemaShape of(CatalogSnapshot snapshot) {
        Map<String, String> names = new TreeMap<>();
        Map<String, Map<String, String>> relations = new TreeMap<>();
        for (CatalogObject o : snapshot.objects().values()) {
            if (o.kind().holdsRows() || o.kind() == ObjectKind.VIEW || o.kind() == ObjectKind.FOREIGN_TABLE) {
                names.put(o.id(), o.display());
                relations.put(o.display(), new TreeMap<>());
            }
        }
        for (CatalogObject o : snapshot.objects().values()) {
            if (o.kind() == ObjectKind.COLUMN && names.containsKey(o.relationId())) {
                relations.get(names.get(o.relationId())).put(o.attribute("name"), o.attribute("type"));
            }
        }
        return new SchemaShape(relations);
    }

    /**
     * Why an application needing {@code needed} cannot run against this shape, one line per missing relation,
     * missing column or changed type; empty when it can.
     */
    public List<String> missing(SchemaShape needed) {
        List<String> reasons = new ArrayList<>();
        needed.relations.forEach((relation, columns) -> {
            Map<String, String> here = relations.get(relation);
            if (here == null) {
                reasons.add("relation " + relation + " does not exist");
                return;
            }
            columns.forEach((column, type) -> {
                String t = here.get(column);
                if (t == null) {
                    reasons.add("column " + relation + "." + column + " does not exist");
                } else if (!t.equals(type)) {
                    reasons.add("column " + relation + "." + column + " is " + t + ", not " + type);
                }
            });
        });
        return reasons;
    }
}
