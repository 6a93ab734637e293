package io.fenceline.proxy.fence;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.fenceline.config.coordination.LeaseState;
import io.fenceline.config.coordination.MonotonicClock;
import io.fenceline.config.group.ControlDatabase;
import io.fenceline.config.group.FenceTriggers;
import io.fenceline.proxy.authority.LocalFence;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The database-side fence: makes the local PostgreSQL refuse writes from every connection, including those
 * that bypass the proxy and functions that write behind a SELECT. Three layers, each in its own class:
 * <ol>
 *   <li>{@link TableTriggers} — the layer no session can lift: a trigger on every table of the group refuses
 *       writes unless the server's clock is before {@code fenceline.fence_open_until}, which this fence
 *       advances to the lease deadline while the proxy is the writer ({@link LeaseWindow}) and sets to 1970 when it
 *       fences. Closed is the resting state: a proxy that dies, hangs or loses its database leaves it to close
 *       by itself at the deadline.</li>
 *   <li>{@link LargeObjectGrants} — with the triggers: {@code EXECUTE} on the large-object writers taken from
 *       everybody while fenced and given back exactly as recorded when unfenced ({@code pg_largeobject} is a
 *       catalog no trigger guards, and its writers commit in read-only transactions). {@link NewTableTrigger}
 *       guards a table from its creation.</li>
 *   <li>{@link ReadOnlySetting} — {@code default_transaction_read_only = on} through {@code ALTER SYSTEM}: the
 *       friendly 25006 for careless clients, which any session can lift.</li>
 *   <li>{@link OpenTransactions} — the sweep (and a handoff's drain) of transactions open at the fence.</li>
 * </ol>
 * Fencing closes the triggers first (one {@code setval}), then the setting, then sweeps; unfencing opens the
 * setting, covers new tables and opens the triggers until the current lease deadline.
 *
 * <h2>Failure handling</h2>
 * Requests converge on the latest one asked for, on one worker thread. An attempt is bounded by the
 * configured fence timeout (statement and connection timeouts); a failed attempt is logged with the target,
 * the attempt number and the error and retried with back-off, without end, until it succeeds or a later
 * request replaces its target. The fence's own pool sets {@code default_transaction_read_only = off} for its
 * sessions, so it can always act.
 */
public final class DatabaseFence implements LocalFence {

    private static final Logger LOG = LoggerFactory.getLogger(DatabaseFence.class);
    private static final AtomicInteger THREADS = new AtomicInteger();
    private static final String APPLICATION_NAME = "fenceline-fence";
    /** How often the worker looks at the lease (a volatile read; SQL only when the deadline moved). */
    static final long TICK_MILLIS = 100;

    /** Default size of the pool. */
    public static final int DEFAULT_POOL_SIZE = 3;

    /** What to do with transactions that hold a transaction id when the fence goes up. */
    public enum OpenWriters {
        /** Leave them (their commits succeed: only for tests of what PostgreSQL does by itself). */
        LEAVE,
        /** Cancel running statements, terminate idle writing transactions not owned by the proxy. */
        CANCEL_AND_TERMINATE
    }

    /**
     * The layer a session cannot lift, and what it needs to know of the writer's lease.
     *
     * @param triggers        whether to install and drive the table triggers, and who is exempt
     * @param hint            the HINT of the triggers' 25006 (names group and cluster)
     * @param lease           the lease keeper's state: the database is open only before the deadline of the lease
     *                        held when the authority asked for {@link #writable}
     * @param clock           the clock that deadline is read on
     * @param rho             bound on the rate difference between that clock and the database server's
     * @param connectionCheck {@code client_connection_check_interval} to set when the server has it at 0; zero:
     *                        leave it
     */
    public record Guard(FenceTriggers triggers, String hint, Supplier<LeaseState> lease, MonotonicClock clock,
                        double rho, Duration connectionCheck) {
        /** No triggers, nothing set but the read-only setting: the fence of before. */
        public static final Guard NONE = new Guard(FenceTriggers.off(), "", () -> new LeaseState.Acquiring("none"),
                MonotonicClock.SYSTEM, 0.01, Duration.ZERO);
    }

    /** {@code refusing}: see {@link LocalFence#readOnly(String, CompletableFuture)} (null for writable). */
    private record Request(boolean readOnly, String reason, CompletableFuture<Void> done,
                           CompletableFuture<Void> refusing) {}

    private final ControlDatabase settings;
    private final Guard guard;
    private final HikariDataSource pool;
    private final OpenWriters openWriters;
    private final ReadOnlySetting setting;
    private final TableTriggers triggers;
    private final LargeObjectGrants largeObjects = new LargeObjectGrants();
    private final OpenTransactions transactions;
    private final LeaseWindow window;
    private final ScheduledExecutorService worker;
    private final List<Request> pending = new ArrayList<>();
    private final AtomicInteger appliedChanges = new AtomicInteger();
    private volatile Boolean desiredReadOnly;
    private volatile Boolean verifiedReadOnly;
    private volatile boolean closed;

    /**
     * A fence without the table triggers (tests of the read-only setting and the sweep).
     *
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

    /** A fence without the table triggers; see the full constructor. */
    public DatabaseFence(ControlDatabase settings, Supplier<Set<Integer>> proxyBackends,
                         Supplier<Set<Integer>> heldBackends, Consumer<Set<Integer>> proxiedWriters,
                         OpenWriters openWriters, int poolSize) {
        this(settings, Guard.NONE, proxyBackends, heldBackends, proxiedWriters, openWriters, poolSize);
    }

    /**
     * @param guard          the table triggers and the lease they follow ({@link Guard#NONE}: none)
     * @param proxyBackends  pids of the proxy's own backends (from BackendKeyData), left to the proxy
     * @param heldBackends   pids of the proxy's backends whose session the proxy holds now (a write or commit
     *                       waiting at the gate): nothing runs on them, and nothing they did can commit before the
     *                       proxy releases them — which it does not while writes are paused. A drain does not
     *                       wait for them, although PostgreSQL shows a backend in the middle of an
     *                       extended-protocol batch (Parse/Bind forwarded, Execute held) as {@code active} in a
     *                       transaction begun before the fence.
     * @param proxiedWriters told, after the fence holds, which of the proxy's backends are in a transaction that
     *                       holds a transaction id (it wrote or locked rows, whatever the proxy saw of it: a
     *                       function can write behind a SELECT), so that the proxy rolls their commits back
     * @param poolSize       connections of the pool (fence, sweep and replication positions share it)
     */
    public DatabaseFence(ControlDatabase settings, Guard guard, Supplier<Set<Integer>> proxyBackends,
                         Supplier<Set<Integer>> heldBackends, Consumer<Set<Integer>> proxiedWriters,
                         OpenWriters openWriters, int poolSize) {
        if (poolSize < 2) {
            throw new IllegalArgumentException("the fence pool needs at least 2 connections, got " + poolSize);
        }
        this.settings = settings;
        this.guard = guard;
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
        int timeoutSeconds = (int) Math.max(1, settings.fenceTimeout().toSeconds());
        this.setting = new ReadOnlySetting(settings, APPLICATION_NAME, guard.connectionCheck());
        this.triggers = new TableTriggers(guard.triggers(), guard.hint());
        this.transactions = new OpenTransactions(pool, settings.jdbcUrl(), timeoutSeconds, proxyBackends,
                heldBackends, proxiedWriters);
        this.window = new LeaseWindow(triggers, guard, pool, settings.jdbcUrl());
        this.worker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "fenceline-fence-" + THREADS.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        if (triggers.enabled()) {
            worker.scheduleWithFixedDelay(this::tick, TICK_MILLIS, TICK_MILLIS, TimeUnit.MILLISECONDS);
        }
    }

    @Override
    public CompletableFuture<Void> readOnly(String reason) {
        return request(true, reason, null);
    }

    @Override
    public CompletableFuture<Void> readOnly(String reason, CompletableFuture<Void> refusing) {
        CompletableFuture<Void> done = request(true, reason, refusing);
        done.whenComplete((x, e) -> refusing.complete(null));
        return done;
    }

    @Override
    public CompletableFuture<Void> writable(String reason) {
        return request(false, reason, null);
    }

    /** The fence's small control pool, shared with replication-position queries. */
    public javax.sql.DataSource dataSource() {
        return pool;
    }

    /** The state last verified on a fresh connection: true read-only, false writable, null unknown. */
    public Boolean verifiedReadOnly() {
        return verifiedReadOnly;
    }

    /** How many times the read-only setting was applied and verified (for tests of idempotence). */
    public int appliedChanges() {
        return appliedChanges.get();
    }

    @Override
    public CompletableFuture<Void> drain(String reason, Duration bound) {
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
                    window.close();
                    largeObjects(true);
                    setting(true);
                    transactions.drain(end);
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

    private CompletableFuture<Void> request(boolean readOnly, String reason, CompletableFuture<Void> refusing) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        synchronized (pending) {
            if (closed) {
                done.completeExceptionally(new IllegalStateException("database fence for " + settings.jdbcUrl()
                        + " is closed; cannot make it " + (readOnly ? "read-only" : "writable")));
                return done;
            }
            if (!readOnly) {
                // The authority asks right after it confirmed the writer key with this lease held.
                window.aimAtCurrentLease();
            }
            desiredReadOnly = readOnly;
            pending.add(new Request(readOnly, reason, done, refusing));
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
            if (target.equals(verifiedReadOnly) && !needsApply(target)) {
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

    private boolean needsApply(boolean target) {
        // A repeated read-only request closes and sweeps again (cheap, and catches late writers); a writable one
        // opens the triggers for the lease of the request (it may be a new lease).
        return triggers.enabled() || (target && openWriters == OpenWriters.CANCEL_AND_TERMINATE);
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

    /**
     * Fence: triggers closed, large-object writers revoked, setting on, sweep. Unfence: setting off, large-object
     * writers restored, new tables covered, triggers open.
     */
    private void apply(boolean readOnly) throws SQLException {
        if (readOnly) {
            window.close();
            // The setting before the rest: with it on, a statement that starts now is refused whatever its role
            // (the triggers let their exempt roles through), so the authority may send its cancels.
            setting(true);
            refusing();
            largeObjects(true);
            if (openWriters == OpenWriters.CANCEL_AND_TERMINATE) {
                transactions.sweep();
            }
            return;
        }
        setting(false);
        largeObjects(false);
        window.open();
    }

    /** With the triggers: EXECUTE on the large-object writers revoked (fenced) or restored as recorded. */
    private void largeObjects(boolean fenced) throws SQLException {
        if (!triggers.enabled()) {
            return;
        }
        try (Connection c = pool.getConnection()) {
            if (fenced) {
                largeObjects.revoke(c);
            } else {
                largeObjects.restore(c);
            }
        }
    }

    /** A layer that refuses new statements' writes is in place: the pending read-only requests may say so. */
    private void refusing() {
        List<CompletableFuture<Void>> waiting = new ArrayList<>();
        synchronized (pending) {
            for (Request r : pending) {
                if (r.readOnly() && r.refusing() != null) {
                    waiting.add(r.refusing());
                }
            }
        }
        waiting.forEach(f -> f.complete(null));
    }

    /** Applies and verifies the read-only setting unless it is verified already. */
    private void setting(boolean readOnly) throws SQLException {
        if (Boolean.valueOf(readOnly).equals(verifiedReadOnly)) {
            return;
        }
        long start = System.nanoTime();
        try (Connection c = pool.getConnection()) {
            setting.apply(c, readOnly);
        }
        verifiedReadOnly = readOnly;
        appliedChanges.incrementAndGet();
        LOG.warn("database {} is now {} ({} ms)", settings.jdbcUrl(), readOnly ? "READ-ONLY (fenced)" : "writable",
                (System.nanoTime() - start) / 1_000_000);
    }

    /** Every {@link #TICK_MILLIS} on the worker: see {@link LeaseWindow#tick}. */
    private void tick() {
        if (!closed) {
            window.tick(Boolean.FALSE.equals(desiredReadOnly));
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
                + verifiedReadOnly + ", triggers " + (triggers.enabled() ? "on" : "off") + "]";
    }
}
