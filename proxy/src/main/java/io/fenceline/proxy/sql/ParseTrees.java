package io.fenceline.proxy.sql;

import java.util.ArrayList;
import java.util.List;

import io.fenceline.proxy.sql.parser.SqlLockingQuery;
import io.fenceline.proxy.sql.parser.SqlModification;
import org.apache.calcite.sql.SqlCall;
import org.apache.calcite.sql.SqlFunction;
import org.apache.calcite.sql.SqlIdentifier;
import org.apache.calcite.sql.SqlKind;
import org.apache.calcite.sql.SqlNode;
import org.apache.calcite.sql.SqlOrderBy;
import org.apache.calcite.sql.SqlSelect;
import org.apache.calcite.sql.SqlWith;

/**
 * What the two walks of a parse tree ({@link TreeAnalyzer}, which records what a statement references, and
 * {@link Resolver}, which resolves its columns against a catalog) read the same way: table names, which nodes
 * inside an expression are queries of their own, and which operands of a call are values.
 */
final class ParseTrees {

    private ParseTrees() {
    }

    /** The table an identifier names: its last part, and the part before as the schema when written. */
    static TableName tableName(SqlIdentifier id) {
        List<String> n = id.names;
        return n.size() == 1 ? TableName.of(n.get(0)) : TableName.of(n.get(n.size() - 2), n.get(n.size() - 1));
    }

    /**
     * Whether {@code node}, met inside an expression, is a query of its own (a scalar or EXISTS subquery, a set
     * operation, {@code TABLE t}, a DML statement in a CTE): it is walked as a query, not as a call.
     */
    static boolean isQuery(SqlNode node) {
        if (node instanceof SqlSelect || node instanceof SqlOrderBy || node instanceof SqlWith
                || node instanceof SqlModification || node instanceof SqlLockingQuery) {
            return true;
        }
        if (!(node instanceof SqlCall call)) {
            return false;
        }
        SqlKind kind = call.getKind();
        return kind == SqlKind.UNION || kind == SqlKind.INTERSECT || kind == SqlKind.EXCEPT
                || kind == SqlKind.EXPLICIT_TABLE;
    }

    /**
     * The operands of a call that are values to walk: not the alias of {@code AS}, nor the {@code *} of
     * {@code count(*)} (no column).
     */
    static List<SqlNode> valueOperands(SqlCall call) {
        boolean function = call.getOperator() instanceof SqlFunction;
        List<SqlNode> operands = call.getOperandList();
        List<SqlNode> out = new ArrayList<>(operands.size());
        for (int k = 0; k < operands.size(); k++) {
            if (call.getKind() == SqlKind.AS && k > 0) {
                break;
            }
            SqlNode operand = operands.get(k);
            if (function && operand instanceof SqlIdentifier id && id.isStar()) {
                continue;
            }
            out.add(operand);
        }
        return out;
    }
}
