package io.fenceline.proxy.sql;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import org.apache.calcite.sql.JoinConditionType;
import org.apache.calcite.sql.SqlCall;
import org.apache.calcite.sql.SqlDataTypeSpec;
import org.apache.calcite.sql.SqlFunction;
import org.apache.calcite.sql.SqlIdentifier;
import org.apache.calcite.sql.SqlJoin;
import org.apache.calcite.sql.SqlKind;
import org.apache.calcite.sql.SqlNode;
import org.apache.calcite.sql.SqlNodeList;
import org.apache.calcite.sql.SqlUserDefinedTypeNameSpec;

/**
 * The FROM clause of a {@link Resolver} run: tables (through {@link Resolver#table}), joins with USING and
 * NATURAL, aliases and column aliases, subqueries (LATERAL or not), CTE references and functions, each becoming a
 * {@link Scope.Item} with its columns, or opaque when they are unknown.
 */
final class FromItems {

    /** Set-returning functions whose result is one column named after the function (or its alias). */
    private static final Set<String> SCALAR_SETS = Set.of("generate_series", "generate_subscripts",
            "regexp_split_to_table", "json_array_elements", "json_array_elements_text", "jsonb_array_elements",
            "jsonb_array_elements_text", "json_object_keys", "jsonb_object_keys", "unnest", "regexp_matches");

    /** Functions whose result is the row type of their first argument's type ({@code NULL::users}). */
    private static final Set<String> ROW_OF_FIRST_ARGUMENT = Set.of("json_populate_record", "jsonb_populate_record",
            "json_populate_recordset", "jsonb_populate_recordset");

    private final Resolver run;
    Queries queries;
    ColumnLookup lookup;

    FromItems(Resolver run) {
        this.run = run;
    }

    /** Adds the items of a FROM-clause element to {@code s}. */
    void fromItem(SqlNode node, Scope s) {
        if (node == null) {
            return;
        }
        if (node instanceof SqlJoin join) {
            join(join, s);
            return;
        }
        Scope.Item item = item(node, s);
        if (item != null) {
            s.items.add(item);
        }
    }

    private void join(SqlJoin join, Scope s) {
        int left = s.items.size();
        fromItem(join.getLeft(), s);
        int right = s.items.size();
        fromItem(join.getRight(), s);
        List<Scope.Item> lefts = s.items.subList(left, right);
        List<Scope.Item> rights = s.items.subList(right, s.items.size());
        if (join.isNatural()) {
            Set<String> common = new LinkedHashSet<>();
            boolean known = true;
            for (Scope.Item l : lefts) {
                known &= !l.opaque();
                for (Scope.Item r : rights) {
                    known &= !r.opaque();
                    if (known) {
                        for (Scope.Column c : l.columns) {
                            if (r.count(c.name()) > 0) {
                                common.add(c.name());
                            }
                        }
                    }
                }
            }
            run.note("NATURAL JOIN", known ? "on " + common : "?");
            s.merged.addAll(common);
        } else if (join.getConditionType() == JoinConditionType.USING && join.getCondition() instanceof SqlNodeList using) {
            for (SqlNode n : using) {
                String name = ((SqlIdentifier) n).getSimple();
                side(name, lefts, "left");
                side(name, rights, "right");
                s.merged.add(name);
            }
        } else {
            lookup.expression(join.getCondition(), s);
        }
    }

    private void side(String name, List<Scope.Item> items, String which) {
        int found = 0;
        for (Scope.Item i : items) {
            if (i.opaque()) {
                return;
            }
            found += i.count(name);
        }
        if (found == 0) {
            TableName t = items.size() == 1 ? items.get(0).table : null;
            run.refuse("42703", t, name, "column \"" + name + "\" specified in USING clause does not exist in " + which
                    + " table");
        }
    }

