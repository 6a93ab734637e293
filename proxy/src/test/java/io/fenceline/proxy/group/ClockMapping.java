package io.fenceline.proxy.group;

import java.time.Instant;

/**
 * Maps PostgreSQL's commit timestamps (wall clock, microseconds) onto the monotonic clock the write history
 * uses. Both clocks are the same machine's kernel clocks; they differ by an offset that only NTP slewing
 * changes (at most 0.05 % of elapsed time). The offset is sampled at creation and again by {@link #recheck()};
 * the tolerance covers both samples' brackets and the change between them, so a mapping that drifted shows up
 * as a larger tolerance rather than as a wrong conclusion.
 */
final class ClockMapping {

    private final long offsetNanos;
    private volatile long toleranceNanos;

    ClockMapping() {
        long[] s = sample();
        this.offsetNanos = s[0];
        this.toleranceNanos = s[1] + 2_000_000;
    }

    /** Samples the offset again and widens the tolerance by how far it moved. */
    void recheck() {
        long[] s = sample();
        toleranceNanos = Math.max(toleranceNanos, Math.abs(s[0] - offsetNanos) + s[1] + 2_000_000);
    }

    /** The monotonic instant of a wall-clock time given in microseconds since the epoch. */
    long toMonotonic(long epochMicros) {
        return epochMicros * 1_000 - offsetNanos;
    }

    long toleranceNanos() {
        return toleranceNanos;
    }

    /** {wall - monotonic, uncertainty}, from the tightest of a few bracketed readings. */
    private static long[] sample() {
        long best = Long.MAX_VALUE;
        long offset = 0;
        for (int i = 0; i < 20; i++) {
            long before = System.nanoTime();
            Instant now = Instant.now();
            long after = System.nanoTime();
            long wall = now.getEpochSecond() * 1_000_000_000L + now.getNano();
            if (after - before < best) {
                best = after - before;
                offset = wall - (before + (after - before) / 2);
            }
        }
        // Instant.now() has microsecond resolution here; PostgreSQL's timestamps too.
        return new long[] {offset, best + 1_000};
    }
}
