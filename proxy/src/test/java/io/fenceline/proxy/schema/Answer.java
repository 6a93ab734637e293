package io.fenceline.proxy.schema;

import org.postgresql.PGResultSetMetaData;
import org.postgresql.util.PSQLException;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * What PostgreSQL (or the proxy in front of it) answered to one statement, for {@link ColumnResolutionIT}: an
 * error with its SQLSTATE and message, or the result's columns (label, and the base column PostgreSQL names in
 * RowDescription's table OID and attribute number, when it gives one) and rows as text.
 */
record Answer(String sqlState, String message, List<Column> columns, List<List<String>> rows) {

    /** One column of a RowDescription: its label and its origin {@code schema.table.column} ("" when none). */
    record Column(String label, String origin) {}

    boolean failed() {
        return sqlState != null;
    }

    /** A refusal of the proxy's schema check (its messages name the version). */
    boolean refusedByProxy() {
        return failed() && message.contains("schema version");
    }

    /**
     * A refusal that version N's catalog causes on PostgreSQL: unknown relation or column, and the width errors
     * a {@code *} expanded to the version's columns gives (as the fuzz harness's schema oracle counts them).
     */
    boolean refusedByCatalog() {
        return failed() && (sqlState.equals("42P01") || sqlState.equals("42703") || sqlState.equals("42P10")
                || sqlState.equals("42601") && (message.contains("more expressions than target columns")
                        || message.contains("same number of columns")));
    }

    @Override
    public String toString() {
        if (failed()) {
            return sqlState + " " + message;
        }
        return columns + " " + rows;
    }

    static Answer error(String sqlState, String message) {
        return new Answer(sqlState, message, List.of(), List.of());
    }

    /** Runs {@code sql} on {@code c} (autocommit as the connection has it) and reads what came back. */
    static Answer of(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement()) {
            if (!s.execute(sql)) {
                return new Answer(null, null, List.of(new Column("count", "")), List.of(List.of(
                        Integer.toString(s.getUpdateCount()))));
            }
            try (ResultSet rs = s.getResultSet()) {
                return read(rs);
            }
        } catch (PSQLException e) {
            String m = e.getServerErrorMessage() == null ? e.getMessage() : e.getServerErrorMessage().getMessage();
            return error(e.getSQLState(), m);
        }
    }

    static Answer read(ResultSet rs) throws SQLException {
        ResultSetMetaData md = rs.getMetaData();
        PGResultSetMetaData pg = md.unwrap(PGResultSetMetaData.class);
        List<Column> cols = new ArrayList<>();
        for (int k = 1; k <= md.getColumnCount(); k++) {
            String table = pg.getBaseTableName(k);
            String origin = table == null || table.isEmpty() ? ""
                    : pg.getBaseSchemaName(k) + "." + table + "." + pg.getBaseColumnName(k);
            cols.add(new Column(md.getColumnLabel(k), origin));
        }
        List<List<String>> rows = new ArrayList<>();
        while (rs.next()) {
            List<String> row = new ArrayList<>();
            for (int k = 1; k <= cols.size(); k++) {
                row.add(rs.getString(k));
            }
            rows.add(row);
        }
        return new Answer(null, null, cols, rows);
    }

    /**
     * This answer (the live database's, through the proxy) without the columns a {@code *} widened it by: walking
     * both column lists in order, a column of this answer that does not match {@code reference}'s next one is
     * dropped when it is outside the version — its origin is a column outside {@code version} ({@code
     * outside.test(origin)}), or it has no origin and its label is a column name outside the version (a
     * RETURNING list, a function's result). Null when a column that is not outside the version would have to go:
     * the two answers differ in a way a {@code *} does not explain.
     */
    Answer narrowedTo(Answer reference, java.util.function.Predicate<String> outsideOrigin, Set<String> outsideNames) {
        List<Integer> keep = new ArrayList<>();
        int r = 0;
        for (int k = 0; k < columns.size(); k++) {
            Column c = columns.get(k);
            boolean matches = r < reference.columns.size() && reference.columns.get(r).label().equals(c.label())
                    && (c.origin().isEmpty() || !outsideOrigin.test(c.origin()));
            if (matches) {
                keep.add(k);
                r++;
                continue;
            }
            boolean outside = c.origin().isEmpty() ? outsideNames.contains(c.label()) : outsideOrigin.test(c.origin());
            if (!outside) {
                return null;
            }
        }
        List<Column> cols = new ArrayList<>();
        for (int k : keep) {
            cols.add(columns.get(k));
        }
        List<List<String>> narrowed = new ArrayList<>();
        for (List<String> row : rows) {
            List<String> n = new ArrayList<>();
            for (int k : keep) {
                n.add(row.get(k));
            }
            narrowed.add(n);
        }
        return new Answer(null, null, cols, narrowed);
    }

    /** Same labels and rows (origins are not compared: the two databases' OIDs differ). */
    boolean sameResult(Answer other) {
        if (failed() || other.failed() || columns.size() != other.columns.size()) {
            return false;
        }
        for (int k = 0; k < columns.size(); k++) {
            if (!columns.get(k).label().equals(other.columns.get(k).label())) {
                return false;
            }
        }
        return rows.equals(other.rows);
    }
}
