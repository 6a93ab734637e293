package io.fenceline.proxy.sql;

import java.util.Objects;

/**
 * A table (or view, sequence, …) as a statement names it: schema-qualified only when the statement
 * qualifies it, unquoted names lower-cased as PostgreSQL folds them, quoted names kept exactly.
 * Resolving an unqualified name through {@code search_path} is the catalog's job, not inspection's.
 *
 * @param schema the schema written in the statement, or null
 * @param name   the table name
 */
public record TableName(String schema, String name) implements Comparable<TableName> {

    public TableName {
        Objects.requireNonNull(name, "name");
    }

    /** An unqualified name. */
    public static TableName of(String name) {
        return new TableName(null, name);
    }

    /** A schema-qualified name. */
    public static TableName of(String schema, String name) {
        return new TableName(schema, name);
    }

    /** {@code schema.name} or {@code name}, without quoting. */
    @Override public String toString() {
        return schema == null ? name : schema + "." + name;
    }

    @Override public int compareTo(TableName o) {
        return toString().compareTo(o.toString());
    }
}
