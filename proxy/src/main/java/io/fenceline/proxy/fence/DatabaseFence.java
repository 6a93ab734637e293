package io.fenceline.proxy.fence;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.fenceline.config.group.ControlDatabase;
import io.fenceline.proxy.authority.LocalFence;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The database-side fence: makes the local PostgreSQL refuse writes from every connection, including those
 * that bypass the proxy and functions that write behind a SELECT.
 *
 * <h2>What it does</h2>
 * Fence: {@code ALTER SYSTEM SET default_transaction_read_only = on} and {@code SELECT pg_reload_conf()};
 * then it opens a fresh connection (not from the pool) and polls {@code SHOW default_transaction_read_only}
 * until it says {@code on} — only then is the fence in place for new transactions. Unfence: {@code ALTER
 * SYSTEM RESET default_transaction_read_only} + reload, verified the same way. The setting lives in {@code
 * postgresql.auto.conf}, so a database restarted while fenced stays fenced until the proxy lifts it.
 *
 * <h2>Transactions already open</h2>
 * {@code default_transaction_read_only} applies to transactions that start after a backend processed the
 * reload; a transaction that was open before commits its writes normally. So after the fence is verified,
 * every client backend whose transaction holds a transaction id ({@code backend_xid IS NOT NULL}: it wrote,
 * or locked rows) is dealt with: a running statement is cancelled ({@code pg_cancel_backend}: the statement
 * fails and an explicit transaction can only roll back), a backend idle in such a transaction is terminated
 * ({@code pg_terminate_backend}: the transaction aborts) unless it is one of the proxy's own backends. Those
 * sessions stay up: the proxy is told their pids and turns their COMMIT into ROLLBACK, also when what wrote
 * was invisible to it (a function called by a SELECT). The proxy's own denial (a {@code DO} block raising the
 * client's 25006) is not cancelled. What this cannot catch: a bypassing
 * transaction that began before the fence, had not written when swept, and writes later — the margin and the
 * proxy-side steps cover the proxy's clients; docs/write-authority.md names the residue.
 *
 * <h2>Failure handling</h2>
 * Requests converge on the latest one asked for, on one worker thread. An attempt is bounded by the
 * configured fence timeout (statement and connection timeouts); a failed attempt is logged with the target,
 * the attempt number and the error and retried with back-off, without end, until it succeeds or a later
 * request replaces its target. The fence's own pool sets {@code default_transaction_read_only = off} for its
 * sessions, so it can always act. It is not a security boundary: a superuser bypassing the proxy can still
 * {@code SET default_transaction_read_only = off}.
 */
public final class DatabaseFence implements LocalFence {

    private static final Logger LOG = LoggerFactory.getLogger(DatabaseFence.class);
    private static final AtomicInteger THREADS = new AtomicInteger();
    private static final String APPLICATION_NAME = "fenceline-fence";
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
    /** What to do with transactions that hold a transaction id when the fence goes up. */
    public enum OpenWriters {
        /** Leave them (their commits succeed: only for tests of what PostgreSQL does by itself). */
        LEAVE,
        /** Cancel running statements, terminate idle writing transactions not owned by the proxy. */
        CANCEL_AND_TERMINATE
    }

    private record Request(boolean readOnly, String reason, CompletableFuture<Void> done) {}

    private final ControlDatabase settings;
    private final HikariDataSource pool;
    private final Supplier<Set<Integer>> proxyBackends;
    private final Supplier<Set<Integer>> heldBackends;
    private final Consumer<Set<Integer>> proxiedWriters;
    /** Default size of the pool. */
    public static final int DEFAULT_POOL_SIZE = 3;

    private final OpenWriters openWriters;
    private final ExecutorService worker;
    private final List<Request> pending = new ArrayList<>();
    private final AtomicInteger appliedChanges = new AtomicInteger();
    private volatile Boolean desiredReadOnly;
    private volatile Boolean verifiedReadOnly;
    private volatile boolean closed;

    /**
     * @param proxyBackends pids of the proxy's own backends (from BackendKeyData), left to the proxy
     */
    public DatabaseFence(ControlDatabase settings, Supplier<Set<Integer>> proxyBackends, OpenWriters openWriters) {
        this(settings, proxyBackends, openWriters, DEFAULT_POOL_SIZE);
    }

