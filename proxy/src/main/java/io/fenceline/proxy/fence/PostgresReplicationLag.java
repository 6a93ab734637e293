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
 *       keepalive when it has caught up and the subscriber has not yet confirmed its position. That keepalive
 *       can be skipped when the subscriber confirmed the last commit first, so the position also takes the
 *       subscription's replication origin ({@code pg_replication_origin_status.remote_lsn}): the end of the
 *       last applied commit record, and commits are sent in commit order, so everything before it is applied
 *       too. The greater of the two is used; each alone is a sound lower bound. ({@code received_lsn} is not
 *       used: it can run ahead of what was applied.) A disabled subscription keeps its origin's last applied
 *       position, which is still true, just old. Both positions are the apply worker's only: while any table of
 *       the subscription is not yet {@code ready} in {@code pg_subscription_rel} (its initial copy and catch-up
 *       run in a table-sync worker with its own origin), the position is unknown — a handoff found a target
 *       "caught up" whose table still lacked acknowledged rows.</li>
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
        // Unknown (null) while a table of the subscription is still being synchronised: its rows arrive through a
        // table-sync worker with an origin of its own, which the apply worker's positions below do not cover.
        return query("SELECT CASE WHEN EXISTS (SELECT 1 FROM pg_subscription_rel r JOIN pg_subscription s"
                + " ON s.oid = r.srsubid WHERE s.subname = ? AND r.srsubstate <> 'r') THEN NULL ELSE greatest("
                + "(SELECT max(latest_end_lsn) FROM pg_stat_subscription WHERE subname = ? AND relid IS NULL),"
                + " (SELECT o.remote_lsn FROM pg_replication_origin_status o JOIN pg_subscription s"
                + " ON o.external_id = 'pg_' || s.oid WHERE s.subname = ?)) - '0/0'::pg_lsn END", subscription);
    }

    private OptionalLong query(String sql, String parameter) {
        try (Connection c = database.getConnection(); PreparedStatement s = c.prepareStatement(sql)) {
            s.setQueryTimeout(timeoutSeconds);
            if (parameter != null) {
                for (int i = 1; i <= s.getParameterMetaData().getParameterCount(); i++) {
                    s.setString(i, parameter);
                }
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
