package io.fenceline.proxy.authority;

import io.fenceline.config.records.WalPosition;

import java.time.Duration;
import java.util.List;
import java.util.OptionalLong;
import java.util.Set;

/**
 * Replication positions of the local database, as byte positions in a WAL stream, and what a handoff's pause
 * must see before it publishes one. Calls may block on the database (the authority runs them off its own
 * thread) and fail with an unchecked exception naming the query when the database cannot answer.
 */
public interface ReplicationLag {

    /**
     * The local database's own WAL position as the writer publishes it: the insert position
     * ({@code pg_current_wal_insert_lsn()}), at or after the end of every commit already acknowledged — also of
     * asynchronous commits ({@code synchronous_commit = off}), which the write position does not cover yet.
     */
    long localWalLsn();

    /**
     * Waits (up to {@code bound}) until the WAL up to {@code lsn} is flushed ({@code pg_current_wal_flush_lsn()}):
     * a WAL sender sends only flushed WAL, so a subscriber can reach a position only once it is flushed.
     * Throws when the bound passes first.
     */
    default void awaitFlushed(long lsn, Duration bound) {
    }

    /** The logical replication slots of the local database, published with its WAL position. */
    default List<String> logicalSlots() {
        return List.of();
    }

    /**
     * The position in {@code upstream}'s WAL up to which every change is applied and visible here, or empty when
     * unknown: not replicating from that cluster (no subscription here uses one of the slots it published), a
     * table still synchronising, or not replicating at all. Comparable with {@code upstream.lsn()} only.
     */
    OptionalLong appliedUpstreamLsn(WalPosition upstream);

    /** Bytes this database is behind {@code upstream}, or empty when its position of that WAL is unknown. */
    default OptionalLong lagBehind(WalPosition upstream) {
        OptionalLong applied = appliedUpstreamLsn(upstream);
        return applied.isPresent() ? OptionalLong.of(Math.max(0, upstream.lsn() - applied.getAsLong()))
                : OptionalLong.empty();
    }

    /**
     * Prepared transactions of the local database ({@code pg_prepared_xacts}, their gids): {@code COMMIT
     * PREPARED} is allowed in a read-only transaction, so each can commit after the fence.
     */
    default List<String> preparedTransactions() {
        return List.of();
    }

    /**
     * Client backends whose transaction holds a transaction id (it wrote or locked rows and can still commit), by
     * pid, each mapped to its {@code pg_stat_activity.state} ({@code active}, {@code idle in transaction}, ...).
     */
    default java.util.Map<Integer, String> transactionIdHolders() {
        return java.util.Map.of();
    }

    /** Cancels the running statement of each of {@code pids} ({@code pg_cancel_backend}). */
    default void cancel(Set<Integer> pids) {
    }

    /** Ends each of {@code pids} ({@code pg_terminate_backend}): an open transaction rolls back. */
    default void terminate(Set<Integer> pids) {
    }
}
