package io.fenceline.proxy.wire;

import java.util.Objects;

/**
 * What was wrong with bytes a peer sent; the session answers with an {@code ErrorResponse} carrying
 * {@code sqlState} and {@code message}, then closes.
 */
public record ProtocolViolation(String sqlState, String message) {

    public ProtocolViolation {
        Objects.requireNonNull(sqlState, "sqlState");
        Objects.requireNonNull(message, "message");
    }

    /** A violation with SQLSTATE 08P01. */
    public static ProtocolViolation of(String message) {
        return new ProtocolViolation(SqlState.PROTOCOL_VIOLATION, message);
    }
}
