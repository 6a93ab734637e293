package io.fenceline.proxy.sql.parser;

import java.util.List;

import org.apache.calcite.sql.SqlCall;
import org.apache.calcite.sql.SqlKind;
import org.apache.calcite.sql.SqlNode;
import org.apache.calcite.sql.SqlNodeList;
import org.apache.calcite.sql.SqlOperator;
import org.apache.calcite.sql.SqlSpecialOperator;
import org.apache.calcite.sql.SqlWriter;
import org.apache.calcite.sql.parser.SqlParserPos;

/**
 * A query with PostgreSQL row-locking clauses ({@code FOR UPDATE}, {@code FOR NO KEY UPDATE},
 * {@code FOR SHARE}, {@code FOR KEY SHARE}, optionally {@code OF t, …}, {@code NOWAIT} or
 * {@code SKIP LOCKED}). Locking rows writes their headers, and PostgreSQL refuses it in a read-only
 * transaction, so inspection treats the locked tables (all tables of the query when no {@code OF}
 * list is given) as written.
 */
public final class SqlLockingQuery extends SqlCall {

    private static final SqlOperator OPERATOR =
            new SqlSpecialOperator("PG_LOCKING_QUERY", SqlKind.OTHER);

    private final SqlNode query;
    private final SqlNodeList lockedTables;

    /** Called by the generated parser. */
    public SqlLockingQuery(SqlParserPos pos, SqlNode query, SqlNodeList lockedTables) {
        super(pos);
        this.query = query;
        this.lockedTables = lockedTables;
    }

    public SqlNode query() {
        return query;
    }

    /** The tables named after {@code OF}; empty when every table of the query is locked. */
    public SqlNodeList lockedTables() {
        return lockedTables;
    }

    @Override public SqlOperator getOperator() {
        return OPERATOR;
    }

    @Override public List<SqlNode> getOperandList() {
        return List.of(query, lockedTables);
    }

    /** A summary, not re-executable SQL. */
    @Override public void unparse(SqlWriter writer, int leftPrec, int rightPrec) {
        query.unparse(writer, 0, 0);
        writer.keyword("FOR UPDATE");
    }
}
