package io.fenceline.proxy.fence;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Transactions that were open when the fence went up: neither {@code default_transaction_read_only} (it
 * applies to transactions that start later) nor the triggers (they check each statement as it starts) stop a
 * transaction that wrote before the fence from committing after it. The sweep ({@link #sweep}) and the drain
 * ({@link #drain}) deal with them; both need a live proxy (a proxy that died leaves them: see
 * docs/safety-database.md).
 */
final class OpenTransactions {

    private static final Logger LOG = LoggerFactory.getLogger(OpenTransactions.class);
    /** Client transactions holding a transaction id: they wrote or locked rows and can still commit. */
    private static final String SWEEP = """
            SELECT pid, state = 'active', coalesce(query, '') FROM pg_stat_activity
             WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()
               AND backend_xid IS NOT NULL AND state IN ('active', 'idle in transaction')
            """;
    /**
     * What a denial that the proxy sends in place of a client's statement contains ({@code
     * StatementPath.raiseBlock}: {@code DO $fl$BEGIN RAISE EXCEPTION USING ERRCODE = '…'}). It writes nothing
     * and fails its transaction; cancelling it would only turn the client's 25006 into 57014.
     */
    private static final String PROXY_DENIAL = "BEGIN RAISE EXCEPTION USING ERRCODE = '";
    /** Transactions that may still write: they hold an xid, or began before the fence held (parameter). */
    private static final String WRITERS = """
            SELECT pid, state FROM pg_stat_activity
             WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()
               AND state IN ('active', 'idle in transaction')
               AND (backend_xid IS NOT NULL OR xact_start < ?::timestamptz)
            """;

    private final DataSource pool;
    private final String url;
    private final int timeoutSeconds;
    private final Supplier<Set<Integer>> proxyBackends;
    private final Supplier<Set<Integer>> heldBackends;
    private final Consumer<Set<Integer>> proxiedWriters;

    OpenTransactions(DataSource pool, String url, int timeoutSeconds, Supplier<Set<Integer>> proxyBackends,
                     Supplier<Set<Integer>> heldBackends, Consumer<Set<Integer>> proxiedWriters) {
        this.pool = pool;
        this.url = url;
        this.timeoutSeconds = timeoutSeconds;
        this.proxyBackends = proxyBackends;
        this.heldBackends = heldBackends;
        this.proxiedWriters = proxiedWriters;
    }

    /**
     * Deals with every client transaction that holds a transaction id once the fence holds (so no new one can
     * start writing): the proxy's own backends are reported to the proxy, whose sessions then roll back their
     * COMMIT; a running statement is cancelled (unless it is the proxy's own denial); a bypassing backend idle in
     * such a transaction is terminated.
     */
    void sweep() throws SQLException {
        Set<Integer> proxied = proxyBackends.get();
        Set<Integer> reported = new HashSet<>();
        List<Integer> cancelled = new ArrayList<>();
        List<Integer> terminated = new ArrayList<>();
        try (Connection c = pool.getConnection(); Statement s = c.createStatement()) {
            s.setQueryTimeout(timeoutSeconds);
            try (ResultSet rs = s.executeQuery(SWEEP)) {
                while (rs.next()) {
                    int pid = rs.getInt(1);
                    boolean active = rs.getBoolean(2);
                    boolean ours = proxied.contains(pid);
                    if (ours) {
                        reported.add(pid);
                    }
                    if (active && !(ours && rs.getString(3).contains(PROXY_DENIAL))) {
                        cancelled.add(pid);
                    } else if (!active && !ours) {
                        terminated.add(pid);
                    }
                }
            }
        }
        // Reported before anything is signalled: a cancelled statement leaves its transaction to its COMMIT.
        if (!reported.isEmpty()) {
            proxiedWriters.accept(Set.copyOf(reported));
        }
        signal("pg_cancel_backend", cancelled);
        signal("pg_terminate_backend", terminated);
        if (!cancelled.isEmpty() || !terminated.isEmpty() || !reported.isEmpty()) {
            LOG.warn("database fence on {}: cancelled running writes of backends {}, terminated idle writing "
                    + "transactions of backends {}, reported proxy backends {} to the proxy (their commits roll back)",
                    url, cancelled, terminated, reported);
        }
    }

    /**
     * Waits until no client statement that may write is running: one that holds a transaction id, or whose
     * transaction began before the fence held (it is read-write and may not have written yet). Ends idle
     * such transactions that bypass the proxy; cancels what still runs at {@code endNanos}.
     */
    void drain(long endNanos) throws SQLException {
        Set<Integer> proxied = proxyBackends.get();
        String fencedAt;
        try (Connection c = pool.getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT clock_timestamp()::text")) {
            rs.next();
            fencedAt = rs.getString(1);
        }
        while (true) {
            List<Integer> active = new ArrayList<>();
            List<Integer> idle = new ArrayList<>();
            // Read before the query: while paused, a held session is only ever released without writing.
            Set<Integer> held = heldBackends.get();
            try (Connection c = pool.getConnection(); PreparedStatement s = c.prepareStatement(WRITERS)) {
                s.setQueryTimeout(timeoutSeconds);
                s.setString(1, fencedAt);
                try (ResultSet rs = s.executeQuery()) {
                    while (rs.next()) {
                        (rs.getString(2).equals("active") ? active : idle).add(rs.getInt(1));
                    }
                }
            }
            idle.removeAll(proxied);
            if (!idle.isEmpty()) {
                signal("pg_terminate_backend", idle);
                LOG.warn("database fence on {}: terminated idle writing transactions of backends {}", url, idle);
            }
            active.removeAll(held);
            if (active.isEmpty()) {
                return;
            }
            if (System.nanoTime() > endNanos) {
                signal("pg_cancel_backend", active);
                LOG.warn("database fence on {}: writes of backends {} still running at the drain bound; cancelled",
                        url, active);
                return;
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new SQLException("interrupted while draining writers of " + url, e);
            }
        }
    }

    private void signal(String function, List<Integer> pids) throws SQLException {
        if (pids.isEmpty()) {
            return;
        }
        try (Connection c = pool.getConnection();
             PreparedStatement t = c.prepareStatement("SELECT " + function + "(?)")) {
            t.setQueryTimeout(timeoutSeconds);
            for (int pid : pids) {
                t.setInt(1, pid);
                t.execute();
            }
        }
    }
}
