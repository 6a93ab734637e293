package io.fenceline.proxy.authority;

import io.fenceline.config.coordination.LeaseState;
import io.fenceline.config.coordination.MonotonicClock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;

/**
 * The per-group answer to "may this write be forwarded now?", readable from any thread in nanoseconds:
 * {@link #decide(long)} does two volatile reads (the gate's standing and the lease state) and a compare, and
 * allocates only for {@link Decision.Hold}.
 *
 * <h2>Contract for the data path</h2>
 * Ask at the moment of forwarding a write-classified statement, with a fresh reading of {@link #clock()}
 * taken just before the bytes are written to the backend, never earlier (a decision is not reusable: the
 * deadline may pass between two statements of one transaction). Allow: forward. Deny: answer with an
 * ErrorResponse of its SQLSTATE, message and hint, keep the session. Hold: park the statement, subscribe with
 * {@link #addListener}, decide again on each change; if still Hold at {@link Decision.Hold#untilNanos()},
 * answer {@link Decision.Hold#timedOut(long)}.
 *
 * <h2>What it combines</h2>
 * The {@link Standing} set by the {@link WriterAuthority} (operator mode first, then whether this proxy's
 * cluster confirmed the writer key with epoch and lease) and, for an open gate, the live lease check
 * {@code lease held with the confirmed id and now < deadline}: the gate stops allowing at the deadline by
 * itself, even before anyone is told the lease is lost.
 */
public final class WriteGate {

    private static final Logger LOG = LoggerFactory.getLogger(WriteGate.class);

    /** Told about every change of standing, on the thread that changed it; must not block. */
    @FunctionalInterface
    public interface Listener {
        /**
         * {@code from} → {@code to} at monotonic {@code atNanos}. For a change to Open the instant is read just
         * before the change takes effect, for any other change just after it, so intervals built from these
         * instants are never shorter than the time the gate really was open.
         */
        void onChange(Standing from, Standing to, long atNanos);
    }

    /** What the gate enforces until told otherwise. Immutable; published through one volatile field. */
    public sealed interface Standing {

        /** Writes are refused with {@code deny} (not the writer, lease lost, read-only, handed off). */
        record Closed(Decision.Deny deny) implements Standing {}

        /** Writes wait (operator's paused mode or a handoff's pause). */
        record Paused(String reason) implements Standing {}

        /**
         * Writes are allowed while the lease {@code leaseId} is held and before its deadline.
         *
         * @param allow the decision handed out (built once)
         */
        record Open(long epoch, long leaseId, Decision.Allow allow) implements Standing {}

        /** Whether this standing may let writes through (subject to the lease check). */
        default boolean open() {
            return this instanceof Open;
        }
    }

    private final String group;
    private final String cluster;
    private final MonotonicClock clock;
    private final Supplier<LeaseState> lease;
    private final long pauseBoundNanos;
    private final Decision.Deny deadlinePassed;
    private final List<Listener> listeners = new CopyOnWriteArrayList<>();
    private volatile Standing standing;
    /**
     * The lease of the writer key this cluster holds: set when the gate opens, 0 once the gate closes for any
     * reason other than the operator's read-only (lost or released key, deadline, not the writer).
     */
    private volatile long tenureLease;

    /**
     * @param lease           the lease keeper's state (a volatile read), e.g. {@code keeper::state}
     * @param pauseBoundNanos how long a write may wait while paused
     */
    public WriteGate(String group, String cluster, MonotonicClock clock, Supplier<LeaseState> lease,
                     long pauseBoundNanos) {
        if (pauseBoundNanos <= 0) {
            throw new IllegalArgumentException("pause bound must be > 0, got " + pauseBoundNanos + " ns");
        }
        this.group = group;
        this.cluster = cluster;
        this.clock = clock;
        this.lease = lease;
        this.pauseBoundNanos = pauseBoundNanos;
        this.deadlinePassed = readOnly("cluster " + cluster + " lost the writer lease of group " + group
                + " (its deadline passed)", "writes go to the group's current writer; retry there or after failover");
        this.standing = new Standing.Closed(readOnly("cluster " + cluster + " is not (yet) the writer of group "
                + group, "writes go to the group's current writer"));
    }

    /** A 25006 denial. */
    public static Decision.Deny readOnly(String message, String hint) {
        return new Decision.Deny(Decision.READ_ONLY_SQL_TRANSACTION, message, hint);
    }

