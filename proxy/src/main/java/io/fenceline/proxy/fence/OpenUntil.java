package io.fenceline.proxy.fence;

/**
 * The arithmetic that turns the proxy's lease deadline (a reading of its monotonic clock) into the database's
 * "open until" (milliseconds of the database server's {@code clock_timestamp()} since 1970), on the safe side:
 * the database stops accepting writes no later than the proxy's own deadline.
 *
 * <p>The proxy reads the server's clock in one round trip: it sends at monotonic {@code t0}, the server reads
 * {@code dbMillis} at some real instant {@code t1} in {@code [t0, t2]}, the answer arrives at {@code t2}. At the
 * deadline {@code D} the server's clock reads {@code dbMillis + (D - t1) * r}, where {@code r} is the rate of the
 * server's clock measured on ours. With {@code t1 <= t2} and {@code r >= 1 - rho}:
 * <pre>
 *   server clock at D  >=  dbMillis + (D - t2) * (1 - rho)  =  openUntil
 * </pre>
 * so a statement the trigger lets through (server clock {@code < openUntil}) starts before {@code D}. The
 * server's clock is a wall clock: a step backwards on the database host by {@code s} keeps it open {@code s}
 * longer (docs/safety-database.md); a step forwards only closes it earlier.
 */
final class OpenUntil {

    /** The value of a closed database: 1970, before any clock the trigger will read. */
    static final long CLOSED = 0;

    private OpenUntil() {
    }

    /**
     * @param dbMillis      the server's {@code clock_timestamp()} in ms since 1970, rounded down
     * @param repliedNanos  our monotonic reading when that answer arrived ({@code t2})
     * @param deadlineNanos our monotonic deadline ({@code D})
     * @param rho           bound on the relative rate difference of the two clocks (0.01 = 1%)
     * @return the server-clock instant (ms since 1970) to stay open until; {@link #CLOSED} when the deadline
     *         has passed already
     */
    static long of(long dbMillis, long repliedNanos, long deadlineNanos, double rho) {
        if (rho < 0 || rho >= 1) {
            throw new IllegalArgumentException("rho must be in [0, 1), got " + rho);
        }
        long left = deadlineNanos - repliedNanos;
        if (left <= 0) {
            return CLOSED;
        }
        // Rounded down twice (nanoseconds to whole milliseconds, and the rate): never later than allowed.
        long leftMillis = (long) Math.floor(left * (1 - rho) / 1_000_000d);
        return leftMillis <= 0 ? CLOSED : dbMillis + leftMillis;
    }
}
