package io.fenceline.proxy.telemetry;

import io.fenceline.config.records.WalPosition;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalDouble;

/**
 * Turns the writer's published WAL positions and this database's applied position of that WAL into a lag in seconds
 * and apply-latency samples. Not thread-safe: one probe thread feeds it.
 *
 * <p>A published position says: every commit the writer acknowledged before {@code at} lies at or before {@code lsn}.
 * So once this database applied up to {@code lsn}, all of that is visible here, and
 * <ul>
 *   <li>the <b>lag in seconds</b> is {@code now − at} of the newest published position applied here: an upper bound
 *       on how old the data shown here is. It does not go stale when the writer is idle (the writer republishes its
 *       position every status interval, so on an idle, caught-up subscriber it stays between 0 and about one status
 *       interval) and it grows second by second while the subscriber is stuck — unlike {@code pg_stat_replication}'s
 *       {@code replay_lag}, which shows the last measured value and then NULL once there is no traffic;</li>
 *   <li>an <b>apply-latency sample</b> is, per published position, the first time it was seen applied minus its
 *       {@code at}: how long the writer's state at {@code at} took to become visible here, within one poll of the
 *       probe. A position already applied when it is first seen gives the publication delay (still an upper
 *       bound).</li>
 * </ul>
 * Before any published position was seen applied, the lag is the age of the oldest one not reached (it is at least
 * behind that one). {@code at} is the writer's wall clock and {@code now} this host's: clock offset between the hosts
 * adds to both (clamped at 0).
 */
final class ApplyTimes {

    /** Positions kept waiting to be applied; a subscriber further behind loses the oldest samples, not the lag. */
    static final int MAX_PENDING = 4096;

    private final String cluster;
    private final ArrayDeque<WalPosition> pending = new ArrayDeque<>();
    private String upstream;
    private WalPosition newestApplied;
    private WalPosition oldestUnreached;
    private long lagBytes = -1;
    private boolean known;

    /** @param cluster this proxy's cluster: positions of its own WAL make it the writer (lag 0) */
    ApplyTimes(String cluster) {
        this.cluster = cluster;
    }

    /** A position the writer published (in the order read). A new upstream cluster starts over. */
    void published(WalPosition p) {
        if (!p.cluster().equals(upstream)) {
            upstream = p.cluster();
            pending.clear();
            newestApplied = null;
            oldestUnreached = null;
            known = false;
        }
        if (p.cluster().equals(cluster)) {
            return;
        }
        WalPosition last = pending.peekLast();
        if (last != null && !p.at().isAfter(last.at())) {
            return; // a re-delivered or older record
        }
        if (newestApplied != null && !p.at().isAfter(newestApplied.at())) {
            return;
        }
        pending.addLast(p);
        if (oldestUnreached == null) {
            oldestUnreached = p;
        }
        while (pending.size() > MAX_PENDING) {
            pending.removeFirst();
        }
    }

    /** Whether the upstream is this cluster (it is the writer of the positions). */
    boolean isWriter() {
        return cluster.equals(upstream);
    }

    /** The cluster whose positions are compared, or null before any was published. */
    String upstream() {
        return upstream;
    }

    /**
     * This database applied the upstream's WAL up to {@code appliedLsn} (seen at {@code now}): returns the latency
     * samples of the positions this reached first.
     */
    List<Duration> applied(long appliedLsn, Instant now) {
        known = true;
        List<Duration> samples = new ArrayList<>();
        while (!pending.isEmpty() && pending.peekFirst().lsn() <= appliedLsn) {
            WalPosition p = pending.removeFirst();
            samples.add(nonNegative(Duration.between(p.at(), now)));
            newestApplied = p;
        }
        oldestUnreached = pending.peekFirst();
        WalPosition latest = pending.isEmpty() ? newestApplied : pending.peekLast();
        lagBytes = latest == null ? -1 : Math.max(0, latest.lsn() - appliedLsn);
        return samples;
    }

    /** This database's position of the upstream's WAL is not known now (no subscription to it, a table syncing). */
    void unknown() {
        known = false;
    }

    /** The lag in seconds at {@code now}: 0 on the writer; empty when unknown. */
    OptionalDouble lagSeconds(Instant now) {
        if (isWriter()) {
            return OptionalDouble.of(0);
        }
        if (!known) {
            return OptionalDouble.empty();
        }
        WalPosition reference = newestApplied != null ? newestApplied : oldestUnreached;
        return reference == null ? OptionalDouble.empty()
                : OptionalDouble.of(nonNegative(Duration.between(reference.at(), now)).toNanos() / 1e9);
    }

    /** Bytes of the newest published position not applied here at the last measurement: 0 on the writer; -1 unknown. */
    long lagBytes() {
        return isWriter() ? 0 : known ? lagBytes : -1;
    }

    private static Duration nonNegative(Duration d) {
        return d.isNegative() ? Duration.ZERO : d;
    }
}
