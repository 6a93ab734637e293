package io.fenceline.config.coordination;

import java.util.Optional;

/**
 * The deadline rule and the lease state machine, without any I/O, so the arithmetic can be tested with a
 * {@link ManualClock}. One writer thread (the keeper's); any number of reader threads.
 *
 * <h2>The deadline rule</h2>
 * For a keepalive (or grant) request sent at local monotonic time {@code s} and acknowledged by etcd with
 * remaining TTL {@code T}:
 * <pre>
 *     deadline = s + T * (1 - rho) - margin
 * </pre>
 * Why this is safe: etcd's leader renews the lease when it processes the request, which happens after we
 * sent it, so in real time the lease cannot expire before {@code s + T}. A leader change only extends
 * leases (the new leader restarts every lease's TTL). Our clock may run slower than real time by at most a
 * factor {@code (1 - rho)}, so local {@code s + T*(1-rho)} is reached no later than real {@code s + T}.
 * {@code margin} is subtracted for what happens after our check: the time a write takes from the proxy's
 * check to its commit, and pauses of our process between the two. No other party can create the writer
 * key before the lease expires in etcd, so no other cluster can write before our deadline.
 *
 * <p>Consequences the code keeps: the send time is taken before the request goes out (a late reply is
 * measured from when it was asked, never from when it arrived); the deadline only moves forward; errors,
 * timeouts and replies to a lease that is no longer held never extend it; a lease past its deadline is
 * lost for good, even if an acknowledgement sent earlier arrives afterwards.
 */
final class LeaseBook {

    /** A change of state kind (acquiring / held / lost) that listeners are told about. */
    record Transition(LeaseState from, LeaseState to) {}

    private final double rho;
    private final long marginNanos;
    private volatile LeaseState state = new LeaseState.Acquiring("starting");

    LeaseBook(double rho, long marginNanos) {
        if (rho < 0 || rho >= 1 || marginNanos < 0) {
            throw new IllegalArgumentException("rho must be in [0,1) and margin >= 0: rho=" + rho + ", margin="
                    + marginNanos + "ns");
        }
        this.rho = rho;
        this.marginNanos = marginNanos;
    }

    /** The deadline for a request sent at {@code sendNanos} that etcd acknowledged with {@code ttlSeconds}. */
    static long deadline(long sendNanos, long ttlSeconds, double rho, long marginNanos) {
        long scaledTtl = (long) Math.floor(ttlSeconds * 1_000_000_000.0 * (1.0 - rho));
        return sendNanos + scaledTtl - marginNanos;
    }

    long deadline(long sendNanos, long ttlSeconds) {
        return deadline(sendNanos, ttlSeconds, rho, marginNanos);
    }

    LeaseState state() {
        return state;
    }

    /** A new lease was granted by a request sent at {@code sendNanos}; only from Acquiring or Lost. */
    Optional<Transition> granted(long leaseId, long sendNanos, long ttlSeconds, long nowNanos) {
        LeaseState from = state;
        if (from instanceof LeaseState.Held held) {
            throw new IllegalStateException("lease " + leaseId + " granted while lease " + held.leaseId()
                    + " is still held");
        }
        long d = deadline(sendNanos, ttlSeconds);
        if (ttlSeconds <= 0 || d <= nowNanos) {
            return Optional.empty();
        }
        return move(from, new LeaseState.Held(leaseId, d, ttlSeconds, sendNanos));
    }

    /**
     * etcd acknowledged a keepalive of {@code leaseId} sent at {@code sendNanos} with {@code ttlSeconds}.
     * Extends the deadline of that lease if it is still held, never shortens it, and never revives a lease
     * whose deadline has passed (that lease is lost instead). A TTL of 0 or less means etcd no longer knows
     * the lease: lost.
     *
     * @return a transition if the lease was lost by this call
     */
    Optional<Transition> acknowledged(long leaseId, long sendNanos, long ttlSeconds, long nowNanos) {
        LeaseState from = state;
        if (!(from instanceof LeaseState.Held held) || held.leaseId() != leaseId) {
            return Optional.empty();
        }
        if (nowNanos >= held.deadlineNanos()) {
            return expireIfDue(nowNanos);
        }
        if (ttlSeconds <= 0) {
            return lose("etcd reports lease " + leaseId + " expired (TTL " + ttlSeconds + ")", nowNanos);
        }
        long d = deadline(sendNanos, ttlSeconds);
        if (d > held.deadlineNanos()) {
            state = new LeaseState.Held(leaseId, d, ttlSeconds, sendNanos);
        }
        return Optional.empty();
    }

    /** Held → Lost when {@code nowNanos} reached the deadline. */
    Optional<Transition> expireIfDue(long nowNanos) {
        LeaseState from = state;
        if (from instanceof LeaseState.Held held && nowNanos >= held.deadlineNanos()) {
            return move(from, new LeaseState.Lost(held.leaseId(), "deadline passed: no keepalive acknowledged in time"
                    + " (last acknowledged request sent " + (nowNanos - held.acknowledgedAt()) / 1_000_000
                    + " ms ago, TTL " + held.ttlSeconds() + " s)", nowNanos));
        }
        return Optional.empty();
    }

    /** Held → Lost now, for {@code reason} (lease not found, revoked, closing). */
    Optional<Transition> lose(String reason, long nowNanos) {
        LeaseState from = state;
        if (from instanceof LeaseState.Held held) {
            return move(from, new LeaseState.Lost(held.leaseId(), reason, nowNanos));
        }
        return Optional.empty();
    }

    /** Lost (or the initial Acquiring) → Acquiring while a new lease is being granted. */
    Optional<Transition> acquiring(String reason) {
        LeaseState from = state;
        if (from instanceof LeaseState.Held) {
            throw new IllegalStateException("cannot acquire while holding " + from);
        }
        if (from instanceof LeaseState.Acquiring) {
            state = new LeaseState.Acquiring(reason);
            return Optional.empty();
        }
        return move(from, new LeaseState.Acquiring(reason));
    }

    private Optional<Transition> move(LeaseState from, LeaseState to) {
        state = to;
        return Optional.of(new Transition(from, to));
    }
}
