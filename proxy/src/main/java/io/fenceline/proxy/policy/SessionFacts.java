package io.fenceline.proxy.policy;

import java.util.OptionalInt;

/**
 * What a policy may know about the session whose statement it judges. Values are those at the moment of
 * forwarding: with pipelined requests the transaction status is that of the latest ReadyForQuery the
 * server sent, not yet counting requests still in flight.
 */
public interface SessionFacts {

    /** 'I' (idle), 'T' (in a transaction block) or 'E' (in a failed transaction block). */
    byte transactionStatus();

    /** A StartupMessage parameter ({@code user}, {@code database}, {@code options}, ...) or null. */
    String startupParameter(String name);

    /**
     * The schema version the connection runs at (declared, or the configured default; docs/schema-versions.md);
     * empty without schema enforcement, or when neither is known.
     */
    OptionalInt schemaVersion();

    /** {@link #heldSinceNanos()} when the statement being decided has not been held. */
    long NOT_HELD = Long.MIN_VALUE;

    /**
     * When the message being decided was first held by a policy ({@link Decision.Hold}), on the proxy's
     * monotonic clock; {@link #NOT_HELD} on its first decision. A policy that bounds a wait measures it from
     * here, so asking again after a change does not restart the wait.
     */
    default long heldSinceNanos() {
        return NOT_HELD;
    }

    /**
     * Whether the session's current transaction forwarded a statement that may write (a write, DDL, or
     * something not understood, judged {@link Decision.Allow}), counting from the last ReadyForQuery 'I' that
     * answered every request carrying such a statement.
     */
    default boolean transactionWrote() {
        return false;
    }
}
