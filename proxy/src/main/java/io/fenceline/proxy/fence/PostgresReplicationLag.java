package io.fenceline.proxy.fence;

import io.fenceline.config.records.WalPosition;
import io.fenceline.config.wal.WalEnd;
import io.fenceline.proxy.authority.ReplicationLag;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;

/**
 * Replication positions read from the local PostgreSQL.
 *
 * <ul>
 *   <li>Own WAL position: {@code pg_current_wal_insert_lsn()}. The write position ({@code pg_current_wal_lsn()})
 *       is not enough: with {@code synchronous_commit = off} a commit is acknowledged once its record is
 *       inserted, before the WAL writer wrote it, so the write position can lie before acknowledged commits. A
 *       handoff then waits until {@code pg_current_wal_flush_lsn()} passes the insert position, since WAL
 *       senders send flushed WAL only.</li>
 *   <li>Applied position of another cluster's WAL, for a logical-replication subscriber: the subscription whose
 *       slot ({@code pg_subscription.subslotname}) is one of the slots that cluster published with its
 *       position — never a subscription to some other cluster, whose WAL positions are not comparable. Then
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
 *   <li>For a physical standby (in recovery, no subscription configured): {@code pg_last_wal_replay_lsn()}, in
 *       its primary's WAL stream.</li>
 * </ul>
 * The lag compared with a bound is therefore "bytes of the writer's WAL not yet applied here", measured
 * against the position the writer published.
 */
public final class PostgresReplicationLag implements ReplicationLag {

    private static final String APPLIED = "SELECT CASE WHEN EXISTS (SELECT 1 FROM pg_subscription_rel r"
            + " WHERE r.srsubid = s.oid AND r.srsubstate <> 'r') THEN NULL ELSE greatest("
            + "(SELECT max(latest_end_lsn) FROM pg_stat_subscription st WHERE st.subid = s.oid AND st.relid IS NULL),"
            + " (SELECT o.remote_lsn FROM pg_replication_origin_status o WHERE o.external_id = 'pg_' || s.oid))"
            + " - '0/0'::pg_lsn END, s.subname FROM pg_subscription s"
            + " WHERE s.subdbid = (SELECT oid FROM pg_database WHERE datname = current_database())"
            + " AND s.subslotname = ANY (?)";

    /** The end of the inserted WAL, read as {@code verify} and the rollout gate read it. */
    private static final String INSERT_POSITION = WalEnd.QUERY;

    private final DataSource database;
    private final String subscription;
    private final int timeoutSeconds;

    /**
     * @param subscription a subscription bringing the writer's changes (the proxy is a logical subscriber and
     *                     looks the right one up per writer), or null for a physical standby
     */
    public PostgresReplicationLag(DataSource database, String subscription, int timeoutSeconds) {
        this.database = database;
        this.subscription = subscription;
        this.timeoutSeconds = timeoutSeconds;
    }

