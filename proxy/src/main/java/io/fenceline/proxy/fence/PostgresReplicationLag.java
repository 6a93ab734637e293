package io.fenceline.proxy.fence;

import io.fenceline.proxy.authority.ReplicationLag;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.OptionalLong;

/**
 * Replication positions read from the local PostgreSQL.
 *
 * <ul>
 *   <li>Own WAL position: {@code pg_current_wal_lsn()}.</li>
 *   <li>Applied position of the writer's WAL, for a logical-replication subscriber:
 *       {@code pg_stat_subscription.latest_end_lsn} of the subscription's apply worker. It is set when the
 *       apply worker handles a keepalive from the writer's WAL sender, which carries the sender's position;
 *       the worker handles messages in order and applies each transaction at its commit, so every change
 *       the writer made before that position is applied and visible here. An idle sender sends such a
 *       keepalive as soon as it has caught up, so after writes stop the position reaches the writer's
 *       {@code pg_current_wal_lsn()} within a round trip. ({@code received_lsn} is not used: it can run ahead
 *       of what was applied.)</li>
 *   <li>For a physical standby (in recovery): {@code pg_last_wal_replay_lsn()}, in the same WAL stream.</li>
 * </ul>
 * The lag compared with a bound is therefore "bytes of the writer's WAL not yet applied here", measured
 * against the position the writer published.
 */
public final class PostgresReplicationLag implements ReplicationLag {

    private final DataSource database;
    private final String subscription;
    private final int timeoutSeconds;

    /**
     * @param subscription the subscription bringing the writer's changes, or null for a physical standby
     */
    public PostgresReplicationLag(DataSource database, String subscription, int timeoutSeconds) {
        this.database = database;
        this.subscription = subscription;
        this.timeoutSeconds = timeoutSeconds;
    }

    @Override
    public long localWalLsn() {
        OptionalLong lsn = query("SELECT pg_current_wal_lsn() - '0/0'::pg_lsn", null);
        return lsn.orElseThrow(() -> new IllegalStateException("pg_current_wal_lsn() returned no value"));
    }

    @Override
    public OptionalLong appliedUpstreamLsn() {
        if (subscription == null) {
            return query("SELECT CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn() - '0/0'::pg_lsn END",
                    null);
        }
        return query("SELECT max(latest_end_lsn) - '0/0'::pg_lsn FROM pg_stat_subscription"
                + " WHERE subname = ? AND relid IS NULL", subscription);
    }

    private OptionalLong query(String sql, String parameter) {
        try (Connection c = database.getConnection(); PreparedStatement s = c.prepareStatement(sql)) {
            s.setQueryTimeout(timeoutSeconds);
            if (parameter != null) {
                s.setString(1, parameter);
            }
            try (ResultSet rs = s.executeQuery()) {
                if (!rs.next()) {
                    return OptionalLong.empty();
                }
                java.math.BigDecimal v = rs.getBigDecimal(1);
                return v == null ? OptionalLong.empty() : OptionalLong.of(v.longValueExact());
            }
        } catch (SQLException e) {
            throw new IllegalStateException("replication position query failed [" + e.getSQLState() + "] "
                    + e.getMessage() + "; query: " + sql + (parameter == null ? "" : " (" + parameter + ")"), e);
        }
    }
}
