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

    /** Undo the fence; completes when new transactions are verified to be read-write. */
    CompletableFuture<Void> writable(String reason);

    @Override
    void close();
}
