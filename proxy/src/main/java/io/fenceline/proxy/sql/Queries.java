package io.fenceline.proxy.sql;

import java.util.ArrayList;
import java.util.List;

import io.fenceline.proxy.sql.parser.SqlLockingQuery;
import io.fenceline.proxy.sql.parser.SqlModification;
import org.apache.calcite.sql.SqlCall;
import org.apache.calcite.sql.SqlIdentifier;
import org.apache.calcite.sql.SqlKind;
import org.apache.calcite.sql.SqlNode;
import org.apache.calcite.sql.SqlNodeList;
import org.apache.calcite.sql.SqlNumericLiteral;
import org.apache.calcite.sql.SqlOrderBy;
import org.apache.calcite.sql.SqlSelect;
import org.apache.calcite.sql.SqlWith;
import org.apache.calcite.sql.SqlWithItem;
import org.apache.calcite.sql.parser.SqlParserPos;

/**
 * The query levels of a {@link Resolver} run: statements, query expressions (SELECT, set operations, VALUES,
 * {@code TABLE}, WITH), their output columns with {@code *} expanded, ORDER BY and GROUP BY items, and DML
 * (targets, positional INSERT widths, RETURNING). FROM items go to {@link FromItems}, expressions and column
 * references to {@link ColumnLookup}.
 */
final class Queries {

    private final Resolver run;
    FromItems from;
    ColumnLookup lookup;

    Queries(Resolver run) {
        this.run = run;
    }

    List<Scope.Column> statement(SqlNode node, Scope outer) {
        if (node instanceof SqlModification m) {
            return modification(m, outer);
        }
        if (node instanceof SqlLockingQuery l) {
            return query(l.query(), outer);
        }
        return query(node, outer);
    }

    /** A query expression's output columns (null when unknown). */
    List<Scope.Column> query(SqlNode node, Scope outer) {
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
            lookup.expression(orderBy.offset, outer);
            lookup.expression(orderBy.fetch, outer);
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
                    from.fromItem(call.operand(0), s);
                    return s.star();
                }
                case VALUES -> {
                    return values(call, outer);
                }
                default -> {
                    lookup.expression(node, outer);
                    return null;
                }
            }
        }
        lookup.expression(node, outer);
        return null;
    }

    private List<Scope.Column> setOperation(SqlCall call, Scope outer) {
        List<Scope.Column> first = null;
        int id = run.nextId();
        int k = 0;
        for (SqlNode operand : call.getOperandList()) {
            List<Scope.Column> out = query(operand, outer);
            if (k++ == 0) {
                first = out;
            } else if (first != null && out != null) {
                // Whether the branches fit, not the width: a * that widens every branch alike in the live
                // database means the same there.
                run.note("the set operation's widths", out.size() == first.size() ? "equal" : "unequal");
                if (out.size() != first.size()) {
                    run.refuse("42601", null, null, "each " + call.getKind() + " query must have the same number of "
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
        int id = run.nextId();
        int width = -1;
        for (SqlNode row : call.getOperandList()) {
            lookup.expression(row, outer);
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
            from.fromItem(select.getFrom(), s);
        }
        List<Scope.Column> out = outputs(select.getSelectList(), s);
        lookup.expression(select.getWhere(), s);
        if (select.getGroup() != null) {
            for (SqlNode g : select.getGroup()) {
                ordering(g, s, out, false);
            }
        }
        lookup.expression(select.getHaving(), s);
        lookup.expressions(select.getWindowList(), s);
        lookup.expression(select.getQualify(), s);
        if (select.getOrderList() != null) {
            for (SqlNode o : select.getOrderList()) {
                ordering(o, s, out, true);
            }
        }
        lookup.expression(select.getOffset(), s);
        lookup.expression(select.getFetch(), s);
        if (orderBy != null) {
            for (SqlNode o : orderBy.orderList) {
                ordering(o, s, out, true);
            }
            lookup.expression(orderBy.offset, s);
            lookup.expression(orderBy.fetch, s);
        }
        return out;
    }

    /** A select list (or RETURNING list): its output columns, with {@code *} and {@code t.*} expanded. */
    private List<Scope.Column> outputs(SqlNodeList list, Scope s) {
        if (list == null) {
            return List.of();
        }
        int id = run.nextId();
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
            String origin = lookup.expression(e, s);
            out.add(new Scope.Column(name != null ? name : OutputNames.outputName(e), origin != null ? origin : "e" + id + "." + k));
        }
        return known ? out : null;
    }

    /** What {@code *} or {@code t.*} expands to; null when unknown. */
    private List<Scope.Column> star(SqlIdentifier id, Scope s) {
        if (id.names.size() == 1) {
            return s.star();
        }
        Scope.Item item = ColumnLookup.qualifier(id.names.subList(0, id.names.size() - 1), s);
        if (item == null) {
            return null; // PostgreSQL: missing FROM-clause entry
        }
        return item.columns;
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
            run.note(what, out == null ? "?" : origins.toString().trim());
            return;
        }
        if (e instanceof SqlIdentifier id && id.names.size() == 1 && !id.isStar() && out != null) {
            String name = id.getSimple();
            boolean output = false;
            for (Scope.Column c : out) {
                output |= c.name().equals(name);
            }
            if (output && (order || !ColumnLookup.resolvable(name, s))) {
                run.note((order ? "ORDER BY " : "GROUP BY ") + name, "output " + name);
                return;
            }
        }
        lookup.expression(e, s);
    }

    private List<Scope.Column> modification(SqlModification m, Scope outer) {
        TableName target = ParseTrees.tableName(m.target());
        String alias = m.alias() != null ? m.alias().getSimple() : target.name();
        Scope s = new Scope(outer);
        Scope.Item targetItem = run.table(target, alias);
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
            if (source == null && sourcePos != null && listed == 0 && targetItem.columns != null) {
                // A source of unknown width (a function's *): it fills the target's columns, as many as it has.
                run.note("the INSERT's target width", Integer.toString(targetItem.columns.size()));
            }
            if (source != null && listed == 0 && targetItem.columns != null) {
                run.note("the INSERT's width", Integer.toString(source.size()));
                if (source.size() > targetItem.columns.size()) {
                    run.refuse("42601", target, null, "INSERT has more expressions than target columns ("
                            + source.size() + " for the " + targetItem.columns.size() + " columns of \"" + target + "\")");
                }
            }
            s.items.add(targetItem);
            s.items.add(new Scope.Item(targetItem.id, "excluded", target, targetItem.columns));
        } else {
            s.items.add(targetItem);
            for (SqlNode n : m.sources()) {
                from.fromItem(n, s);
            }
        }
        for (SqlNode column : m.targetColumns()) {
            SqlIdentifier id = (SqlIdentifier) column;
            String name = id.names.get(id.names.size() == 1 ? 0 : 1);
            if (targetItem.columns != null && targetItem.count(name) == 0) {
                run.refuse("42703", target, name, "column \"" + name + "\" of relation \"" + target + "\" does not exist");
            }
        }
        if (m.operation() == SqlModification.Operation.INSERT) {
            // Unqualified names in ON CONFLICT / RETURNING belong to the target.
            Scope only = new Scope(outer);
            only.items.addAll(s.items);
            lookup.expressions(m.expressions(), only);
            return outputs(m.returning(), withoutExcluded(only));
        }
        lookup.expressions(m.expressions(), s);
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
