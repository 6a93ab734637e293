package io.fenceline.proxy.sql;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import io.fenceline.proxy.sql.parser.SqlLockingQuery;
import io.fenceline.proxy.sql.parser.SqlModification;
import org.apache.calcite.sql.SqlCall;
import org.apache.calcite.sql.SqlDataTypeSpec;
import org.apache.calcite.sql.SqlFunction;
import org.apache.calcite.sql.SqlIdentifier;
import org.apache.calcite.sql.SqlJoin;
import org.apache.calcite.sql.SqlKind;
import org.apache.calcite.sql.SqlNode;
import org.apache.calcite.sql.SqlNodeList;
import org.apache.calcite.sql.SqlOrderBy;
import org.apache.calcite.sql.SqlSelect;
import org.apache.calcite.sql.SqlWith;
import org.apache.calcite.sql.SqlWithItem;

/**
 * Walks a parse tree of the PostgreSQL dialect and records the tables read and written, the
 * columns referenced and the functions called, resolving names through the FROM scopes the way
 * PostgreSQL does (CTE names shadow tables; aliases hide table names; an unqualified column belongs
 * to the only table of the innermost scope that has tables, and stays unresolved when there are
 * several).
 */
final class TreeAnalyzer {

    /** A FROM scope: its relations by visible name, plus the CTE names it introduces. */
    private static final class Scope {
        final Scope parent;
        final Map<String, TableName> tablesByAlias = new HashMap<>();
        final Set<String> derived = new HashSet<>();
        final Set<String> ctes = new HashSet<>();
        final List<TableName> tables = new ArrayList<>();
        /** Output column names of the SELECT, which ORDER BY and GROUP BY may use. */
        final Set<String> outputNames = new HashSet<>();
        boolean inOrderOrGroup;

        Scope(Scope parent) {
            this.parent = parent;
        }

        boolean isCte(String name) {
            for (Scope s = this; s != null; s = s.parent) {
                if (s.ctes.contains(name)) {
                    return true;
                }
            }
            return false;
        }

        int relations() {
            return tables.size() + derived.size();
        }
    }

    private final References refs = new References();

    private TreeAnalyzer() {
    }

    /** The verdict for a parsed statement. */
    static Verdict analyze(SqlNode statement) {
        TreeAnalyzer a = new TreeAnalyzer();
        a.statement(statement, new Scope(null));
        return a.refs.verdict(StatementKind.READ, statement);
    }

    private Scope statement(SqlNode node, Scope outer) {
        if (node instanceof SqlModification m) {
            modification(m, outer);
            return outer;
        }
        if (node instanceof SqlLockingQuery l) {
            Set<TableName> before = new HashSet<>(refs.read);
            Scope s = query(l.query(), outer);
            if (l.lockedTables().isEmpty()) {
                for (TableName t : refs.read) {
                    if (!before.contains(t)) {
                        refs.written.add(t);
                    }
                }
            } else {
                for (SqlNode n : l.lockedTables()) {
                    SqlIdentifier id = (SqlIdentifier) n;
                    TableName t = s.tablesByAlias.get(last(id));
                    refs.written.add(t != null ? t : tableName(id));
                }
            }
            refs.writes = true;
            return s;
        }
        return query(node, outer);
    }

    /** A query expression; returns the scope of its top SELECT (for ORDER BY and locking). */
    private Scope query(SqlNode node, Scope outer) {
        if (node == null) {
            return outer;
        }
        if (node instanceof SqlSelect select) {
            return select(select, outer);
        }
        if (node instanceof SqlOrderBy orderBy) {
            Scope s = query(orderBy.query, outer);
            s.inOrderOrGroup = true;
            expressions(orderBy.orderList, s);
            s.inOrderOrGroup = false;
            expression(orderBy.offset, s);
            expression(orderBy.fetch, s);
            return s;
        }
        if (node instanceof SqlWith with) {
            Scope s = new Scope(outer);
            for (SqlNode item : with.withList) {
                SqlWithItem w = (SqlWithItem) item;
                String name = w.name.getSimple();
                if (w.recursive.booleanValue()) {
                    s.ctes.add(name);
                }
                statement(w.query, s);
                s.ctes.add(name);
            }
            return statement(with.body, s);
        }
        if (node instanceof SqlModification || node instanceof SqlLockingQuery) {
            return statement(node, outer);
        }
        if (node instanceof SqlCall call) {
            SqlKind kind = call.getKind();
            switch (kind) {
                case UNION, INTERSECT, EXCEPT -> {
                    Scope first = null;
                    for (SqlNode operand : call.getOperandList()) {
                        Scope s = query(operand, outer);
                        first = first == null ? s : first;
                    }
                    return first == null ? outer : first;
                }
                case EXPLICIT_TABLE -> {
                    Scope s = new Scope(outer);
                    fromItem(call.operand(0), s);
                    return s;
                }
                default -> {
                    expression(node, outer);
                    return outer;
                }
            }
        }
        expression(node, outer);
        return outer;
    }

