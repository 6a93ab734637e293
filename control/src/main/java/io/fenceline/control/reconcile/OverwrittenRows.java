package io.fenceline.control.reconcile;

import io.fenceline.control.verify.Key;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * {@code fenceline.overwritten_rows} on each cluster reconcile writes to: every row it inserted, changed or
 * deleted there, with the row as it was ({@code old_row}, null when the cluster had none), the row written
 * ({@code new_row}), the run and the source cluster. Nothing is lost: an operator can put a row back from it.
 */
public final class OverwrittenRows {

    static final String SETUP = """
            CREATE SCHEMA IF NOT EXISTS fenceline;
            CREATE TABLE IF NOT EXISTS fenceline.overwritten_rows (
                id bigserial PRIMARY KEY,
                run_id text NOT NULL,
                table_name text NOT NULL,
                key jsonb NOT NULL,
                change text NOT NULL CHECK (change IN ('insert', 'update', 'delete')),
                old_row jsonb,
                new_row jsonb,
                source_cluster text NOT NULL,
                at timestamptz NOT NULL DEFAULT now()
            )""";

    private OverwrittenRows() {
    }

    /** Creates the table if absent. */
    static void ensure(Connection c) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute(SETUP);
        }
    }

    /** Keeps one overwritten row (in the caller's transaction, with the change itself). */
    static void keep(Connection c, String runId, Change change, String source) throws SQLException {
        try (PreparedStatement st = c.prepareStatement("INSERT INTO fenceline.overwritten_rows (run_id, table_name,"
                + " key, change, old_row, new_row, source_cluster) VALUES (?, ?, to_jsonb(?::text[]), ?, ?::jsonb,"
                + " ?::jsonb, ?)")) {
            Key key = change.key();
            st.setString(1, runId);
            st.setString(2, change.table());
            st.setArray(3, c.createArrayOf("text", key.values().toArray()));
            st.setString(4, change.action());
            st.setString(5, change.oldRow());
            st.setString(6, change.newRow());
            st.setString(7, source);
            st.executeUpdate();
        }
    }
}
