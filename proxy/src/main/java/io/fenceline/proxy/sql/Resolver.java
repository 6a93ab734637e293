package io.fenceline.proxy.sql;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import io.fenceline.proxy.sql.parser.SqlLockingQuery;
import io.fenceline.proxy.sql.parser.SqlModification;
import org.apache.calcite.sql.JoinConditionType;
import org.apache.calcite.sql.SqlBasicTypeNameSpec;
import org.apache.calcite.sql.SqlCall;
import org.apache.calcite.sql.SqlDataTypeSpec;
import org.apache.calcite.sql.SqlFunction;
import org.apache.calcite.sql.SqlIdentifier;
import org.apache.calcite.sql.SqlJoin;
import org.apache.calcite.sql.SqlKind;
import org.apache.calcite.sql.SqlLiteral;
import org.apache.calcite.sql.SqlNode;
import org.apache.calcite.sql.SqlNodeList;
import org.apache.calcite.sql.SqlNumericLiteral;
import org.apache.calcite.sql.SqlOrderBy;
import org.apache.calcite.sql.SqlSelect;
import org.apache.calcite.sql.SqlUserDefinedTypeNameSpec;
import org.apache.calcite.sql.SqlWindow;
import org.apache.calcite.sql.SqlWith;
import org.apache.calcite.sql.SqlWithItem;
import org.apache.calcite.sql.parser.SqlParserPos;

/**
 * Resolves every column reference of a parsed statement against one catalog, the way PostgreSQL's parse
 * analysis does: an unqualified name belongs to the innermost level ({@link Scope}) where some FROM item has a
 * column of that name (one item: that column; several: ambiguous, left to PostgreSQL), and only when no level
 * has such a column is it a whole-row reference to an item of that name; {@code alias.col} looks the alias up
 * from the innermost level outwards; {@code *} and {@code t.*} expand to the catalog's columns, so a subquery's,
 * CTE's or {@code TABLE}'s output offers exactly the version's columns to the query around it; ORDER BY takes an
 * output name before an input column, GROUP BY the other way round, and both take ordinals.
 *
 * <p>The resolution is run once with the client's version and once with what the live database may hold
 * ({@link #check}); each reference leaves a trace entry saying what it reached, and the two traces must agree:
 * a reference that the version resolves to an outer query's column but the live database to a column the inner
 * table gained later reads a column outside the version, although both catalogs accept the text.
 *
 * <p>Unknown is not refused: a reference that may reach an item whose columns are unknown (a function result,
 * a table outside the catalog) or that is ambiguous is left to PostgreSQL, as before.
 */
final class Resolver {

    /** Set-returning functions whose result is one column named after the function (or its alias). */
    private static final Set<String> SCALAR_SETS = Set.of("generate_series", "generate_subscripts",
            "regexp_split_to_table", "json_array_elements", "json_array_elements_text", "jsonb_array_elements",
            "jsonb_array_elements_text", "json_object_keys", "jsonb_object_keys", "unnest", "regexp_matches");
    /** Functions whose result is the row type of their first argument's type ({@code NULL::users}). */
    private static final Set<String> ROW_OF_FIRST_ARGUMENT = Set.of("json_populate_record", "jsonb_populate_record",
            "json_populate_recordset", "jsonb_populate_recordset");

    /** Columns every table has. */
    private static final Set<String> SYSTEM_COLUMNS = Set.of("ctid", "xmin", "xmax", "cmin", "cmax", "tableoid");

    private final Relations catalog;
    private final List<String> trace = new ArrayList<>();
    private Resolution.Refused refused;
    private int ids;

    private Resolver(Relations catalog) {
        this.catalog = catalog;
    }

    /**
     * {@link Resolution#RESOLVED} when every reference of {@code tree} resolves in {@code version} and reaches
     * the same columns in {@code live}; otherwise the first refusal.
     */
    static Resolution check(SqlNode tree, Relations version, Relations live) {
        Resolver v = new Resolver(version);
        v.statement(tree, new Scope(null));
        if (v.refused != null) {
            return v.refused;
        }
        Resolver l = new Resolver(live);
        l.statement(tree, new Scope(null));
        if (l.refused != null) {
            return Resolution.RESOLVED; // PostgreSQL refuses it on the live database too: nothing runs
        }
        for (int k = 0; k < v.trace.size() && k < l.trace.size(); k++) {
            String a = v.trace.get(k);
            String b = l.trace.get(k);
            if (!a.equals(b) && !b.endsWith("|?")) {
                return new Resolution.Refused("42703", null, null, differently(a, b));
            }
        }
        return Resolution.RESOLVED;
    }

