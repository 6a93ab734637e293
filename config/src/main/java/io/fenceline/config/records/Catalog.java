package io.fenceline.config.records;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Value of {@code …/groups/{group}/catalog/{version}}: the tables and columns that exist at a schema
 * version, as control publishes them after applying it, with the checksum acks are compared against.
 * Table and column names are stored as PostgreSQL reports them (normally lower case).
 */
public record Catalog(int version, String checksum, Map<String, List<String>> tables) {

    /** Validates and takes immutable, name-ordered copies. */
    public Catalog {
        Checks.atLeast("version", version, 0);
        Checks.notBlank("checksum", checksum);
        Checks.notNull("tables", tables);
        Map<String, List<String>> copy = new TreeMap<>();
        for (Map.Entry<String, List<String>> e : tables.entrySet()) {
            String table = e.getKey();
            if (table == null || table.isBlank()) {
                throw new InvalidRecordException("tables", "a table name is blank");
            }
            if (e.getValue() == null) {
                throw new InvalidRecordException("tables." + table, "column list is missing");
            }
            for (String column : e.getValue()) {
                if (column == null || column.isBlank()) {
                    throw new InvalidRecordException("tables." + table, "a column name is blank");
                }
            }
            copy.put(table, List.copyOf(e.getValue()));
        }
        tables = Collections.unmodifiableMap(copy);
    }

    /** Whether the version has {@code table}. */
    public boolean hasTable(String table) {
        return tables.containsKey(table);
    }

    /** Whether the version has {@code column} in {@code table}. */
    public boolean hasColumn(String table, String column) {
        List<String> columns = tables.get(table);
        return columns != null && columns.contains(column);
    }
}
