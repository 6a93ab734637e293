package io.fenceline.proxy.session;

/** Where a session is in the protocol's message flow. */
public enum Phase {
    /** Before a StartupMessage: SSLRequest, GSSENCRequest, CancelRequest or StartupMessage expected. */
    STARTUP,
    /** StartupMessage forwarded; authentication messages pass through until the first ReadyForQuery. */
    AUTHENTICATING,
    /** Ready for queries: simple and extended query protocol, COPY and function calls pass through. */
    READY,
    /** Closed or closing; nothing more is forwarded. */
    CLOSED
}