    private static String differently(String version, String live) {
        String what = version.substring(0, version.indexOf('|'));
        return what + " means something else in the live database, whose catalog has columns outside the "
                + "version (" + version.substring(version.indexOf('|') + 1) + " against "
                + live.substring(live.indexOf('|') + 1) + ")";
    }

    private void note(String what, String reached) {
        trace.add(what + "|" + reached);
    }

    private void refuse(String sqlState, TableName table, String column, String message) {
        if (refused == null) {
            refused = new Resolution.Refused(sqlState, table, column, message);
        }
    }

    // ---------------------------------------------------------------- statements and queries

    private List<Scope.Column> statement(SqlNode node, Scope outer) {
        if (node instanceof SqlModification m) {
            return modification(m, outer);
        }
        if (node instanceof SqlLockingQuery l) {
            return query(l.query(), outer);
        }
        return query(node, outer);
    }

    /** A query expression's output columns (null when unknown). */
    private List<Scope.Column> query(SqlNode node, Scope outer) {
        if (node == null) {
            return null;
        }
        if (node instanceof SqlSelect select) {
            return select(select, outer, null);
        }
        if (node instanceof SqlOrderBy orderBy) {
            if (orderBy.query instanceof SqlSelect select) {
                return select(select, outer, orderBy);
            }
            List<Scope.Column> out = query(orderBy.query, outer);
            Scope s = new Scope(outer);
            for (SqlNode item : orderBy.orderList) {
                ordering(item, s, out, true);
            }
            expression(orderBy.offset, outer);
            expression(orderBy.fetch, outer);
            return out;
        }
        if (node instanceof SqlWith with) {
            Scope s = new Scope(outer);
            for (SqlNode n : with.withList) {
                SqlWithItem w = (SqlWithItem) n;
                String name = w.name.getSimple();
                if (w.recursive.booleanValue()) {
                    s.ctes.put(name, named(w.columnList, null));
                }
                List<Scope.Column> out = statement(w.query, s);
                s.ctes.put(name, named(w.columnList, out));
            }
            return statement(with.body, s);
        }
        if (node instanceof SqlModification || node instanceof SqlLockingQuery) {
            return statement(node, outer);
        }
        if (node instanceof SqlCall call) {
            switch (call.getKind()) {
                case UNION, INTERSECT, EXCEPT -> {
                    return setOperation(call, outer);
                }
                case EXPLICIT_TABLE -> {
                    Scope s = new Scope(outer);
                    fromItem(call.operand(0), s);
                    return s.star();
                }
                case VALUES -> {
                    return values(call, outer);
                }
                default -> {
                    expression(node, outer);
                    return null;
                }
            }
        }
        expression(node, outer);
        return null;
    }

    private List<Scope.Column> setOperation(SqlCall call, Scope outer) {
        List<Scope.Column> first = null;
        int id = ++ids;
        int k = 0;
        for (SqlNode operand : call.getOperandList()) {
            List<Scope.Column> out = query(operand, outer);
            if (k++ == 0) {
                first = out;
            } else if (first != null && out != null) {
                note("the set operation's width", Integer.toString(first.size()));
                if (out.size() != first.size()) {
                    refuse("42601", null, null, "each " + call.getKind() + " query must have the same number of "
                            + "columns (" + first.size() + " and " + out.size() + ")");
                }
            }
        }
        if (first == null) {
            return null;
        }
        List<Scope.Column> out = new ArrayList<>();
        for (int c = 0; c < first.size(); c++) {
            out.add(new Scope.Column(first.get(c).name(), "set" + id + "." + first.get(c).origin()));
        }
        return out;
    }

    private List<Scope.Column> values(SqlCall call, Scope outer) {
        int id = ++ids;
        int width = -1;
        for (SqlNode row : call.getOperandList()) {
            expression(row, outer);
            if (row instanceof SqlCall r && r.getKind() == SqlKind.ROW) {
                width = Math.max(width, r.operandCount());
            } else {
                width = Math.max(width, 1);
            }
        }
        List<Scope.Column> out = new ArrayList<>();
        for (int c = 1; c <= width; c++) {
            out.add(new Scope.Column("column" + c, "v" + id + "." + c));
        }
        return out;
    }

