package io.fenceline.control.lint;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;

/**
 * The database lint runs statements in: like Atlas's dev database, one that holds the current schema and
 * that control may freely change. Lint only ever rolls back, but it still must never be a production
 * database.
 */
@FunctionalInterface
public interface ScratchDatabase {

    /** A new connection; the caller closes it. */
    Connection connect() throws SQLException;

    /** A scratch database reached through a JDBC URL ({@code jdbc:postgresql://host:port/db?user=...}). */
    static ScratchDatabase of(String jdbcUrl) {
        return () -> DriverManager.getConnection(jdbcUrl);
    }
}
