package io.fenceline.proxy.net;

/**
 * Which writes of one session the proxy let through, for the commit side of the fence: whether the current
 * transaction forwarded a possible write and in which fence generation its first write went, the request that
 * carried its latest write, and the marks of the current extended-protocol batch. Event-loop only.
 */
final class WriteMarks {

    private final SessionControl control;
    /** The current transaction forwarded a possible write (see {@link StatementPath#transactionWrote()}). */
    boolean transactionWrote;
    /** The fence generation of the transaction's first write. */
    long generation;
    /** The request that carried the latest possible write. */
    long lastWriteRequest;
    /** A write, or the commit of a transaction that wrote, was allowed since the last flush. */
    boolean unflushed;
    /** The current batch (since the last Sync) forwarded a possible write. */
    boolean batchWrote;
    /** A COMMIT of this batch was denied: the Sync that ends it is followed by a hidden ROLLBACK. */
    boolean rollbackAtSync;
    /** An Execute of the current batch was forwarded (it may still run on the backend). */
    boolean batchExecuted;
    /** An Execute of the current batch ran a statement that ends the transaction. */
    boolean batchEnded;

    WriteMarks(SessionControl control) {
        this.control = control;
    }

    /** A possible write is about to be forwarded in request {@code request}. */
    void wrote(long request) {
        if (!transactionWrote) {
            transactionWrote = true;
            generation = control.generation();
        }
        lastWriteRequest = request;
    }

    /** Whether the sessions were fenced since the transaction's first write (its commit must roll back). */
    boolean fencedSinceFirstWrite() {
        return generation != control.generation();
    }

    /** The open transaction counts as one that wrote before the current fence generation. */
    void wroteBeforeFence() {
        transactionWrote = true;
        generation = control.generation() - 1;
    }

    /** A Sync ends the batch. */
    void synced() {
        rollbackAtSync = false;
        batchWrote = false;
        batchExecuted = false;
        batchEnded = false;
    }

    /** A ReadyForQuery 'I' answered request {@code answered}: a transaction whose writes it covers is over. */
    void idle(long answered) {
        if (transactionWrote && answered >= lastWriteRequest) {
            transactionWrote = false;
        }
    }

    /** Whether a possible write was forwarded and its request is not answered yet. */
    boolean inFlight(long answered) {
        return transactionWrote && lastWriteRequest > answered;
    }

    /** Returns the unflushed mark and clears it. */
    boolean takeUnflushed() {
        boolean w = unflushed;
        unflushed = false;
        return w;
    }

    String reason() {
        return control.reason();
    }
}
