package io.fenceline.proxy.fence;

import io.fenceline.config.group.ControlDatabase;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Properties;

/**
 * The first, friendly layer of the database fence: {@code ALTER SYSTEM SET default_transaction_read_only = on}
 * and a reload, verified on a fresh connection (not from the pool) until {@code SHOW} says {@code on}. Careless
 * clients get PostgreSQL's 25006 at their first write, before any trigger runs; but any session can lift it
 * ({@code BEGIN READ WRITE}, {@code SET}, startup options), which is why {@link TableTriggers} exist. The setting
 * lives in {@code postgresql.auto.conf}: a database restarted while fenced stays fenced.
 *
 * <p>It also sets {@code client_connection_check_interval} (when it is 0, PostgreSQL's default) so that a
 * backend running a statement for a client that has gone (a proxy killed: its sockets closed) notices within
 * that interval and aborts instead of committing whenever the statement ends.
 */
final class ReadOnlySetting {

    private static final Logger LOG = LoggerFactory.getLogger(ReadOnlySetting.class);

    private final ControlDatabase settings;
    private final String applicationName;
    private final Duration connectionCheck;
    private boolean connectionCheckDone;

    /** @param connectionCheck the {@code client_connection_check_interval} to set when it is 0; zero: leave it */
    ReadOnlySetting(ControlDatabase settings, String applicationName, Duration connectionCheck) {
        this.settings = settings;
        this.applicationName = applicationName;
        this.connectionCheck = connectionCheck;
    }

    /** Applies and verifies the setting (the caller skips this when it is verified already). */
    void apply(Connection c, boolean readOnly) throws SQLException {
        long start = System.nanoTime();
        int timeoutSeconds = (int) Math.max(1, settings.fenceTimeout().toSeconds());
        try (Statement s = c.createStatement()) {
            s.setQueryTimeout(timeoutSeconds);
            connectionCheck(s);
            s.execute(readOnly ? "ALTER SYSTEM SET default_transaction_read_only = on"
                    : "ALTER SYSTEM RESET default_transaction_read_only");
            s.execute("SELECT pg_reload_conf()");
        }
        verify(readOnly, start);
    }

    private void connectionCheck(Statement s) {
        if (connectionCheckDone || connectionCheck.isZero()) {
            return;
        }
        try {
            String current;
            try (ResultSet rs = s.executeQuery("SELECT setting FROM pg_catalog.pg_settings"
                    + " WHERE name = 'client_connection_check_interval'")) {
                current = rs.next() ? rs.getString(1) : null;
            }
            if ("0".equals(current)) {
                s.execute("ALTER SYSTEM SET client_connection_check_interval = '" + connectionCheck.toMillis() + "ms'");
                LOG.info("database {}: client_connection_check_interval set to {} ms (a statement whose client is"
                        + " gone is aborted within that time)", settings.jdbcUrl(), connectionCheck.toMillis());
            } else if (current != null && Long.parseLong(current) > connectionCheck.toMillis()) {
                LOG.warn("database {}: client_connection_check_interval is {} ms, longer than the {} ms the fence"
                        + " would set: statements of a client that has gone may run that long", settings.jdbcUrl(),
                        current, connectionCheck.toMillis());
            }
            connectionCheckDone = true;
        } catch (SQLException | NumberFormatException e) {
            connectionCheckDone = true;
            LOG.warn("database {}: could not set client_connection_check_interval ({}); statements of a client that"
                    + " has gone run to their end", settings.jdbcUrl(), e.getMessage());
        }
    }

    /** Polls a fresh connection until new transactions see the wanted setting, within the fence timeout. */
    private void verify(boolean readOnly, long startNanos) throws SQLException {
        String wanted = readOnly ? "on" : "off";
        long end = startNanos + settings.fenceTimeout().toNanos();
        String seen;
        Properties props = new Properties();
        props.setProperty("user", settings.user());
        if (settings.password() != null) {
            props.setProperty("password", settings.password());
        }
        props.setProperty("ApplicationName", applicationName);
        props.setProperty("connectTimeout", Long.toString(Math.max(1, settings.fenceTimeout().toSeconds())));
        while (true) {
            try (Connection c = DriverManager.getConnection(settings.jdbcUrl(), props);
                 Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SHOW default_transaction_read_only")) {
                seen = rs.next() ? rs.getString(1) : null;
            }
            if (wanted.equals(seen)) {
                return;
            }
            if (System.nanoTime() > end) {
                throw new SQLException("default_transaction_read_only is '" + seen + "' on a fresh connection to "
                        + settings.jdbcUrl() + ", wanted '" + wanted + "' within " + settings.fenceTimeout().toMillis()
                        + " ms of the reload");
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new SQLException("interrupted while verifying the fence of " + settings.jdbcUrl(), e);
            }
        }
    }
}
