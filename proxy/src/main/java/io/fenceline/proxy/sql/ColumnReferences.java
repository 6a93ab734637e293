package io.fenceline.proxy.sql;

import java.util.AbstractMap;
import java.util.Map;
import java.util.Set;

import org.apache.calcite.sql.SqlNode;

/**
 * The column map of a parsed statement's {@link Verdict} (immutable), carrying the parse tree so that the
 * verdict can be resolved against a catalog later ({@link Verdict#resolveColumns}). It travels with the map:
 * a verdict built from another's columns (EXPLAIN, PREPARE … AS, COPY (query) TO) keeps the tree, and the
 * statement it wraps is checked the same way. The tree is only read after the parse, by any thread.
 */
final class ColumnReferences extends AbstractMap<TableName, Set<String>> {

    private final Map<TableName, Set<String>> columns;
    private final SqlNode tree;

    ColumnReferences(Map<TableName, Set<String>> columns, SqlNode tree) {
        this.columns = Map.copyOf(columns);
        this.tree = tree;
    }

    SqlNode tree() {
        return tree;
    }

    @Override
    public Set<Entry<TableName, Set<String>>> entrySet() {
        return columns.entrySet();
    }

    @Override
    public Set<String> get(Object key) {
        return columns.get(key);
    }

    @Override
    public boolean containsKey(Object key) {
        return columns.containsKey(key);
    }

    @Override
    public int size() {
        return columns.size();
    }
}