    private List<Scope.Column> select(SqlSelect select, Scope outer, SqlOrderBy orderBy) {
        Scope s = new Scope(outer);
        if (select.getFrom() != null) {
            fromItem(select.getFrom(), s);
        }
        List<Scope.Column> out = outputs(select.getSelectList(), s);
        expression(select.getWhere(), s);
        if (select.getGroup() != null) {
            for (SqlNode g : select.getGroup()) {
                ordering(g, s, out, false);
            }
        }
        expression(select.getHaving(), s);
        expressions(select.getWindowList(), s);
        expression(select.getQualify(), s);
        if (select.getOrderList() != null) {
            for (SqlNode o : select.getOrderList()) {
                ordering(o, s, out, true);
            }
        }
        expression(select.getOffset(), s);
        expression(select.getFetch(), s);
        if (orderBy != null) {
            for (SqlNode o : orderBy.orderList) {
                ordering(o, s, out, true);
            }
            expression(orderBy.offset, s);
            expression(orderBy.fetch, s);
        }
        return out;
    }

    /** A select list (or RETURNING list): its output columns, with {@code *} and {@code t.*} expanded. */
    private List<Scope.Column> outputs(SqlNodeList list, Scope s) {
        if (list == null) {
            return List.of();
        }
        int id = ++ids;
        List<Scope.Column> out = new ArrayList<>();
        boolean known = true;
        int k = 0;
        for (SqlNode item : list) {
            k++;
            if (item instanceof SqlIdentifier id0 && id0.isStar()) {
                List<Scope.Column> star = star(id0, s);
                if (star == null) {
                    known = false;
                } else {
                    out.addAll(star);
                }
                continue;
            }
            SqlNode e = item;
            String name = null;
            if (item instanceof SqlCall call && call.getKind() == SqlKind.AS) {
                e = call.operand(0);
                name = ((SqlIdentifier) call.operand(1)).getSimple();
            }
            String origin = expression(e, s);
            out.add(new Scope.Column(name != null ? name : outputName(e), origin != null ? origin : "e" + id + "." + k));
        }
        return known ? out : null;
    }

    /** What {@code *} or {@code t.*} expands to; null when unknown. */
    private List<Scope.Column> star(SqlIdentifier id, Scope s) {
        if (id.names.size() == 1) {
            return s.star();
        }
        Scope.Item item = qualifier(id.names.subList(0, id.names.size() - 1), s);
        if (item == null) {
            return null; // PostgreSQL: missing FROM-clause entry
        }
        return item.columns;
    }

    /** PostgreSQL's FigureColname, for the names later references may use. */
    private static String outputName(SqlNode e) {
        if (e instanceof SqlIdentifier id) {
            return id.names.get(id.names.size() - 1);
        }
        if (e instanceof SqlCall call) {
            if (call.getKind() == SqlKind.CAST) {
                String inner = outputName(call.operand(0));
                if (!inner.equals("?column?")) {
                    return inner;
                }
                return call.operand(1) instanceof SqlDataTypeSpec t ? typeName(t) : "?column?";
            }
            if (call.getKind() == SqlKind.DOT) {
                return outputName(call.operand(1));
            }
            if (call.getKind() == SqlKind.CASE) {
                return "case";
            }
            if (call.getOperator() instanceof SqlFunction f) {
                SqlIdentifier name = f.getSqlIdentifier();
                return (name != null ? name.names.get(name.names.size() - 1) : f.getName()).toLowerCase(Locale.ROOT);
            }
        }
        return "?column?";
    }

    private static String typeName(SqlDataTypeSpec t) {
        if (t.getTypeNameSpec() instanceof SqlUserDefinedTypeNameSpec u) {
            return u.getTypeName().names.get(u.getTypeName().names.size() - 1);
        }
        if (t.getTypeNameSpec() instanceof SqlBasicTypeNameSpec b) {
            return b.getTypeName().getSimple().toLowerCase(Locale.ROOT);
        }
        return "?column?";
    }

