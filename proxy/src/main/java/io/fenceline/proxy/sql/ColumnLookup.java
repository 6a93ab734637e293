package io.fenceline.proxy.sql;

import java.util.List;
import java.util.Locale;
import java.util.Set;

import org.apache.calcite.sql.SqlCall;
import org.apache.calcite.sql.SqlDataTypeSpec;
import org.apache.calcite.sql.SqlIdentifier;
import org.apache.calcite.sql.SqlKind;
import org.apache.calcite.sql.SqlLiteral;
import org.apache.calcite.sql.SqlNode;
import org.apache.calcite.sql.SqlNodeList;
import org.apache.calcite.sql.SqlUserDefinedTypeNameSpec;
import org.apache.calcite.sql.SqlWindow;

/**
 * Column references of a {@link Resolver} run, looked up as PostgreSQL does: an unqualified name in the innermost
 * level where some FROM item has it (else a whole-row reference), {@code alias.col} from the innermost level out,
 * {@code (x).c} fields of rows whose type is known, system columns; and the walk of expressions that finds them.
 */
final class ColumnLookup {

    /** Columns every table has. */
    private static final Set<String> SYSTEM_COLUMNS = Set.of("ctid", "xmin", "xmax", "cmin", "cmax", "tableoid");

    /**
     * PostgreSQL's SQL value functions written without parentheses ({@code CURRENT_TIMESTAMP}, {@code USER}, …):
     * reserved words there, so never a column unless quoted; the parser gives them as bare identifiers.
     */
    private static final Set<String> VALUE_FUNCTIONS = Set.of("current_date", "current_time", "current_timestamp",
            "localtime", "localtimestamp", "current_role", "current_user", "user", "session_user", "current_catalog",
            "current_schema");

    private final Resolver run;
    Queries queries;
    FromItems from;

    ColumnLookup(Resolver run) {
        this.run = run;
    }

    /** Whether an unqualified name is a column of some FROM item of some level (GROUP BY's first choice). */
    static boolean resolvable(String name, Scope s) {
        for (Scope sc = s; sc != null; sc = sc.parent) {
            for (Scope.Item i : sc.items) {
                if (i.opaque() || i.count(name) > 0) {
                    return true;
                }
            }
        }
        return false;
    }

    void expressions(SqlNodeList list, Scope s) {
        if (list != null) {
            for (SqlNode n : list) {
                expression(n, s);
            }
        }
    }

    /** Resolves the references of an expression; returns the origin when it is a plain column reference. */
    String expression(SqlNode node, Scope s) {
        if (node == null || node instanceof SqlLiteral || node instanceof SqlDataTypeSpec) {
            return null;
        }
        if (node instanceof SqlIdentifier id) {
            return id.isStar() ? null : column(id, s);
        }
        if (node instanceof SqlNodeList list) {
            expressions(list, s);
            return null;
        }
        if (ParseTrees.isQuery(node) || node instanceof SqlCall c && c.getKind() == SqlKind.VALUES) {
            queries.query(node, s);
            return null;
        }
        if (!(node instanceof SqlCall call)) {
            return null;
        }
        SqlKind kind = call.getKind();
        if (kind == SqlKind.DOT) {
            return field(call, s);
        }
        if (node instanceof SqlWindow w) {
            expressions(w.getPartitionList(), s);
            expressions(w.getOrderList(), s);
            return null;
        }
        if (kind == SqlKind.OVER) {
            expression(call.operand(0), s);
            if (!(call.operand(1) instanceof SqlIdentifier)) {
                expression(call.operand(1), s); // OVER w names a window, not a column
            }
            return null;
        }
        if (kind == SqlKind.ARGUMENT_ASSIGNMENT) {
            return expression(call.operand(0), s); // f(a => 1): "a" names a parameter
        }
        for (SqlNode operand : ParseTrees.valueOperands(call)) {
            expression(operand, s);
        }
        return null;
    }

    /** {@code (x).c}: a field of a row; checked when the row's type is known (a FROM item, a populate function). */
    private String field(SqlCall dot, Scope s) {
        SqlNode row = dot.operand(0);
        String name = dot.operand(1) instanceof SqlIdentifier f ? f.getSimple() : null;
        List<Scope.Column> columns = null;
        TableName table = null;
        String what;
        if (row instanceof SqlIdentifier id && !id.isStar()) {
            Scope.Item item = id.names.size() == 1 ? wholeRowOnly(id.getSimple(), s) : null;
            if (item == null || item.opaque()) {
                expression(row, s);
                if (name != null) {
                    outsideThroughUnknown(name, "(" + id + ")." + name); // a composite column, or a row of unknown type
                }
                return null;
            }
            columns = item.columns;
            table = item.table;
            what = "(" + id.getSimple() + ")." + name;
            run.note(what + " row", "i" + item.id);
        } else if (row instanceof SqlCall call && from.rowType(call) != null) {
            expression(row, s);
            columns = from.rowType(call);
            table = ParseTrees.tableName(((SqlUserDefinedTypeNameSpec) ((SqlDataTypeSpec) ((SqlCall) call.operand(0))
                    .operand(1)).getTypeNameSpec()).getTypeName());
            what = "(" + call.getOperator().getName().toLowerCase(Locale.ROOT) + "(…))." + name;
        } else {
            expression(row, s);
            if (name != null) {
                outsideThroughUnknown(name, "(…)." + name);
            }
            return null;
        }
        if (name == null || columns == null) {
            return null;
        }
        Scope.Column c = columnOf(columns, name);
        if (c == null) {
            run.note(what, "none");
            run.refuse("42703", table, name, table != null
                    ? "column \"" + name + "\" of relation \"" + table + "\" does not exist"
                    : "column \"" + name + "\" not found in the row type of " + what);
            return null;
        }
        run.note(what, c.origin());
        return c.origin();
    }

