package io.fenceline.proxy.wire;

/** SQLSTATE codes the proxy itself reports. */
public final class SqlState {
    /** Malformed protocol: bad length, unknown message, message invalid in the current state. */
    public static final String PROTOCOL_VIOLATION = "08P01";
    /** The proxy could not reach the database. */
    public static final String CONNECTION_FAILURE = "08006";
    /** Too many client connections. */
    public static final String TOO_MANY_CONNECTIONS = "53300";
    /** A write refused because this cluster may not write (read-only). */
    public static final String READ_ONLY_SQL_TRANSACTION = "25006";
    /** The proxy is shutting down. */
    public static final String ADMIN_SHUTDOWN = "57P01";

    private SqlState() {
    }
}
