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

    /** The schema version the connection declared; empty until the schema-version track sets it. */
    OptionalInt schemaVersion();
}