    /**
     * An ORDER BY ({@code order}) or GROUP BY item: an ordinal names an output column; a bare name is an output
     * column's before an input column's in ORDER BY, and an input column's before an output column's in GROUP BY.
     */
    private void ordering(SqlNode item, Scope s, List<Scope.Column> out, boolean order) {
        SqlNode e = item;
        while (e instanceof SqlCall c && (c.getKind() == SqlKind.DESCENDING || c.getKind() == SqlKind.NULLS_FIRST
                || c.getKind() == SqlKind.NULLS_LAST)) {
            e = c.operand(0);
        }
        if (e instanceof SqlNumericLiteral) {
            // A position. The inspector parses the normalised text, where every number is 0, so which position
            // is not known here: it means the same in both catalogs only when the select lists are the same.
            String what = (order ? "ORDER BY" : "GROUP BY") + " position";
            StringBuilder origins = new StringBuilder();
            if (out != null) {
                for (Scope.Column c : out) {
                    origins.append(c.origin()).append(' ');
                }
            }
            note(what, out == null ? "?" : origins.toString().trim());
            return;
        }
        if (e instanceof SqlIdentifier id && id.names.size() == 1 && !id.isStar() && out != null) {
            String name = id.getSimple();
            boolean output = false;
            for (Scope.Column c : out) {
                output |= c.name().equals(name);
            }
            if (output && (order || !resolvable(name, s))) {
                note((order ? "ORDER BY " : "GROUP BY ") + name, "output " + name);
                return;
            }
        }
        expression(e, s);
    }

    /** Whether an unqualified name is a column of some FROM item of some level (GROUP BY's first choice). */
    private static boolean resolvable(String name, Scope s) {
        for (Scope sc = s; sc != null; sc = sc.parent) {
            for (Scope.Item i : sc.items) {
                if (i.opaque() || i.count(name) > 0) {
                    return true;
                }
            }
        }
        return false;
    }

    // ---------------------------------------------------------------- DML

    private List<Scope.Column> modification(SqlModification m, Scope outer) {
        TableName target = TreeAnalyzer.tableName(m.target());
        String alias = m.alias() != null ? m.alias().getSimple() : target.name();
        Scope s = new Scope(outer);
        Scope.Item targetItem = table(target, alias);
        if (m.operation() == SqlModification.Operation.INSERT) {
            // INSERT's query does not see the target; ON CONFLICT and RETURNING do, and excluded.
            List<Scope.Column> source = null;
            SqlParserPos sourcePos = null;
            for (SqlNode n : m.sources()) {
                source = query(n, outer);
                sourcePos = n.getParserPosition();
            }
            int listed = 0;
            for (SqlNode c : m.targetColumns()) {
                if (sourcePos != null && before(c.getParserPosition(), sourcePos)) {
                    listed++;
                }
            }
            if (source != null && listed == 0 && targetItem.columns != null) {
                note("the INSERT's width", Integer.toString(source.size()));
                if (source.size() > targetItem.columns.size()) {
                    refuse("42601", target, null, "INSERT has more expressions than target columns ("
                            + source.size() + " for the " + targetItem.columns.size() + " columns of \"" + target + "\")");
                }
            }
            s.items.add(targetItem);
            s.items.add(new Scope.Item(targetItem.id, "excluded", target, targetItem.columns));
        } else {
            s.items.add(targetItem);
            for (SqlNode n : m.sources()) {
                fromItem(n, s);
            }
        }
        for (SqlNode column : m.targetColumns()) {
            SqlIdentifier id = (SqlIdentifier) column;
            String name = id.names.get(id.names.size() == 1 ? 0 : 1);
            if (targetItem.columns != null && targetItem.count(name) == 0) {
                refuse("42703", target, name, "column \"" + name + "\" of relation \"" + target + "\" does not exist");
            }
        }
        if (m.operation() == SqlModification.Operation.INSERT) {
            // Unqualified names in ON CONFLICT / RETURNING belong to the target.
            Scope only = new Scope(outer);
            only.items.addAll(s.items);
            expressions(m.expressions(), only);
            return outputs(m.returning(), withoutExcluded(only));
        }
        expressions(m.expressions(), s);
        return outputs(m.returning(), s);
    }

    private static Scope withoutExcluded(Scope s) {
        Scope r = new Scope(s.parent);
        r.items.add(s.items.get(0));
        return r;
    }

    private static boolean before(SqlParserPos a, SqlParserPos b) {
        return a.getLineNum() < b.getLineNum() || a.getLineNum() == b.getLineNum() && a.getColumnNum() < b.getColumnNum();
    }

    // ---------------------------------------------------------------- FROM

    private Scope.Item table(TableName t, String alias) {
        int id = ++ids;
        List<String> names = catalog.columns(t);
        List<Scope.Column> columns = null;
        if (names != null) {
            columns = new ArrayList<>(names.size());
            for (String n : names) {
                columns.add(new Scope.Column(n, "i" + id + "." + n));
            }
        }
        return new Scope.Item(id, alias, t, columns);
    }

