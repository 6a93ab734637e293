package io.fenceline.proxy.sql;

import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/** Mutable collector of what a statement references, turned into a {@link Verdict} at the end. */
final class References {

    /** Built-in functions that write (PostgreSQL refuses them in a read-only transaction). */
    static final Set<String> WRITING_FUNCTIONS = Set.of(
            "nextval", "setval", "lo_create", "lo_creat", "lo_import", "lo_unlink", "lo_from_bytea",
            "lo_put", "lo_truncate", "lo_truncate64", "lo_open", "lo_write", "lowrite",
            "pg_import_system_collations", "pg_create_restore_point", "pg_switch_wal",
            "pg_replication_origin_create", "pg_replication_origin_drop", "pg_create_logical_replication_slot",
            "pg_create_physical_replication_slot", "pg_drop_replication_slot",
            "pg_logical_emit_message");

    final Set<TableName> read = new LinkedHashSet<>();
    final Set<TableName> written = new LinkedHashSet<>();
    final Map<TableName, Set<String>> columns = new LinkedHashMap<>();
    final Set<String> functions = new LinkedHashSet<>();
    boolean writes;
    boolean ddl;

    void column(TableName table, String column) {
        columns.computeIfAbsent(table, t -> new TreeSet<>()).add(column);
    }

    void function(String name) {
        functions.add(name);
        String bare = name.startsWith("pg_catalog.") ? name.substring("pg_catalog.".length()) : name;
        if (WRITING_FUNCTIONS.contains(bare)) {
            writes = true;
        }
    }

    Verdict verdict(StatementKind kindIfReading, org.apache.calcite.sql.SqlNode tree) {
        StatementKind kind = ddl ? StatementKind.DDL
                : (writes || !written.isEmpty()) && kindIfReading == StatementKind.READ
                        ? StatementKind.WRITE : kindIfReading;
        Map<TableName, Set<String>> cols = new LinkedHashMap<>();
        columns.forEach((t, c) -> cols.put(t, Set.copyOf(c)));
        return new Verdict(kind, read, written, new ColumnReferences(cols, tree), functions, true, "");
    }
}
