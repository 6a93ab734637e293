package io.fenceline.proxy.sql;

import java.util.Locale;

import org.apache.calcite.sql.SqlBasicTypeNameSpec;
import org.apache.calcite.sql.SqlCall;
import org.apache.calcite.sql.SqlDataTypeSpec;
import org.apache.calcite.sql.SqlFunction;
import org.apache.calcite.sql.SqlIdentifier;
import org.apache.calcite.sql.SqlKind;
import org.apache.calcite.sql.SqlNode;
import org.apache.calcite.sql.SqlUserDefinedTypeNameSpec;

/** The names PostgreSQL gives a query's output columns (its FigureColname), which later references may use. */
final class OutputNames {

    private OutputNames() {
    }

    /** PostgreSQL's FigureColname, for the names later references may use. */
    static String outputName(SqlNode e) {
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
}
