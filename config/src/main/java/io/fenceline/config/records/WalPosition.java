package io.fenceline.config.records;

import java.time.Instant;

/**
 * Value of {@code …/groups/{group}/wal} (not lease-bound, so it outlives the writer): the WAL position the
 * writer's database had reached, published periodically and at a handoff's pause. A candidate compares its
 * applied position of that cluster's WAL with {@code lsn} before taking over. Only a writer with an epoch at
 * least {@code epoch} may replace it.
 *
 * @param cluster the writer cluster whose WAL this is
 * @param epoch   the writer epoch under which it was published
 * @param lsn     {@code pg_current_wal_lsn()} as a byte position
 * @param at      when it was read (wall clock, informational)
 */
public record WalPosition(String cluster, long epoch, long lsn, Instant at) {

    /** Validates every field. */
    public WalPosition {
        Checks.name("cluster", cluster);
        Checks.atLeast("epoch", epoch, 1);
        Checks.atLeast("lsn", lsn, 0);
        Checks.notNull("at", at);
    }
}
