package io.fenceline.proxy.authority;

import java.util.concurrent.CompletableFuture;

/**
 * Step 4 of the fencing sequence: the cluster's own database refuses writes from every connection,
 * including those that bypass the proxy. Requests are idempotent and converge on the latest one asked
 * for; an earlier request superseded by a later opposite one completes exceptionally.
 */
public interface LocalFence extends AutoCloseable {

    /** No database-side fence. */
    LocalFence NONE = new LocalFence() {
        @Override
        public CompletableFuture<Void> readOnly(String reason) {
            return CompletableFuture.completedFuture(null);
        }

        @Override
        public CompletableFuture<Void> writable(String reason) {
            return CompletableFuture.completedFuture(null);
        }

        @Override
        public void close() {
        }
    };

    /** Make the database read-only; completes when new transactions are verified to be read-only. */
    CompletableFuture<Void> readOnly(String reason);

    /**
     * {@link #readOnly(String)}, completing {@code refusing} as soon as a statement that starts now is refused
     * its writes whatever its role (the read-only setting applied and verified), before the rest of the fence. The authority sends its cancels then: a statement a client pipelined behind the cancelled one runs
     * the moment the cancel lands, and must meet the fence. By default, when the whole fence completes.
     */
    default CompletableFuture<Void> readOnly(String reason, CompletableFuture<Void> refusing) {
        CompletableFuture<Void> done = readOnly(reason);
        done.whenComplete((x, e) -> refusing.complete(null));
        return done;
    }

    /**
     * Make the database read-only without cancelling anything at first: wait (up to {@code bound}) until no
     * statement that may write is running (one holding a transaction id, or in a transaction begun before the
     * fence), so writes already under way commit before the caller reads the WAL position; such idle
     * transactions that bypass the proxy are ended; what still runs at the bound is cancelled. For a planned
     * handoff's pause, where cancelling would turn in-flight writes into client errors.
     */
    default CompletableFuture<Void> drain(String reason, java.time.Duration bound) {
        return readOnly(reason);
    }

    /** Undo the fence; completes when new transactions are verified to be read-write. */
    CompletableFuture<Void> writable(String reason);

    @Override
    void close();
}
