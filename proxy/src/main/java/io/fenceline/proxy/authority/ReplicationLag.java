package io.fenceline.proxy.authority;

import java.util.OptionalLong;

/**
 * Replication positions of the local database, as byte positions in a WAL stream. Calls may block on the
 * database (the authority runs them off its own thread) and fail with an unchecked exception naming the
 * query when the database cannot answer.
 */
public interface ReplicationLag {

    /** The local database's own WAL position ({@code pg_current_wal_lsn()}), as the writer publishes it. */
    long localWalLsn();

    /**
     * The position in the <em>writer's</em> WAL up to which every change is applied and visible here, or
     * empty when unknown (no subscription, not replicating). Comparable with the writer's {@link #localWalLsn()}.
     */
    OptionalLong appliedUpstreamLsn();

    /** Bytes this database is behind {@code upstreamLsn}, or empty when its position is unknown. */
    default OptionalLong lagBehind(long upstreamLsn) {
        OptionalLong applied = appliedUpstreamLsn();
        return applied.isPresent() ? OptionalLong.of(Math.max(0, upstreamLsn - applied.getAsLong()))
                : OptionalLong.empty();
    }
}
