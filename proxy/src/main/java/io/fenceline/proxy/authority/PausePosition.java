package io.fenceline.proxy.authority;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The position a handoff's pause publishes, read once the drain returned and nothing can commit after it any
 * more. The drain ({@link LocalFence#drain}) fences the database and waits for running writes, cancelling what
 * still runs at its bound — but it returns as soon as it sent those cancels, and it leaves alone what it cannot
 * see as a running write. So before the position is read:
 * <ol>
 *   <li>Prepared transactions ({@code pg_prepared_xacts}) refuse the pause: {@code COMMIT PREPARED} is allowed in
 *       a read-only transaction, so any of them could commit after the position, on a cluster that is no longer
 *       the writer. The operator commits or rolls them back first.</li>
 *   <li>Every client backend whose transaction holds a transaction id is settled: one still running (not held
 *       by the proxy) is cancelled again — a cancel that arrives between two commands is dropped — until it
 *       stopped, within the bound; the proxy's own idle (or held) backends are reported to the sessions, so
 *       their COMMIT rolls back (what wrote may have been invisible to the proxy: a function behind a SELECT);
 *       another idle one is terminated.</li>
 *   <li>The insert position is read ({@link ReplicationLag#localWalLsn}), at or after every acknowledged commit,
 *       and the call returns once the WAL is flushed up to it, since WAL senders send flushed WAL only.</li>
 * </ol>
 * Runs on the authority's database thread; throws (with the state it saw) when the pause cannot be made safe.
 */
final class PausePosition {

    private static final Logger LOG = LoggerFactory.getLogger(PausePosition.class);
    private static final long RETRY_MILLIS = 20;

    private PausePosition() {
    }

    /**
     * The sweep of a pause given up because the authority was lost: the database fence queues behind a drain
     * still waiting, so running statements holding a transaction id are cancelled from here at once, idle
     * bypassing ones terminated, and the proxy's own reported. Best effort (logged); the fence follows.
     */
    static void sweepNow(ReplicationLag database, SessionFence sessions, String group) {
        try {
            settle(database, sessions, new HashSet<>(), group);
        } catch (RuntimeException e) {
            LOG.error("group {}: sweeping writers after losing authority during a handoff pause failed: {}", group,
                    e.getMessage());
        }
    }

    static long read(ReplicationLag database, SessionFence sessions, Duration bound, String group) {
        long end = System.nanoTime() + bound.toNanos();
        List<String> prepared = database.preparedTransactions();
        if (!prepared.isEmpty()) {
            throw new IllegalStateException("prepared transactions " + prepared + " could commit after the pause "
                    + "(COMMIT PREPARED is allowed in a read-only database): COMMIT PREPARED or ROLLBACK PREPARED "
                    + "them, then ask again");
        }
        Set<Integer> reported = new HashSet<>();
        while (true) {
            Set<Integer> running = settle(database, sessions, reported, group);
            if (running.isEmpty()) {
                break;
            }
            if (System.nanoTime() > end) {
                throw new IllegalStateException("backends " + running + " still run writes " + bound.toMillis()
                        + " ms after the drain cancelled them");
            }
            sleep();
        }
        long lsn = database.localWalLsn();
        database.awaitFlushed(lsn, Duration.ofNanos(Math.max(1, end - System.nanoTime())));
        return lsn;
    }

    /** One round: reports, terminates and cancels as the class describes; returns what was still running. */
    private static Set<Integer> settle(ReplicationLag database, SessionFence sessions, Set<Integer> reported,
                                       String group) {
        Map<Integer, String> holders = database.transactionIdHolders();
        Set<Integer> ours = sessions.backendPids();
        Set<Integer> held = sessions.heldBackendPids();
        Set<Integer> running = new HashSet<>();
        Set<Integer> report = new HashSet<>();
        Set<Integer> terminate = new HashSet<>();
        holders.forEach((pid, state) -> {
            boolean active = state.equals("active");
            if (ours.contains(pid) && (!active || held.contains(pid))) {
                report.add(pid);
            } else if (active) {
                running.add(pid);
            } else if (state.equals("idle in transaction")) {
                terminate.add(pid);
            }
        });
        report.removeAll(reported);
        if (!report.isEmpty()) {
            // Before anything else: from now on their COMMIT rolls back.
            sessions.wroteInDatabase(Set.copyOf(report));
            reported.addAll(report);
            LOG.warn("group {}: handoff pause: the proxy's backends {} hold a transaction id; their commits roll"
                    + " back", group, report);
        }
        if (!terminate.isEmpty()) {
            database.terminate(terminate);
            LOG.warn("group {}: handoff pause: terminated idle writing transactions of backends {}", group,
                    terminate);
        }
        if (!running.isEmpty()) {
            database.cancel(running);
            LOG.warn("group {}: handoff pause: cancelled the running writes of backends {}", group, running);
        }
        running.addAll(terminate);
        return running;
    }

    private static void sleep() {
        try {
            Thread.sleep(RETRY_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while settling the handoff pause", e);
        }
    }
}