    private Scope select(SqlSelect select, Scope outer) {
        Scope s = new Scope(outer);
        if (select.getFrom() != null) {
            fromItem(select.getFrom(), s);
        }
        expressions(select.getSelectList(), s);
        for (SqlNode item : select.getSelectList()) {
            if (item instanceof SqlCall call && call.getKind() == SqlKind.AS) {
                s.outputNames.add(((SqlIdentifier) call.operand(1)).getSimple());
            }
        }
        expression(select.getWhere(), s);
        s.inOrderOrGroup = true;
        expressions(select.getGroup(), s);
        s.inOrderOrGroup = false;
        expression(select.getHaving(), s);
        expressions(select.getWindowList(), s);
        expression(select.getQualify(), s);
        s.inOrderOrGroup = true;
        expressions(select.getOrderList(), s);
        s.inOrderOrGroup = false;
        expression(select.getOffset(), s);
        expression(select.getFetch(), s);
        return s;
    }

    private void modification(SqlModification m, Scope outer) {
        TableName target = tableName(m.target());
        refs.written.add(target);
        Scope s = new Scope(outer);
        if (m.operation() == SqlModification.Operation.INSERT) {
            // INSERT's query does not see the target; ON CONFLICT and RETURNING do.
            for (SqlNode source : m.sources()) {
                query(source, outer);
            }
            s.tablesByAlias.put("excluded", target);
        } else {
            for (SqlNode source : m.sources()) {
                fromItem(source, s);
            }
        }
        s.tablesByAlias.put(m.alias() != null ? m.alias().getSimple() : target.name(), target);
        s.tables.add(0, target);
        for (SqlNode column : m.targetColumns()) {
            SqlIdentifier id = (SqlIdentifier) column;
            refs.column(target, id.names.get(id.names.size() == 1 ? 0 : 1));
        }
        if (m.operation() == SqlModification.Operation.INSERT) {
            // Unqualified names in ON CONFLICT / RETURNING belong to the target.
            Scope only = new Scope(outer);
            only.tablesByAlias.putAll(s.tablesByAlias);
            only.tables.add(target);
            expressions(m.expressions(), only);
            expressions(m.returning(), only);
        } else {
            expressions(m.expressions(), s);
            expressions(m.returning(), s);
        }
    }

    /** A FROM-clause item: table, alias, join, subquery, function, VALUES, LATERAL. */
    private void fromItem(SqlNode node, Scope s) {
        if (node == null) {
            return;
        }
        if (node instanceof SqlIdentifier id) {
            if (id.names.size() == 1 && s.isCte(id.getSimple())) {
                s.derived.add(id.getSimple());
                return;
            }
            TableName t = tableName(id);
            refs.read.add(t);
            s.tablesByAlias.put(t.name(), t);
            s.tables.add(t);
            return;
        }
        if (node instanceof SqlJoin join) {
            fromItem(join.getLeft(), s);
            fromItem(join.getRight(), s);
            expression(join.getCondition(), s);
            return;
        }
        if (node instanceof SqlCall call) {
            switch (call.getKind()) {
                case AS -> {
                    SqlNode inner = call.operand(0);
                    String alias = ((SqlIdentifier) call.operand(1)).getSimple();
                    if (inner instanceof SqlIdentifier id
                            && !(id.names.size() == 1 && s.isCte(id.getSimple()))) {
                        TableName t = tableName(id);
                        refs.read.add(t);
                        s.tablesByAlias.put(alias, t);
                        s.tables.add(t);
                    } else {
                        fromItem(inner, s);
                        if (!(inner instanceof SqlIdentifier)) {
                            s.derived.add(alias);
                        }
                        s.tablesByAlias.remove(alias);
                    }
                    return;
                }
                case LATERAL, COLLECTION_TABLE, TABLESAMPLE, SNAPSHOT, EXTEND, TABLE_REF -> {
                    for (SqlNode operand : call.getOperandList()) {
                        if (operand != null) {
                            fromItem(operand, s);
                        }
                    }
                    return;
                }
                case SELECT, ORDER_BY, WITH, UNION, INTERSECT, EXCEPT, VALUES, EXPLICIT_TABLE -> {
                    query(node, s);
                    s.derived.add("");
                    return;
                }
                default -> {
                    // A function in FROM (generate_series(…), unnest(…)) or anything else: an expression.
                    expression(node, s);
                    s.derived.add("");
                    return;
                }
            }
        }
        expression(node, s);
    }

