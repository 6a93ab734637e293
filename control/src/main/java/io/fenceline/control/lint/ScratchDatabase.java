package io.fenceline.control.lint;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The database lint runs statements in: like Atlas's dev database, one that holds the current schema and
 * that control may freely use. Lint never commits into it; to lint several phases in a row it makes a
 * throwaway copy ({@code CREATE DATABASE ... TEMPLATE}, which needs CREATEDB and no other session on the
 * scratch database), commits phases into the copy, and drops it. It must never be a production database.
 */
public final class ScratchDatabase {

    private static final Pattern URL = Pattern.compile("(jdbc:postgresql://[^/?]*/)([^?]*)(\\?.*)?");

    private final String jdbcUrl;

    private ScratchDatabase(String jdbcUrl) {
        this.jdbcUrl = jdbcUrl;
    }

    /** A scratch database reached through a JDBC URL ({@code jdbc:postgresql://host:port/db?user=...}). */
    public static ScratchDatabase of(String jdbcUrl) {
        return new ScratchDatabase(jdbcUrl);
    }

    /** A new connection; the caller closes it. */
    public Connection connect() throws SQLException {
        return DriverManager.getConnection(jdbcUrl);
    }

    /** The URL without its password. */
    public String describe() {
        return jdbcUrl.replaceAll("(?i)(password=)[^&]*", "$1***");
    }

    /**
     * Copies this database into a new one named {@code fenceline_lint_<random>}; closing the copy drops it.
     *
     * @throws SQLException if the copy cannot be made (no CREATEDB, another session on the scratch database,
     *                      or a URL whose database name cannot be found)
     */
    Copy copy() throws SQLException {
        Matcher m = URL.matcher(jdbcUrl);
        if (!m.matches() || m.group(2).isEmpty()) {
            throw new SQLException("cannot find the database name in " + describe());
        }
        String source = m.group(2);
        String params = m.group(3) == null ? "" : m.group(3);
        String admin = m.group(1) + (source.equals("postgres") ? "template1" : "postgres") + params;
        String name = "fenceline_lint_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        try (Connection c = DriverManager.getConnection(admin); Statement st = c.createStatement()) {
            st.execute("CREATE DATABASE " + name + " TEMPLATE \"" + source.replace("\"", "\"\"") + "\"");
        }
        return new Copy(new ScratchDatabase(m.group(1) + name + params), admin, name);
    }

    /** A throwaway copy of the scratch database; {@link #close()} drops it. */
    static final class Copy implements AutoCloseable {
        private final ScratchDatabase database;
        private final String adminUrl;
        private final String name;

        private Copy(ScratchDatabase database, String adminUrl, String name) {
            this.database = database;
            this.adminUrl = adminUrl;
            this.name = name;
        }

        ScratchDatabase database() {
            return database;
        }

        String name() {
            return name;
        }

        @Override
        public void close() throws SQLException {
            try (Connection c = DriverManager.getConnection(adminUrl); Statement st = c.createStatement()) {
                st.execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
            }
        }
    }
}