    /**
     * @param proxyBackends pids of the proxy's own backends (from BackendKeyData), left to the proxy
     * @param poolSize      connections of the pool (fence, sweep and replication positions share it)
     */
    public DatabaseFence(ControlDatabase settings, Supplier<Set<Integer>> proxyBackends, OpenWriters openWriters,
                         int poolSize) {
        this(settings, proxyBackends, Set::of, pids -> { }, openWriters, poolSize);
    }

    /**
     * @param proxyBackends pids of the proxy's own backends (from BackendKeyData), left to the proxy
     * @param heldBackends  pids of the proxy's backends whose session the proxy holds now (a write or commit
     *                      waiting at the gate): nothing runs on them, and nothing they did can commit before the
     *                      proxy releases them — which it does not while writes are paused. A drain does not
     *                      wait for them, although PostgreSQL shows a backend in the middle of an
     *                      extended-protocol batch (Parse/Bind forwarded, Execute held) as {@code active} in a
     *                      transaction begun before the fence.
     * @param proxiedWriters told, after the fence holds, which of the proxy's backends are in a transaction that
     *                      holds a transaction id (it wrote or locked rows, whatever the proxy saw of it: a
     *                      function can write behind a SELECT), so that the proxy rolls their commits back
     * @param poolSize      connections of the pool (fence, sweep and replication positions share it)
     */
    public DatabaseFence(ControlDatabase settings, Supplier<Set<Integer>> proxyBackends,
                         Supplier<Set<Integer>> heldBackends, Consumer<Set<Integer>> proxiedWriters,
                         OpenWriters openWriters, int poolSize) {
        if (poolSize < 2) {
            throw new IllegalArgumentException("the fence pool needs at least 2 connections, got " + poolSize);
        }
        this.settings = settings;
        this.proxyBackends = proxyBackends;
        this.heldBackends = heldBackends;
        this.proxiedWriters = proxiedWriters;
        this.openWriters = openWriters;
        HikariConfig config = new HikariConfig();
        config.setPoolName("fenceline-fence");
        config.setJdbcUrl(settings.jdbcUrl());
        config.setUsername(settings.user());
        if (settings.password() != null) {
            config.setPassword(settings.password());
        }
        config.setMaximumPoolSize(poolSize);
        config.setMinimumIdle(0);
        config.setConnectionTimeout(Math.max(250, settings.fenceTimeout().toMillis()));
        config.setValidationTimeout(Math.max(250, settings.fenceTimeout().toMillis() / 2));
        config.setInitializationFailTimeout(-1);
        config.setConnectionInitSql("SET default_transaction_read_only = off");
        config.addDataSourceProperty("ApplicationName", APPLICATION_NAME);
        config.addDataSourceProperty("connectTimeout", Long.toString(Math.max(1, settings.fenceTimeout().toSeconds())));
        this.pool = new HikariDataSource(config);
        this.worker = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "fenceline-fence-" + THREADS.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    @Override
    public CompletableFuture<Void> readOnly(String reason) {
        return request(true, reason);
    }

    @Override
    public CompletableFuture<Void> writable(String reason) {
        return request(false, reason);
    }

    /** The fence's small control pool, shared with replication-position queries. */
    public javax.sql.DataSource dataSource() {
        return pool;
    }

    /** The state last verified on a fresh connection: true read-only, false writable, null unknown. */
    public Boolean verifiedReadOnly() {
        return verifiedReadOnly;
    }

    /** How many times the fence was applied and verified (for tests of idempotence). */
    public int appliedChanges() {
        return appliedChanges.get();
    }

    @Override
    public CompletableFuture<Void> drain(String reason, java.time.Duration bound) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        synchronized (pending) {
            if (closed) {
                done.completeExceptionally(new IllegalStateException("database fence for " + settings.jdbcUrl()
                        + " is closed; cannot drain it"));
                return done;
            }
            desiredReadOnly = true;
        }
        worker.execute(() -> {
            long end = System.nanoTime() + bound.toNanos();
            int attempt = 0;
            while (!closed && Boolean.TRUE.equals(desiredReadOnly)) {
                attempt++;
                try {
                    setting(true);
                    drainWriters(end);
                    settle(true);
                    done.complete(null);
                    return;
                } catch (SQLException | RuntimeException e) {
                    LOG.error("database fence on {}: drain attempt {} ({}) failed: [{}] {}", settings.jdbcUrl(),
                            attempt, reason, e instanceof SQLException s ? s.getSQLState() : "-", e.getMessage());
                    verifiedReadOnly = null;
                    if (System.nanoTime() > end) {
                        done.completeExceptionally(e);
                        return;
                    }
                    try {
                        Thread.sleep(100);
                    } catch (InterruptedException interrupted) {
                        Thread.currentThread().interrupt();
                        done.completeExceptionally(interrupted);
                        return;
                    }
                }
            }
            done.completeExceptionally(new CancellationException("drain of " + settings.jdbcUrl() + " (" + reason
                    + ") replaced by a request to make it writable"));
        });
        return done;
    }

