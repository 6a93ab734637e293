package io.fenceline.proxy.fence;

import io.fenceline.config.coordination.LeaseState;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.SQLException;

/**
 * Keeps the {@link TableTriggers}' "open until" within the writer's lease: opened at unfencing until the
 * deadline of the lease held when the authority asked, pushed to each new deadline of that same lease (the
 * keeper renews every TTL/3; {@link #tick} looks every {@value DatabaseFence#TICK_MILLIS} ms), closed at
 * fencing and as soon as that lease is no longer held. Between two pushes the database stays open only until
 * the last deadline pushed: if nothing pushes (the proxy died, hangs, or cannot reach its database), it closes
 * by itself at that deadline. Every second it also covers new tables. Runs on the fence's worker thread only.
 */
final class LeaseWindow {

    private static final Logger LOG = LoggerFactory.getLogger(LeaseWindow.class);
    /** Every how many ticks new tables are covered (1 s), and the objects checked again (10 s). */
    private static final int COVER_TICKS = 10;
    private static final int INSTALL_TICKS = 100;

    private final TableTriggers triggers;
    private final DatabaseFence.Guard guard;
    private final DataSource pool;
    private final String url;
    /** The lease held when the authority asked to write: set on the caller's thread. */
    private volatile long lease;
    private boolean open;
    private long pushedDeadline;
    private long ticks;
    private int failures;

    LeaseWindow(TableTriggers triggers, DatabaseFence.Guard guard, DataSource pool, String url) {
        this.triggers = triggers;
        this.guard = guard;
        this.pool = pool;
        this.url = url;
    }

    /** Remembers the lease held now: the one the authority confirmed the writer key with, a moment ago. */
    void aimAtCurrentLease() {
        lease = guard.lease().get() instanceof LeaseState.Held h ? h.leaseId() : 0;
    }

    /** Closes the triggers (installing them first if needed) and covers new tables. */
    void close() throws SQLException {
        if (!triggers.enabled()) {
            return;
        }
        try (Connection c = pool.getConnection()) {
            if (!triggers.installed()) {
                triggers.install(c);
            }
            triggers.close(c);
            open = false;
            pushedDeadline = 0;
            cover(c);
        }
    }

    /** Installs, covers new tables, and opens until the deadline of the aimed lease; fails if it is not held. */
    void open() throws SQLException {
        if (!triggers.enabled()) {
            return;
        }
        try (Connection c = pool.getConnection()) {
            triggers.install(c);
            cover(c);
            long aimed = lease;
            LeaseState state = guard.lease().get();
            if (!(state instanceof LeaseState.Held h && h.leaseId() == aimed && aimed != 0)) {
                throw new SQLException("the lease " + aimed + " the write authority asked to write under is not"
                        + " held (" + state + "): the table triggers stay closed");
            }
            push(c, h.deadlineNanos());
            open = true;
        }
    }

    private void push(Connection c, long deadlineNanos) throws SQLException {
        long value = triggers.openUntil(c, deadlineNanos, guard.clock(), guard.rho());
        pushedDeadline = deadlineNanos;
        if (value == OpenUntil.CLOSED) {
            throw new SQLException("the lease deadline has passed: the table triggers stay closed");
        }
        LOG.debug("database fence on {}: open until {} (server clock, ms since 1970)", url, value);
    }

    private void cover(Connection c) {
        try {
            triggers.cover(c);
        } catch (SQLException e) {
            LOG.error("database fence on {}: could not check which tables lack the trigger: [{}] {}", url,
                    e.getSQLState(), e.getMessage());
        }
    }

    /**
     * @param writable whether the fence still wants the database writable (read on the caller's side just
     *                 before: a later fence request runs after this tick on the same thread and closes again)
     */
    void tick(boolean writable) {
        if (!triggers.enabled()) {
            return;
        }
        ticks++;
        try {
            if (open && writable) {
                LeaseState state = guard.lease().get();
                long now = guard.clock().nanoTime();
                if (state instanceof LeaseState.Held h && h.leaseId() == lease && now < h.deadlineNanos()) {
                    if (h.deadlineNanos() != pushedDeadline) {
                        try (Connection c = pool.getConnection()) {
                            push(c, h.deadlineNanos());
                        }
                    }
                } else {
                    try (Connection c = pool.getConnection()) {
                        triggers.close(c);
                    }
                    open = false;
                    LOG.warn("database fence on {}: lease {} no longer held before its deadline ({}): table"
                            + " triggers closed ahead of the authority's fence", url, lease, state);
                }
            }
            if (ticks % COVER_TICKS == 0) {
                try (Connection c = pool.getConnection()) {
                    if (!triggers.installed() || ticks % INSTALL_TICKS == 0) {
                        triggers.install(c);
                    }
                    triggers.cover(c);
                }
            }
            failures = 0;
        } catch (SQLException | RuntimeException e) {
            // The database closes by itself at the last deadline pushed; the first failure of a streak is logged.
            if (failures++ % 50 == 0) {
                LOG.warn("database fence on {}: renewing or covering failed ({} in a row): [{}] {}", url, failures,
                        e instanceof SQLException s ? s.getSQLState() : "-", e.getMessage());
            }
        }
    }
}
