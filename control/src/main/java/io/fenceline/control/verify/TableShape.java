package io.fenceline.control.verify;

import java.util.List;

/**
 * What verify compares of one table: its primary key (the same columns and types on every cluster), and the
 * other columns every cluster has with the same type, in name order (so a column added on some clusters only,
 * mid-migration, or columns in another physical order do not make rows differ).
 *
 * @param schema      the table's schema
 * @param name        the table's name
 * @param key         the primary key's columns, in key order
 * @param compared    every compared column (key columns included), sorted by name
 * @param notCompared columns some cluster lacks or types differently, as {@code name (why)}
 */
public record TableShape(String schema, String name, List<Column> key, List<String> compared,
                         List<String> notCompared) {

    /** A key column and its type as {@code format_type} prints it. */
    public record Column(String name, String type) {
    }

    public TableShape {
        key = List.copyOf(key);
        compared = List.copyOf(compared);
        notCompared = List.copyOf(notCompared);
    }

    /** {@code schema.name} as people read it. */
    public String display() {
        return schema + "." + name;
    }

    /** The quoted, qualified name for SQL. */
    public String sqlName() {
        return Sql.quote(schema) + "." + Sql.quote(name);
    }
}