    /**
     * Waits until no client statement that may write is running: one that holds a transaction id, or whose
     * transaction began before the fence held (it is read-write and may not have written yet). Ends idle
     * such transactions that bypass the proxy.
     */
    private void drainWriters(long endNanos) throws SQLException {
        Set<Integer> proxied = proxyBackends.get();
        int timeoutSeconds = (int) Math.max(1, settings.fenceTimeout().toSeconds());
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
                signal("pg_terminate_backend", idle, timeoutSeconds);
                LOG.warn("database fence on {}: terminated idle writing transactions of backends {}",
                        settings.jdbcUrl(), idle);
            }
            active.removeAll(held);
            if (active.isEmpty()) {
                return;
            }
            if (System.nanoTime() > endNanos) {
                signal("pg_cancel_backend", active, timeoutSeconds);
                LOG.warn("database fence on {}: writes of backends {} still running at the drain bound; cancelled",
                        settings.jdbcUrl(), active);
                return;
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new SQLException("interrupted while draining writers of " + settings.jdbcUrl(), e);
            }
        }
    }

    private void signal(String function, List<Integer> pids, int timeoutSeconds) throws SQLException {
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

    private CompletableFuture<Void> request(boolean readOnly, String reason) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        synchronized (pending) {
            if (closed) {
                done.completeExceptionally(new IllegalStateException("database fence for " + settings.jdbcUrl()
                        + " is closed; cannot make it " + (readOnly ? "read-only" : "writable")));
                return done;
            }
            desiredReadOnly = readOnly;
            pending.add(new Request(readOnly, reason, done));
        }
        worker.execute(this::converge);
        return done;
    }

    /** Brings the database to the latest desired state, retrying until it is there or the target changes. */
    private void converge() {
        long backoffMillis = 100;
        int attempt = 0;
        while (!closed) {
            Boolean target = desiredReadOnly;
            if (target == null) {
                return;
            }
            if (target.equals(verifiedReadOnly) && !needsSweep(target)) {
                settle(target);
                return;
            }
            attempt++;
            try {
                apply(target);
                settle(target);
                return;
            } catch (SQLException | RuntimeException e) {
                LOG.error("database fence on {}: attempt {} to make it {} failed (state verified {}): [{}] {}; "
                                + "retrying in {} ms", settings.jdbcUrl(), attempt, target ? "read-only" : "writable",
                        verifiedReadOnly, e instanceof SQLException s ? s.getSQLState() : "-", e.getMessage(),
                        backoffMillis);
                verifiedReadOnly = null;
                try {
                    Thread.sleep(backoffMillis);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    return;
                }
                backoffMillis = Math.min(1000, backoffMillis * 2);
            }
        }
    }

    private boolean needsSweep(boolean target) {
        // A repeated read-only request sweeps open writers again (cheap, and catches late ones).
        return target && openWriters == OpenWriters.CANCEL_AND_TERMINATE;
    }

    private void settle(boolean target) {
        List<Request> done = new ArrayList<>();
        synchronized (pending) {
            if (!Boolean.valueOf(target).equals(desiredReadOnly)) {
                return;
            }
            done.addAll(pending);
            pending.clear();
        }
        for (Request r : done) {
            if (r.readOnly() == target) {
                r.done().complete(null);
            } else {
                r.done().completeExceptionally(new CancellationException("database fence request to make "
                        + settings.jdbcUrl() + (r.readOnly() ? " read-only" : " writable") + " (" + r.reason()
                        + ") was replaced by a later opposite request"));
            }
        }
    }

    private void apply(boolean readOnly) throws SQLException {
        setting(readOnly);
        if (readOnly && openWriters == OpenWriters.CANCEL_AND_TERMINATE) {
            sweepOpenWriters((int) Math.max(1, settings.fenceTimeout().toSeconds()));
        }
    }

    /** Applies and verifies the setting unless it is verified already. */
    private void setting(boolean readOnly) throws SQLException {
        if (Boolean.valueOf(readOnly).equals(verifiedReadOnly)) {
            return;
        }
        long start = System.nanoTime();
        int timeoutSeconds = (int) Math.max(1, settings.fenceTimeout().toSeconds());
        try (Connection c = pool.getConnection(); Statement s = c.createStatement()) {
            s.setQueryTimeout(timeoutSeconds);
            s.execute(readOnly ? "ALTER SYSTEM SET default_transaction_read_only = on"
                    : "ALTER SYSTEM RESET default_transaction_read_only");
            s.execute("SELECT pg_reload_conf()");
        }
        verify(readOnly, start);
        verifiedReadOnly = readOnly;
        appliedChanges.incrementAndGet();
        LOG.warn("database {} is now {} ({} ms)", settings.jdbcUrl(), readOnly ? "READ-ONLY (fenced)" : "writable",
                (System.nanoTime() - start) / 1_000_000);
    }

    /** Polls a fresh connection until new transactions see the wanted setting, within the fence timeout. */
    private void verify(boolean readOnly, long startNanos) throws SQLException {
        String wanted = readOnly ? "on" : "off";
        long end = startNanos + settings.fenceTimeout().toNanos();
        String seen = null;
        Properties props = new Properties();
        props.setProperty("user", settings.user());
        if (settings.password() != null) {
            props.setProperty("password", settings.password());
        }
        props.setProperty("ApplicationName", APPLICATION_NAME);
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

    /**
     * Deals with every client transaction that holds a transaction id once the fence holds (so no new one can
     * start writing): the proxy's own backends are reported to the proxy, whose sessions then roll back their
     * COMMIT; a running statement is cancelled (unless it is the proxy's own denial); a bypassing backend idle in
     * such a transaction is terminated.
     */
    private void sweepOpenWriters(int timeoutSeconds) throws SQLException {
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
        signal("pg_cancel_backend", cancelled, timeoutSeconds);
        signal("pg_terminate_backend", terminated, timeoutSeconds);
        if (!cancelled.isEmpty() || !terminated.isEmpty() || !reported.isEmpty()) {
            LOG.warn("database fence on {}: cancelled running writes of backends {}, terminated idle writing "
                    + "transactions of backends {}, reported proxy backends {} to the proxy (their commits roll back)",
                    settings.jdbcUrl(), cancelled, terminated, reported);
        }
    }

    @Override
    public void close() {
        List<Request> left;
        synchronized (pending) {
            closed = true;
            left = new ArrayList<>(pending);
            pending.clear();
        }
        for (Request r : left) {
            r.done().completeExceptionally(new IllegalStateException("database fence for " + settings.jdbcUrl()
                    + " closed before " + (r.readOnly() ? "fencing" : "unfencing") + " completed"));
        }
        worker.shutdownNow();
        try {
            if (!worker.awaitTermination(settings.fenceTimeout().toMillis() + 1000, TimeUnit.MILLISECONDS)) {
                LOG.warn("database fence worker for {} did not stop within the fence timeout", settings.jdbcUrl());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        pool.close();
    }

    @Override
    public String toString() {
        return "DatabaseFence[" + settings.jdbcUrl() + ", desired read-only " + desiredReadOnly + ", verified "
                + verifiedReadOnly + "]";
    }
}
