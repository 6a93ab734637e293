package io.fenceline.proxy.sql.parser;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;

import org.apache.calcite.sql.SqlCall;
import org.apache.calcite.sql.SqlIdentifier;
import org.apache.calcite.sql.SqlKind;
import org.apache.calcite.sql.SqlNode;
import org.apache.calcite.sql.SqlNodeList;
import org.apache.calcite.sql.SqlOperator;
import org.apache.calcite.sql.SqlSpecialOperator;
import org.apache.calcite.sql.SqlWriter;
import org.apache.calcite.sql.parser.SqlParserPos;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * A PostgreSQL data-modifying statement (INSERT, UPDATE, DELETE, MERGE) as inspection sees it.
 *
 * <p>The node keeps what decides a verdict rather than what Calcite's validator would need: the
 * {@link #target() target} table and its alias, the target columns assigned, the {@link #sources()
 * sources} read (INSERT's query, UPDATE's FROM list, DELETE's USING list, MERGE's USING item), every
 * expression evaluated against target and sources (SET values, WHERE, ON CONFLICT target and
 * condition, MERGE conditions and values) and the RETURNING list. Inside expressions of an
 * INSERT … ON CONFLICT, the pseudo-table {@code excluded} names the row proposed for insertion.
 */
public final class SqlModification extends SqlCall {

    /** Which statement this is. */
    public enum Operation { INSERT, UPDATE, DELETE, MERGE }

    private static final SqlOperator OPERATOR =
            new SqlSpecialOperator("PG_MODIFICATION", SqlKind.OTHER);

    private final Operation operation;
    private final SqlIdentifier target;
    private final @Nullable SqlIdentifier alias;
    private final SqlNodeList targetColumns;
    private final SqlNodeList sources;
    private final SqlNodeList expressions;
    private final SqlNodeList returning;

    /** Called by the generated parser. */
    public SqlModification(SqlParserPos pos, Operation operation, SqlIdentifier target,
            @Nullable SqlIdentifier alias, SqlNodeList targetColumns, SqlNodeList sources,
            SqlNodeList expressions, SqlNodeList returning) {
        super(pos);
        this.operation = Objects.requireNonNull(operation, "operation");
        this.target = Objects.requireNonNull(target, "target");
        this.alias = alias;
        this.targetColumns = targetColumns;
        this.sources = sources;
        this.expressions = expressions;
        this.returning = returning;
    }

    public Operation operation() {
        return operation;
    }

    public SqlIdentifier target() {
        return target;
    }

    public @Nullable SqlIdentifier alias() {
        return alias;
    }

    public SqlNodeList targetColumns() {
        return targetColumns;
    }

    public SqlNodeList sources() {
        return sources;
    }

    public SqlNodeList expressions() {
        return expressions;
    }

    public SqlNodeList returning() {
        return returning;
    }

    @Override public SqlOperator getOperator() {
        return OPERATOR;
    }

    @Override public List<SqlNode> getOperandList() {
        return Arrays.asList(target, alias, targetColumns, sources, expressions, returning);
    }

    /** A summary, not re-executable SQL: the inspector never sends a tree back to PostgreSQL. */
    @Override public void unparse(SqlWriter writer, int leftPrec, int rightPrec) {
        writer.keyword(operation.name());
        target.unparse(writer, 0, 0);
    }
}
