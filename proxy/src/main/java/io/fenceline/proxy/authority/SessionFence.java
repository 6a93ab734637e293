package io.fenceline.proxy.authority;

/**
 * The proxy's sessions' part of the fencing sequence, implemented by the data path. The
 * {@link WriterAuthority} calls these on its own thread, in this order, after the {@link WriteGate} already
 * refuses new writes: they must not block (hand the work to the sessions' event loops and return).
 */
public interface SessionFence {

    /** A fence that does nothing (no data path attached). */
    SessionFence NONE = new SessionFence() {
        @Override
        public void rollbackWritingCommits(String reason) {
        }

        @Override
        public void cancelRunningWrites(String reason) {
        }
    };

    /**
     * Step 2: from now on, a COMMIT (or an implicit commit: Sync after an extended-protocol write outside a
     * block) of a transaction that wrote is turned into ROLLBACK and answered with 25006 and {@code reason}.
     */
    void rollbackWritingCommits(String reason);

    /** Step 3: send a CancelRequest for every write statement still running on a backend. */
    void cancelRunningWrites(String reason);

    /** Authority regained (after the database was made writable again): commits of new transactions pass. */
    default void resume() {
    }

    /** Process ids of the backends the proxy's sessions use (from BackendKeyData); the database fence leaves
     * their idle transactions to step 2 instead of terminating them. */
    default java.util.Set<Integer> backendPids() {
        return java.util.Set.of();
    }

    /**
     * Process ids of backends whose session the proxy holds (a write waits at the gate) while the backend has
     * nothing of the client's left to run: it may look {@code active} (an extended-protocol batch whose Parse
     * and Bind were forwarded), but whatever it runs next is decided by the gate first, so a handoff's drain
     * ({@link LocalFence#drain}) need not wait for it. Any thread; a snapshot.
     */
    default java.util.Set<Integer> heldBackendPids() {
        return java.util.Set.of();
    }
}
