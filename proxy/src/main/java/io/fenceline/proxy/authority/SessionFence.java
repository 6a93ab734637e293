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

    /**
     * The database fence found these of the proxy's backends in a transaction that holds a transaction id: it
     * wrote or locked rows, whatever the proxy saw of it (a function can write behind a SELECT). Their sessions'
     * open transactions now count as written before the fence, so their COMMIT rolls back as in step 2. Must
     * not block.
     */
    default void wroteInDatabase(java.util.Set<Integer> pids) {
    }

    /** Authority regained (after the database was made writable again): commits of new transactions pass. */
    default void resume() {
    }

    /** Process ids of the backends the proxy's sessions use (from BackendKeyData); the database fence leaves
     * their idle transactions to step 2 instead of terminating them. */
    default java.util.Set<Integer> backendPids() {
        return java.util.Set.of();
    }

    /**
     * Process ids of the proxy's backends whose session is held at the gate now (a write or a commit waiting
     * while paused) with nothing in flight (every request answered, no Execute forwarded since the last Sync):
     * nothing runs on them and nothing they did commits until the proxy releases them, so a handoff's drain
     * need not wait for them. A session held behind a statement still running is not listed: the drain waits
     * for that statement as for any other.
     */
    default java.util.Set<Integer> heldBackendPids() {
        return java.util.Set.of();
    }
}