    /** Adds the items of a FROM-clause element to {@code s}. */
    private void fromItem(SqlNode node, Scope s) {
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
            note("NATURAL JOIN", known ? "on " + common : "?");
            s.merged.addAll(common);
        } else if (join.getConditionType() == JoinConditionType.USING && join.getCondition() instanceof SqlNodeList using) {
            for (SqlNode n : using) {
                String name = ((SqlIdentifier) n).getSimple();
                side(name, lefts, "left");
                side(name, rights, "right");
                s.merged.add(name);
            }
        } else {
            expression(join.getCondition(), s);
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
            refuse("42703", t, name, "column \"" + name + "\" specified in USING clause does not exist in " + which
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
            TableName t = TreeAnalyzer.tableName(id);
            return table(t, t.name());
        }
        if (node instanceof SqlJoin join) {
            join(join, s);
            return null;
        }
        if (!(node instanceof SqlCall call)) {
            expression(node, s);
            return null;
        }
        switch (call.getKind()) {
            case AS -> {
                List<SqlNode> ops = call.getOperandList();
                Scope.Item inner = item(ops.get(0), s);
                String alias = ((SqlIdentifier) ops.get(1)).getSimple();
                if (inner == null) {
                    return new Scope.Item(++ids, alias, null, null);
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
                List<Scope.Column> out = query(inner, s);
                return derived("", out);
            }
            case COLLECTION_TABLE -> {
                return function(call.operand(0), s);
            }
            case TABLESAMPLE, SNAPSHOT, EXTEND, TABLE_REF -> {
                Scope.Item i = item(call.operand(0), s);
                for (int k = 1; k < call.operandCount(); k++) {
                    expression(call.operand(k), s);
                }
                return i;
            }
            case SELECT, ORDER_BY, WITH, UNION, INTERSECT, EXCEPT, VALUES, EXPLICIT_TABLE -> {
                // Not LATERAL: the subquery sees the enclosing queries, not this level's other items.
                return derived("", query(node, s.parent != null ? s.parent : new Scope(null)));
            }
            default -> {
                return function(node, s);
            }
        }
    }

    private Scope.Item derived(String alias, List<Scope.Column> columns) {
        int id = ++ids;
        return new Scope.Item(id, alias, null, columns == null ? null : List.copyOf(columns));
    }

    /** A function in FROM: arguments see this level (functions in FROM are lateral); the columns when known. */
    private Scope.Item function(SqlNode node, Scope s) {
        expression(node, s);
        int id = ++ids;
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
    private List<Scope.Column> rowType(SqlCall call) {
        if (!(call.getOperator() instanceof SqlFunction f) || call.operandCount() == 0) {
            return null;
        }
        String name = f.getName().toLowerCase(Locale.ROOT);
        if (!ROW_OF_FIRST_ARGUMENT.contains(name) || !(call.operand(0) instanceof SqlCall cast)
                || cast.getKind() != SqlKind.CAST || !(cast.operand(1) instanceof SqlDataTypeSpec type)
                || !(type.getTypeNameSpec() instanceof SqlUserDefinedTypeNameSpec u)) {
            return null;
        }
        TableName t = TreeAnalyzer.tableName(u.getTypeName());
        Scope.Item item = table(t, t.name());
        return item.columns;
    }

    // ---------------------------------------------------------------- expressions

    private void expressions(SqlNodeList list, Scope s) {
        if (list != null) {
            for (SqlNode n : list) {
                expression(n, s);
            }
        }
    }

    /** Resolves the references of an expression; returns the origin when it is a plain column reference. */
    private String expression(SqlNode node, Scope s) {
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
        if (node instanceof SqlSelect || node instanceof SqlOrderBy || node instanceof SqlWith
                || node instanceof SqlModification || node instanceof SqlLockingQuery) {
            query(node, s);
            return null;
        }
        if (!(node instanceof SqlCall call)) {
            return null;
        }
        SqlKind kind = call.getKind();
        if (kind == SqlKind.UNION || kind == SqlKind.INTERSECT || kind == SqlKind.EXCEPT
                || kind == SqlKind.EXPLICIT_TABLE || kind == SqlKind.VALUES) {
            query(node, s);
            return null;
        }
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
        boolean function = call.getOperator() instanceof SqlFunction;
        List<SqlNode> operands = call.getOperandList();
        for (int k = 0; k < operands.size(); k++) {
            if (kind == SqlKind.AS && k > 0) {
                break;
            }
            SqlNode operand = operands.get(k);
            if (function && operand instanceof SqlIdentifier id && id.isStar()) {
                continue; // count(*): no column
            }
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
            if (item == null) {
                expression(row, s);
                return null;
            }
            columns = item.columns;
            table = item.table;
            what = "(" + id.getSimple() + ")." + name;
            note(what + " row", "i" + item.id);
        } else if (row instanceof SqlCall call && rowType(call) != null) {
            expression(row, s);
            columns = rowType(call);
            table = TreeAnalyzer.tableName(((SqlUserDefinedTypeNameSpec) ((SqlDataTypeSpec) ((SqlCall) call.operand(0))
                    .operand(1)).getTypeNameSpec()).getTypeName());
            what = "(" + call.getOperator().getName().toLowerCase(Locale.ROOT) + "(…))." + name;
        } else {
            expression(row, s);
            return null;
        }
        if (name == null || columns == null) {
            return null;
        }
        Scope.Column c = columnOf(columns, name);
        if (c == null) {
            note(what, "none");
            refuse("42703", table, name, table != null
                    ? "column \"" + name + "\" of relation \"" + table + "\" does not exist"
                    : "column \"" + name + "\" not found in the row type of " + what);
            return null;
        }
        note(what, c.origin());
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
        if (names.size() > 1) {
            Scope.Item item = qualifier(names.subList(0, names.size() - 1), s);
            String what = String.join(".", names);
            if (item == null) {
                note(what, "?"); // PostgreSQL: missing FROM-clause entry (or a composite field: left to it)
                return null;
            }
            if (item.opaque()) {
                note(what, "?");
                return null;
            }
            int n = item.count(name);
            if (n == 0 && item.table != null && SYSTEM_COLUMNS.contains(name)) {
                note(what, "item" + item.id + ":" + name);
                return null;
            }
            if (n == 0) {
                note(what, "none");
                refuse("42703", item.table, name, item.table != null
                        ? "column \"" + name + "\" of relation \"" + item.table + "\" does not exist"
                        : "column " + what + " does not exist");
                return null;
            }
            if (n > 1) {
                note(what, "?");
                return null;
            }
            String reached = "item" + item.id + ":" + item.column(name).origin();
            note(what, reached);
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
                note(name, "?"); // ambiguous: PostgreSQL refuses it (42702)
                return null;
            }
            if (count == 0 && SYSTEM_COLUMNS.contains(name)) {
                for (Scope.Item i : sc.items) {
                    if (i.table != null) {
                        note(name, "item" + i.id + ":" + name); // PostgreSQL: the first table's (or ambiguous)
                        return null;
                    }
                }
            }
            if (count >= 1) {
                String reached = "item" + foundIn.id + ":" + found.origin();
                note(name, reached);
                return found.origin();
            }
            if (opaque) {
                note(name, "?"); // may be a column of an item whose columns are unknown: left to PostgreSQL
                return null;
            }
        }
        for (Scope sc = s; sc != null; sc = sc.parent) {
            Scope.Item i = sc.item(null, name);
            if (i != null) {
                note(name, "row of item" + i.id); // a whole-row reference, like t.*: not narrowed
                return null;
            }
        }
        note(name, "none");
        TableName only = null;
        for (Scope sc = s; sc != null && only == null; sc = sc.parent) {
            if (!sc.items.isEmpty()) {
                only = sc.onlyTable();
                break;
            }
        }
        refuse("42703", only, name, only != null
                ? "column \"" + name + "\" of relation \"" + only + "\" does not exist"
                : "column \"" + name + "\" does not exist");
        return null;
    }

    /** The item a qualifier ({@code t}, {@code s.t}, {@code db.s.t}) names, innermost level first. */
    private static Scope.Item qualifier(List<String> qualifier, Scope s) {
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

    private static List<Scope.Column> named(SqlNodeList columnList, List<Scope.Column> out) {
        if (columnList == null || columnList.isEmpty()) {
            return out;
        }
        List<Scope.Column> renamed = new ArrayList<>();
        for (int k = 0; k < columnList.size(); k++) {
            String n = ((SqlIdentifier) columnList.get(k)).getSimple();
            renamed.add(new Scope.Column(n, out != null && k < out.size() ? out.get(k).origin() : "w." + n));
        }
        if (out != null && out.size() > columnList.size()) {
            renamed.addAll(out.subList(columnList.size(), out.size()));
        }
        return renamed;
    }
}