    /** One FROM item that is not a join; null when it adds nothing nameable. */
    private Scope.Item item(SqlNode node, Scope s) {
        if (node instanceof SqlIdentifier id) {
            if (id.names.size() == 1) {
                Scope.CteLookup cte = s.cte(id.getSimple());
                if (cte != null) {
                    return derived(id.getSimple(), cte.columns());
                }
            }
            TableName t = ParseTrees.tableName(id);
            return run.table(t, t.name());
        }
        if (node instanceof SqlJoin join) {
            join(join, s);
            return null;
        }
        if (!(node instanceof SqlCall call)) {
            lookup.expression(node, s);
            return null;
        }
        switch (call.getKind()) {
            case AS -> {
                List<SqlNode> ops = call.getOperandList();
                Scope.Item inner = item(ops.get(0), s);
                String alias = ((SqlIdentifier) ops.get(1)).getSimple();
                if (inner == null) {
                    return new Scope.Item(run.nextId(), alias, null, null);
                }
                List<Scope.Column> columns = inner.columns;
                if (columns != null && inner.alias.startsWith("\0") && ops.size() == 2) {
                    // A scalar function's one column takes the alias as its name.
                    columns = List.of(new Scope.Column(alias, columns.get(0).origin()));
                }
                if (columns != null && ops.size() > 2) {
                    // Column aliases rename the first columns; an opaque item stays opaque (it may have more).
                    List<Scope.Column> renamed = new ArrayList<>();
                    for (int k = 2; k < ops.size() && k - 2 < columns.size(); k++) {
                        renamed.add(new Scope.Column(((SqlIdentifier) ops.get(k)).getSimple(), columns.get(k - 2).origin()));
                    }
                    renamed.addAll(columns.subList(Math.min(ops.size() - 2, columns.size()), columns.size()));
                    columns = renamed;
                }
                return new Scope.Item(inner.id, alias, inner.table, columns);
            }
            case LATERAL -> {
                SqlNode inner = call.operand(0);
                if (inner instanceof SqlCall c && c.getKind() == SqlKind.AS) {
                    return item(inner, s);
                }
                List<Scope.Column> out = queries.query(inner, s);
                return derived("", out);
            }
            case COLLECTION_TABLE -> {
                return function(call.operand(0), s);
            }
            case TABLESAMPLE, SNAPSHOT, EXTEND, TABLE_REF -> {
                Scope.Item i = item(call.operand(0), s);
                for (int k = 1; k < call.operandCount(); k++) {
                    lookup.expression(call.operand(k), s);
                }
                return i;
            }
            case SELECT, ORDER_BY, WITH, UNION, INTERSECT, EXCEPT, VALUES, EXPLICIT_TABLE -> {
                // Not LATERAL: the subquery sees the enclosing queries, not this level's other items.
                return derived("", queries.query(node, s.parent != null ? s.parent : new Scope(null)));
            }
            default -> {
                return function(node, s);
            }
        }
    }

    private Scope.Item derived(String alias, List<Scope.Column> columns) {
        int id = run.nextId();
        return new Scope.Item(id, alias, null, columns == null ? null : List.copyOf(columns));
    }

    /** A function in FROM: arguments see this level (functions in FROM are lateral); the columns when known. */
    private Scope.Item function(SqlNode node, Scope s) {
        lookup.expression(node, s);
        int id = run.nextId();
        if (node instanceof SqlCall call && call.getOperator() instanceof SqlFunction f) {
            String name = f.getName().toLowerCase(Locale.ROOT);
            if (name.startsWith("pg_catalog.")) {
                name = name.substring("pg_catalog.".length());
            }
            List<Scope.Column> row = rowType(call);
            if (row != null) {
                return new Scope.Item(id, name, null, row);
            }
            if (SCALAR_SETS.contains(name) && call.operandCount() >= 1
                    && !(name.equals("unnest") && call.operandCount() > 1)) {
                // Alias "\0": the AS above renames the one column to the alias, as PostgreSQL does.
                return new Scope.Item(id, "\0" + name, null, List.of(new Scope.Column(name, "f" + id)));
            }
        }
        return new Scope.Item(id, "", null, null);
    }

    /** The columns of a row-typed expression whose type the catalog knows: {@code jsonb_populate_record(NULL::t, …)}. */
    List<Scope.Column> rowType(SqlCall call) {
        if (!(call.getOperator() instanceof SqlFunction f) || call.operandCount() == 0) {
            return null;
        }
        String name = f.getName().toLowerCase(Locale.ROOT);
        if (!ROW_OF_FIRST_ARGUMENT.contains(name) || !(call.operand(0) instanceof SqlCall cast)
                || cast.getKind() != SqlKind.CAST || !(cast.operand(1) instanceof SqlDataTypeSpec type)
                || !(type.getTypeNameSpec() instanceof SqlUserDefinedTypeNameSpec u)) {
            return null;
        }
        TableName t = ParseTrees.tableName(u.getTypeName());
        Scope.Item item = run.table(t, t.name());
        return item.columns;
    }
}