    private static Scope.Column columnOf(List<Scope.Column> columns, String name) {
        for (Scope.Column c : columns) {
            if (c.name().equals(name)) {
                return c;
            }
        }
        return null;
    }

    /**
     * The item {@code (x)} names: PostgreSQL takes {@code x} in {@code (x).c} as a column first (a composite
     * column), then as a whole row. Null when it is (or may be) a column, or names nothing.
     */
    private Scope.Item wholeRowOnly(String name, Scope s) {
        if (resolvable(name, s)) {
            return null;
        }
        for (Scope sc = s; sc != null; sc = sc.parent) {
            Scope.Item i = sc.item(null, name);
            if (i != null) {
                return i;
            }
        }
        return null;
    }

    /** Resolves a column reference; returns what it reaches (null when unknown), refusing what the catalog lacks. */
    private String column(SqlIdentifier id, Scope s) {
        List<String> names = id.names;
        String name = names.get(names.size() - 1);
        if (names.size() == 1 && VALUE_FUNCTIONS.contains(name)) {
            return null;
        }
        if (names.size() > 1) {
            Scope.Item item = qualifier(names.subList(0, names.size() - 1), s);
            String what = String.join(".", names);
            if (item == null) {
                run.note(what, "?"); // PostgreSQL: missing FROM-clause entry (or a composite field: left to it)
                return null;
            }
            if (item.opaque()) {
                run.note(what, "?");
                outsideThroughUnknown(name, what);
                return null;
            }
            int n = item.count(name);
            if (n == 0 && item.table != null && SYSTEM_COLUMNS.contains(name)) {
                run.note(what, "item" + item.id + ":" + name);
                return null;
            }
            if (n == 0) {
                run.note(what, "none");
                run.refuse("42703", item.table, name, item.table != null
                        ? "column \"" + name + "\" of relation \"" + item.table + "\" does not exist"
                        : "column " + what + " does not exist");
                return null;
            }
            if (n > 1) {
                run.note(what, "?");
                return null;
            }
            String reached = "item" + item.id + ":" + item.column(name).origin();
            run.note(what, reached);
            return item.column(name).origin();
        }
        for (Scope sc = s; sc != null; sc = sc.parent) {
            Scope.Column found = null;
            Scope.Item foundIn = null;
            int count = 0;
            boolean opaque = false;
            for (Scope.Item i : sc.items) {
                if (i.opaque()) {
                    opaque = true;
                    continue;
                }
                int n = i.count(name);
                if (n > 0 && found == null) {
                    found = i.column(name);
                    foundIn = i;
                }
                count += n;
            }
            if (count > 1 && !sc.merged.contains(name)) {
                run.note(name, "?"); // ambiguous: PostgreSQL refuses it (42702)
                return null;
            }
            if (count == 0 && SYSTEM_COLUMNS.contains(name)) {
                for (Scope.Item i : sc.items) {
                    if (i.table != null) {
                        run.note(name, "item" + i.id + ":" + name); // PostgreSQL: the first table's (or ambiguous)
                        return null;
                    }
                }
            }
            if (count >= 1) {
                String reached = "item" + foundIn.id + ":" + found.origin();
                run.note(name, reached);
                return found.origin();
            }
            if (opaque) {
                run.note(name, "?"); // may be a column of an item whose columns are unknown: left to PostgreSQL
                outsideThroughUnknown(name, name);
                return null;
            }
        }
        for (Scope sc = s; sc != null; sc = sc.parent) {
            Scope.Item i = sc.item(null, name);
            if (i != null) {
                run.note(name, "row of item" + i.id); // a whole-row reference, like t.*: not narrowed
                return null;
            }
        }
        run.note(name, "none");
        TableName only = null;
        for (Scope sc = s; sc != null && only == null; sc = sc.parent) {
            if (!sc.items.isEmpty()) {
                only = sc.onlyTable();
                break;
            }
        }
        run.refuse("42703", only, name, only != null
                ? "column \"" + name + "\" of relation \"" + only + "\" does not exist"
                : "column \"" + name + "\" does not exist");
        return null;
    }

    /**
     * A reference {@code what} to {@code name} that may reach an item whose columns are unknown (a function in
     * FROM such as one returning {@code SETOF users}, a composite value): refused when the live database has a
     * column of that name outside the version, since PostgreSQL may find it there.
     */
    private void outsideThroughUnknown(String name, String what) {
        if (run.catalog.namesOutside().contains(name)) {
            run.refuse("42703", null, name, what + " may reach a column \"" + name + "\" outside the version through a "
                    + "value whose columns the catalog does not describe (a function's result): the live database has "
                    + "such a column");
        }
    }

    /** The item a qualifier ({@code t}, {@code s.t}, {@code db.s.t}) names, innermost level first. */
    static Scope.Item qualifier(List<String> qualifier, Scope s) {
        String alias = qualifier.get(qualifier.size() - 1);
        String schema = qualifier.size() > 1 ? qualifier.get(qualifier.size() - 2) : null;
        for (Scope sc = s; sc != null; sc = sc.parent) {
            Scope.Item i = sc.item(schema, alias);
            if (i != null) {
                return i;
            }
        }
        return null;
    }
}
