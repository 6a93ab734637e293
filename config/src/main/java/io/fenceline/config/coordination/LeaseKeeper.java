package io.fenceline.config.coordination;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * Holds one etcd lease and knows, from our own monotonic clock, until when it is safe to act as its
 * holder. See {@code LeaseBook} for the deadline rule and why it is safe.
 *
 * <p>The keeper always tries to hold a lease: it grants one at start, keeps it alive every TTL/3 with
 * single, timed keepalive round trips, and when a lease is lost (its deadline passed, etcd reported it
 * missing, or it was revoked) it grants a <em>new</em> lease; a lost lease is never revived.
 */
public interface LeaseKeeper extends AutoCloseable {

    /** Told about every change of {@link LeaseState} kind; called on the keeper's thread, must not block. */
    @FunctionalInterface
    interface Listener {
        /** {@code from} → {@code to}; e.g. Held → Lost at the deadline. */
        void onTransition(LeaseState from, LeaseState to);
    }

    /** The current state (one volatile read). */
    LeaseState state();

    /**
     * Whether writes may go ahead at {@code nowNanos} (read from {@link #clock()}): a volatile read and a
     * compare. Callers check at the moment of forwarding a write, not earlier.
     */
    default boolean writable(long nowNanos) {
        return state().writable(nowNanos);
    }

    /** The clock deadlines are measured on. */
    MonotonicClock clock();

    /** Starts granting and keeping a lease; idempotent. */
    void start();

    /** Adds a listener for later transitions; it is not told the current state (read {@link #state()}). */
    void addListener(Listener listener);

    /** Removes a listener added before. */
    void removeListener(Listener listener);

    /** Waits until a lease is held (or the timeout passes) and returns it. */
    Optional<LeaseState.Held> awaitHeld(Duration timeout) throws InterruptedException;

    /**
     * Gives the current lease up for a planned handoff: the state becomes Lost first (writes stop), then etcd
     * is asked to revoke it, which deletes every key bound to it at once. The keeper then grants a new lease.
     * The future completes when etcd confirmed the revoke (or with the error that prevented it; the lease
     * then expires by itself after its TTL).
     */
    CompletableFuture<Void> revoke();

    /** Stops keeping the lease, revokes it (bounded by the request timeout) and releases threads. */
    @Override
    void close();
}