    /** The decision for a write forwarded at {@code nowNanos} (a reading of {@link #clock()} taken just now). */
    public Decision decide(long nowNanos) {
        Standing s = standing;
        if (s instanceof Standing.Open open) {
            LeaseState l = lease.get();
            if (l instanceof LeaseState.Held held && held.leaseId() == open.leaseId()
                    && nowNanos < held.deadlineNanos()) {
                return open.allow();
            }
            return deadlinePassed;
        }
        if (s instanceof Standing.Closed closed) {
            return closed.deny();
        }
        return new Decision.Hold(nowNanos + pauseBoundNanos, nowNanos);
    }

    /**
     * Whether a write allowed before {@code nowNanos} may still reach the database at {@code nowNanos}: the
     * cluster still holds the writer key (the gate is open, paused, or closed only by the operator's read-only)
     * under the lease it opened with, and that lease is before its deadline. A pause or read-only that began
     * after the write was allowed does not make sending it unsafe; a lost or released key, or a passed
     * deadline, does.
     */
    public boolean inTenure(long nowNanos) {
        long tenure = tenureLease;
        LeaseState l = lease.get();
        return tenure != 0 && l instanceof LeaseState.Held held && held.leaseId() == tenure
                && nowNanos - held.deadlineNanos() < 0;
    }

    /** Whether a write would be allowed at {@code nowNanos}. */
    public boolean allows(long nowNanos) {
        return decide(nowNanos) instanceof Decision.Allow;
    }

    /** The standing set last. */
    public Standing standing() {
        return standing;
    }

    /** The clock decisions are taken on. */
    public MonotonicClock clock() {
        return clock;
    }

    /** The group this gate guards. */
    public String group() {
        return group;
    }

    /** The cluster this gate guards. */
    public String cluster() {
        return cluster;
    }

    /** The bound on a paused write. */
    public long pauseBoundNanos() {
        return pauseBoundNanos;
    }

    /** Opens the gate for {@code epoch} won with lease {@code leaseId}. */
    public void open(long epoch, long leaseId) {
        Standing s = standing;
        if (s instanceof Standing.Open o && o.epoch() == epoch && o.leaseId() == leaseId) {
            return;
        }
        tenureLease = leaseId;
        set(new Standing.Open(epoch, leaseId, new Decision.Allow(epoch)));
    }

    /** Closes the gate: writes get {@code deny}. */
    public void close(Decision.Deny deny) {
        close(deny, false);
    }

    /**
     * Closes the gate with {@code deny}; {@code keyStillOurs} when the cluster still holds the writer key and
     * closes only because the operator asked for read-only: writes allowed just before may then still be sent
     * ({@link #inTenure}), the fencing sequence deals with them like with any write already forwarded.
     */
    public void close(Decision.Deny deny, boolean keyStillOurs) {
        if (!keyStillOurs) {
            tenureLease = 0;
        }
        Standing s = standing;
        if (s instanceof Standing.Closed c && c.deny().equals(deny)) {
            return;
        }
        set(new Standing.Closed(deny));
    }

    /** Pauses writes for {@code reason}. */
    public void pause(String reason) {
        Standing s = standing;
        if (s instanceof Standing.Paused p && p.reason().equals(reason)) {
            return;
        }
        set(new Standing.Paused(reason));
    }

    /** Adds a listener of standing changes. */
    public void addListener(Listener listener) {
        listeners.add(listener);
    }

    /** Removes a listener. */
    public void removeListener(Listener listener) {
        listeners.remove(listener);
    }

    private void set(Standing to) {
        Standing from = standing;
        long before = clock.nanoTime();
        standing = to;
        long at = to.open() ? before : clock.nanoTime();
        LOG.info("write gate {}/{}: {} -> {}", group, cluster, describe(from), describe(to));
        for (Listener l : listeners) {
            try {
                l.onChange(from, to, at);
            } catch (RuntimeException e) {
                LOG.error("write gate listener {} failed on {} -> {}", l, from, to, e);
            }
        }
    }

    private static String describe(Standing s) {
        if (s instanceof Standing.Open o) {
            return "open(epoch " + o.epoch() + ", lease " + o.leaseId() + ")";
        }
        if (s instanceof Standing.Paused p) {
            return "paused(" + p.reason() + ")";
        }
        return "closed(" + ((Standing.Closed) s).deny().message() + ")";
    }
}