    @Override
    public long localWalLsn() {
        try (Connection c = database.getConnection(); PreparedStatement s = c.prepareStatement(INSERT_POSITION)) {
            s.setQueryTimeout(timeoutSeconds);
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                return endOfWal(rs.getLong(1), rs.getLong(2), rs.getLong(3));
            }
        } catch (SQLException e) {
            throw failed(e, INSERT_POSITION);
        }
    }

    /** The end of the WAL written so far, from the insert position ({@link WalEnd#of}). */
    static long endOfWal(long insert, long pageSize, long segmentSize) {
        return WalEnd.of(insert, pageSize, segmentSize);
    }

    /**
     * The WAL writer flushes on its own only up to the last asynchronous commit and whole pages: records of a
     * transaction still open (a writer's, left to its COMMIT) can stay unflushed indefinitely. So each round also
     * commits a transaction with {@code synchronous_commit = local} that writes only a logical decoding message
     * ({@code pg_logical_emit_message}): its commit flushes the WAL up to its own record, past {@code lsn}. It
     * changes no table, and pgoutput passes messages only to subscribers that ask for them.
     */
    @Override
    public void awaitFlushed(long lsn, Duration bound) {
        long end = System.nanoTime() + bound.toNanos();
        while (true) {
            long flushed = query("SELECT pg_current_wal_flush_lsn() - '0/0'::pg_lsn").orElse(0);
            if (flushed >= lsn) {
                return;
            }
            if (System.nanoTime() > end) {
                throw new IllegalStateException("WAL flushed only to " + flushed + " within " + bound.toMillis()
                        + " ms, wanted " + lsn + " (pg_current_wal_flush_lsn())");
            }
            flushNow();
            sleep(5);
        }
    }

    private void flushNow() {
        try (Connection c = database.getConnection(); java.sql.Statement s = c.createStatement()) {
            s.setQueryTimeout(timeoutSeconds);
            boolean auto = c.getAutoCommit();
            c.setAutoCommit(false);
            try {
                s.execute("SET LOCAL synchronous_commit = local");
                s.execute("SET LOCAL transaction_read_only = off");
                // A transactional message: WAL of its own (an xid alone writes none, and such a commit is not
                // flushed); pgoutput sends messages only to subscribers asking for them, so this replicates nothing.
                s.execute("SELECT pg_logical_emit_message(true, 'fenceline', 'flush the WAL for a handoff pause')");
                c.commit();
            } finally {
                c.setAutoCommit(auto);
            }
        } catch (SQLException e) {
            throw failed(e, "a commit to flush the WAL");
        }
    }

    @Override
    public List<String> logicalSlots() {
        List<String> slots = new ArrayList<>();
        try (Connection c = database.getConnection(); PreparedStatement s = c.prepareStatement(
                "SELECT slot_name FROM pg_replication_slots WHERE slot_type = 'logical'"
                        + " AND database = current_database() ORDER BY slot_name")) {
            s.setQueryTimeout(timeoutSeconds);
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    slots.add(rs.getString(1));
                }
            }
        } catch (SQLException e) {
            throw failed(e, "pg_replication_slots");
        }
        return slots;
    }

    @Override
    public OptionalLong appliedUpstreamLsn(WalPosition upstream) {
        if (subscription == null) {
            return query("SELECT CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn() - '0/0'::pg_lsn END");
        }
        if (upstream.slots().isEmpty()) {
            return OptionalLong.empty();
        }
        try (Connection c = database.getConnection(); PreparedStatement s = c.prepareStatement(APPLIED)) {
            s.setQueryTimeout(timeoutSeconds);
            s.setArray(1, c.createArrayOf("text", upstream.slots().toArray()));
            try (ResultSet rs = s.executeQuery()) {
                // Exactly one subscription of this database uses one of the cluster's slots; none or several:
                // which WAL this database applied is not known, so neither is the lag.
                if (!rs.next()) {
                    return OptionalLong.empty();
                }
                java.math.BigDecimal v = rs.getBigDecimal(1);
                if (rs.next()) {
                    return OptionalLong.empty();
                }
                return v == null ? OptionalLong.empty() : OptionalLong.of(v.longValueExact());
            }
        } catch (SQLException e) {
            throw failed(e, APPLIED + " (slots " + upstream.slots() + ")");
        }
    }

    @Override
    public List<String> preparedTransactions() {
        List<String> gids = new ArrayList<>();
        try (Connection c = database.getConnection(); PreparedStatement s = c.prepareStatement(
                "SELECT gid FROM pg_prepared_xacts WHERE database = current_database() ORDER BY prepared")) {
            s.setQueryTimeout(timeoutSeconds);
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    gids.add(rs.getString(1));
                }
            }
        } catch (SQLException e) {
            throw failed(e, "pg_prepared_xacts");
        }
        return gids;
    }

    @Override
    public Map<Integer, String> transactionIdHolders() {
        Map<Integer, String> pids = new LinkedHashMap<>();
        try (Connection c = database.getConnection(); PreparedStatement s = c.prepareStatement(
                "SELECT pid, coalesce(state, '') FROM pg_stat_activity WHERE backend_type = 'client backend'"
                        + " AND pid <> pg_backend_pid() AND backend_xid IS NOT NULL ORDER BY pid")) {
            s.setQueryTimeout(timeoutSeconds);
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    pids.put(rs.getInt(1), rs.getString(2));
                }
            }
        } catch (SQLException e) {
            throw failed(e, "pg_stat_activity");
        }
        return pids;
    }

    @Override
    public void cancel(Set<Integer> pids) {
        signal("pg_cancel_backend", pids);
    }

    @Override
    public void terminate(Set<Integer> pids) {
        signal("pg_terminate_backend", pids);
    }

    private void signal(String function, Set<Integer> pids) {
        try (Connection c = database.getConnection(); PreparedStatement s = c.prepareStatement(
                "SELECT " + function + "(?)")) {
            s.setQueryTimeout(timeoutSeconds);
            for (int pid : pids) {
                s.setInt(1, pid);
                s.execute();
            }
        } catch (SQLException e) {
            throw failed(e, function + " " + pids);
        }
    }

    private OptionalLong query(String sql) {
        try (Connection c = database.getConnection(); PreparedStatement s = c.prepareStatement(sql)) {
            s.setQueryTimeout(timeoutSeconds);
            try (ResultSet rs = s.executeQuery()) {
                if (!rs.next()) {
                    return OptionalLong.empty();
                }
                java.math.BigDecimal v = rs.getBigDecimal(1);
                return v == null ? OptionalLong.empty() : OptionalLong.of(v.longValueExact());
            }
        } catch (SQLException e) {
            throw failed(e, sql);
        }
    }

    private static IllegalStateException failed(SQLException e, String query) {
        return new IllegalStateException("replication position query failed [" + e.getSQLState() + "] "
                + e.getMessage() + "; query: " + query, e);
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the WAL flush", e);
        }
    }
}
