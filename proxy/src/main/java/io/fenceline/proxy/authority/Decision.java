package io.fenceline.proxy.authority;

/**
 * What the {@link WriteGate} says about one write-classified statement at the moment of forwarding.
 */
public sealed interface Decision {

    /** SQLSTATE for a write refused because the cluster may not write (PostgreSQL's own read-only code). */
    String READ_ONLY_SQL_TRANSACTION = "25006";
    /** SQLSTATE for a paused write that waited past its bound (PostgreSQL's query_canceled). */
    String QUERY_CANCELED = "57014";

    /** Forward the write; {@code epoch} is the writer epoch (fencing token) it is forwarded under. */
    record Allow(long epoch) implements Decision {}

    /**
     * Refuse the write with an ErrorResponse (the session stays usable).
     *
     * @param sqlState 25006 (read-only / lease lost) or 57014 (paused too long)
     * @param message  the primary message, naming cluster, group and why
     * @param hint     what the client or operator can do
     */
    record Deny(String sqlState, String message, String hint) implements Decision {}

    /**
     * Writes are paused: park the statement (do not forward it), ask the gate again whenever it reports a
     * change, and if it still says Hold when the monotonic clock reaches {@code untilNanos}, answer with
     * {@link #timedOut(long)}.
     *
     * @param untilNanos monotonic instant after which the waiting write fails
     * @param sinceNanos monotonic instant the wait began
     */
    record Hold(long untilNanos, long sinceNanos) implements Decision {

        /** The 57014 answer for a write that waited until {@code nowNanos} and is still paused. */
        public Deny timedOut(long nowNanos) {
            long waited = Math.max(0, nowNanos - sinceNanos) / 1_000_000;
            return new Deny(QUERY_CANCELED, "canceling statement: writes paused for " + waited + " ms",
                    "the cluster is paused for a cut-over; retry the statement");
        }
    }
}