    private void expressions(SqlNodeList list, Scope s) {
        if (list == null) {
            return;
        }
        for (SqlNode n : list) {
            expression(n, s);
        }
    }

    private void expression(SqlNode node, Scope s) {
        if (node == null) {
            return;
        }
        if (node instanceof SqlIdentifier id) {
            column(id, s);
            return;
        }
        if (node instanceof SqlNodeList list) {
            expressions(list, s);
            return;
        }
        if (node instanceof SqlDataTypeSpec) {
            return;
        }
        if (node instanceof SqlSelect || node instanceof SqlOrderBy || node instanceof SqlWith
                || node instanceof SqlModification || node instanceof SqlLockingQuery) {
            query(node, s);
            return;
        }
        if (node instanceof SqlCall call) {
            SqlKind kind = call.getKind();
            if (kind == SqlKind.UNION || kind == SqlKind.INTERSECT || kind == SqlKind.EXCEPT
                    || kind == SqlKind.EXPLICIT_TABLE) {
                query(node, s);
                return;
            }
            if (call.getOperator() instanceof SqlFunction f) {
                SqlIdentifier name = f.getSqlIdentifier();
                refs.function(name != null ? String.join(".", name.names).toLowerCase(Locale.ROOT)
                        : f.getName().toLowerCase(Locale.ROOT));
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
        }
    }

    /** Records a column reference if it resolves to a base table of some scope. */
    private void column(SqlIdentifier id, Scope s) {
        List<String> names = id.names;
        if (id.isStar()) {
            if (names.size() == 1) {
                for (TableName t : s.tables) {
                    refs.column(t, "*");
                }
            } else {
                TableName t = resolveQualifier(names.subList(0, names.size() - 1), s);
                if (t != null) {
                    refs.column(t, "*");
                }
            }
            return;
        }
        if (names.size() == 1) {
            if (s.inOrderOrGroup && s.outputNames.contains(names.get(0))) {
                return; // ORDER BY / GROUP BY of an output column name, not a table column
            }
            for (Scope sc = s; sc != null; sc = sc.parent) {
                if (sc.relations() == 0) {
                    continue;
                }
                if (sc.tables.size() == 1 && sc.derived.isEmpty()) {
                    refs.column(sc.tables.get(0), names.get(0));
                }
                return;
            }
            return;
        }
        TableName t = resolveQualifier(names.subList(0, names.size() - 1), s);
        if (t != null) {
            refs.column(t, names.get(names.size() - 1));
        }
    }

    private static TableName resolveQualifier(List<String> qualifier, Scope s) {
        String alias = qualifier.get(qualifier.size() - 1);
        for (Scope sc = s; sc != null; sc = sc.parent) {
            TableName t = sc.tablesByAlias.get(alias);
            if (t != null) {
                if (qualifier.size() == 1 || qualifier.get(qualifier.size() - 2).equals(t.schema())
                        || t.schema() == null) {
                    return t;
                }
            }
            if (sc.derived.contains(alias)) {
                return null;
            }
        }
        return null;
    }

    static TableName tableName(SqlIdentifier id) {
        List<String> n = id.names;
        return n.size() == 1 ? TableName.of(n.get(0)) : TableName.of(n.get(n.size() - 2), n.get(n.size() - 1));
    }

    private static String last(SqlIdentifier id) {
        return id.names.get(id.names.size() - 1);
    }
}
