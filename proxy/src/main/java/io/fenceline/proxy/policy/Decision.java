package io.fenceline.proxy.policy;

import java.util.Objects;

/**
 * What a {@link StatementPolicy} decided about a statement about to be forwarded: a value, never an
 * exception.
 */
public sealed interface Decision {

    /** The one {@link Allow}. */
    Allow ALLOW = new Allow();

    /** Forward the message as the client sent it. */
    record Allow() implements Decision {
    }

    /**
     * Do not run the statement: the client receives an error with {@code sqlState}, {@code message}
     * and {@code hint} (may be null) at the position in the response stream where the statement's own
     * responses would have been, and the protocol and transaction state afterwards are those PostgreSQL
     * has after a failed statement (see docs/data-path.md for how).
     */
    record Deny(String sqlState, String message, String hint) implements Decision {
        public Deny {
            Objects.requireNonNull(sqlState, "sqlState");
            Objects.requireNonNull(message, "message");
            if (!sqlState.matches("[0-9A-Z]{5}") || sqlState.startsWith("00")) {
                throw new IllegalArgumentException("a Deny needs an error SQLSTATE of 5 digits or capital letters outside class 00, was \""
                        + sqlState + "\"");
            }
        }
    }

    /**
     * Not yet: the message (and every message the client sent after it) waits, and the policy is asked
     * again at {@code untilNanos} on the {@link io.fenceline.config.coordination.MonotonicClock}, or earlier when
     * the policy's owner calls {@code ProxyServer.recheckHeld()} after its standing changed. The policy
     * bounds the wait itself by answering {@link Deny} once it has waited long enough. The connection reads
     * nothing more meanwhile, so the client's later messages keep their order behind the held one.
     */
    record Hold(long untilNanos) implements Decision {
    }
}
