package io.fenceline.config.coordination;

/**
 * Where a {@link LeaseKeeper} stands. Immutable values; the keeper publishes a new one through a volatile
 * field, so any thread reads a consistent state in nanoseconds.
 */
public sealed interface LeaseState {

    /**
     * Whether writes may go ahead at {@code nowNanos} (a reading of the keeper's {@link MonotonicClock}):
     * only while {@link Held} and strictly before its deadline.
     */
    default boolean writable(long nowNanos) {
        return this instanceof Held held && nowNanos < held.deadlineNanos();
    }

    /** No lease yet (starting, or a new one is being granted after a loss). */
    record Acquiring(String reason) implements LeaseState {}

    /**
     * A lease etcd acknowledged.
     *
     * @param leaseId         etcd's lease id
     * @param deadlineNanos   local monotonic instant after which the lease must be assumed gone
     * @param ttlSeconds      TTL etcd reported in the last acknowledgement
     * @param acknowledgedAt  monotonic send time of the request whose acknowledgement set the deadline
     */
    record Held(long leaseId, long deadlineNanos, long ttlSeconds, long acknowledgedAt) implements LeaseState {

        /** Time left before the deadline at {@code nowNanos} (negative once passed); for status and metrics. */
        public long slackNanos(long nowNanos) {
            return deadlineNanos - nowNanos;
        }
    }

    /**
     * The lease is gone or must be assumed gone; never revived (the keeper grants a new one).
     *
     * @param leaseId  the lost lease
     * @param reason   why: deadline passed, etcd reported it missing, revoked, closed
     * @param atNanos  monotonic instant the loss was recorded
     */
    record Lost(long leaseId, String reason, long atNanos) implements LeaseState {}
}
