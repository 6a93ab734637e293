package io.fenceline.proxy.session;

import io.fenceline.config.coordination.MonotonicClock;
import io.fenceline.proxy.metrics.ProxyMetrics;
import io.fenceline.proxy.wire.ProtocolViolation;
import io.fenceline.proxy.wire.backend.ReadyForQuery;
import io.fenceline.proxy.wire.frontend.FrontendType;
import io.fenceline.proxy.wire.frontend.StartupMessage;
import io.netty.buffer.ByteBuf;

import java.util.Objects;

/**
 * The protocol state of one client connection and its server connection. All methods run on the
 * connection's event loop (both channels share it), so there are no locks.
 *
 * <p>Flow: {@link Phase#STARTUP} until a StartupMessage is forwarded; {@link Phase#AUTHENTICATING}
 * while authentication messages (trust, md5, SCRAM-SHA-256, ...) pass through byte for byte;
 * {@link Phase#READY} from the first ReadyForQuery. The transaction status is the one carried by the
 * latest ReadyForQuery; {@link #outstanding()} counts Query and Sync messages whose ReadyForQuery has
 * not arrived yet (clients may pipeline several).
 */
public final class Session implements BackendStream.Listener {

    /** What the connection glue must act on. */
    public interface Events {
        /** The first ReadyForQuery: startup is complete. */
        void ready();

        /** The server issued the session's cancel key. */
        void cancelKey(CancelKey key);

        /** A ReadyForQuery after startup, with its transaction status; called after {@link #requestsAnswered()} counts it. */
        default void readyForQuery(byte status) {
        }

        /** After startup: a CommandComplete, EmptyQueryResponse or PortalSuspended of request {@code requestsAnswered() + 1}. */
        default void statementDone() {
        }

        /** After startup: an ErrorResponse. */
        default void errorResponse() {
        }
    }

    private static final int LATENCY_RING = 64;

    private final ProxyMetrics metrics;
    private final MonotonicClock clock;
    private final Events events;
    private final BackendStream backend = new BackendStream();
    private final long[] requestStarts = new long[LATENCY_RING];
    private Phase phase = Phase.STARTUP;
    private StartupMessage startup;
    private CancelKey cancelKey;
    private final SessionModel model;
    private int outstanding;
    private long requestsForwarded;
    private long requestsAnswered;

    /** Default bound on the prepared statements a session's model remembers. */
    public static final int MAX_PREPARED = 10_000;

    public Session(ProxyMetrics metrics, MonotonicClock clock, Events events) {
        this(metrics, clock, events, MAX_PREPARED);
    }

    public Session(ProxyMetrics metrics, MonotonicClock clock, Events events, int maxPrepared) {
        this.metrics = Objects.requireNonNull(metrics, "metrics");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.events = Objects.requireNonNull(events, "events");
        this.model = new SessionModel(maxPrepared);
    }

    /** What the proxy believes about this session from the server's answers. */
    public SessionModel model() {
        return model;
    }

    public Phase phase() {
        return phase;
    }

    /** The client's StartupMessage as received (parameters kept for policy), or null before it. */
    public StartupMessage startup() {
        return startup;
    }

    /** The cancel key the server issued, or null before BackendKeyData. */
    public CancelKey cancelKey() {
        return cancelKey;
    }

    /** Transaction status of the latest ReadyForQuery: 'I', 'T' or 'E'. */
    public byte transactionStatus() {
        return model.transactionStatus();
    }

    /** Query, FunctionCall and Sync messages forwarded whose ReadyForQuery has not been relayed yet. */
    public int outstanding() {
        return outstanding;
    }

    /** Query, FunctionCall and Sync messages forwarded since startup (each is answered by one ReadyForQuery). */
    public long requestsForwarded() {
        return requestsForwarded;
    }

    /** ReadyForQuery messages relayed since startup, not counting the one that ended startup. */
    public long requestsAnswered() {
        return requestsAnswered;
    }

    /**
     * True when closing the connection loses nothing: ready, not in a transaction, nothing in flight
     * and the server's stream between messages.
     */
    public boolean isIdle() {
        return phase == Phase.READY && model.transactionStatus() == ReadyForQuery.IDLE && outstanding == 0
                && backend.atBoundary();
    }

    /** True when a message the proxy writes to the client would not split a relayed server message. */
    public boolean backendAtBoundary() {
        return backend.atBoundary();
    }

    /**
     * Checks a frontend message header before its body is buffered.
     *
     * @return null when a message of this type and length may be sent now, otherwise what is wrong
     */
    public ProtocolViolation admitFrontend(byte type) {
        return switch (phase) {
            case AUTHENTICATING -> type == FrontendType.PASSWORD || type == FrontendType.TERMINATE ? null
                    : ProtocolViolation.of(FrontendType.name(type) + " is not valid during authentication");
            case READY -> FrontendType.isQueryPhase(type) ? null
                    : ProtocolViolation.of(FrontendType.name(type) + " is not valid after authentication");
            case STARTUP -> ProtocolViolation.of(FrontendType.name(type) + " is not valid before the StartupMessage");
            case CLOSED -> ProtocolViolation.of(FrontendType.name(type) + " arrived after the session closed");
        };
    }

    /** The StartupMessage was accepted and is being sent to the server. */
    public void startupForwarded(StartupMessage message) {
        if (phase != Phase.STARTUP) {
            throw new IllegalStateException("StartupMessage forwarded in phase " + phase);
        }
        startup = message;
        phase = Phase.AUTHENTICATING;
    }

    /**
     * Where the client is in a COPY FROM STDIN, for the Syncs PostgreSQL ignores: the server reads and drops Sync
     * and Flush while it copies in (CopyGetData: "for the convenience of client libraries such as libpq that may
     * send those without noticing that the command they just sent was COPY"). libpq's extended-protocol COPY sends
     * Sync after the Execute and again after CopyDone, and only the second gets a ReadyForQuery.
     */
    private enum Copy { NONE, IN, ENDED }

    private Copy copy = Copy.NONE;
    /** Syncs forwarded since the last Query, Execute or FunctionCall while {@link Copy#NONE}: ignored if a COPY follows. */
    private int syncsSinceStatement;

    /** A whole frontend message of {@code type} was forwarded. */
    public void frontendForwarded(byte type) {
        switch (type) {
            case FrontendType.QUERY, FrontendType.EXECUTE, FrontendType.FUNCTION_CALL -> {
                copy = Copy.NONE;
                syncsSinceStatement = 0;
            }
            case FrontendType.COPY_DATA, FrontendType.COPY_DONE, FrontendType.COPY_FAIL -> {
                if (copy == Copy.NONE) {
                    // The statement started a COPY FROM STDIN (a client sends copy data only after CopyInResponse):
                    // the Syncs sent since it reached the server in copy mode and were dropped.
                    uncount(syncsSinceStatement);
                    syncsSinceStatement = 0;
                }
                copy = type == FrontendType.COPY_DATA ? Copy.IN : Copy.ENDED;
                return;
            }
            case FrontendType.SYNC -> {
                if (copy == Copy.IN) {
                    return; // dropped by the server: no ReadyForQuery will answer it
                }
                if (copy == Copy.NONE) {
                    syncsSinceStatement++;
                }
            }
            default -> {
            }
        }
        if (type == FrontendType.SYNC || type == FrontendType.QUERY || type == FrontendType.FUNCTION_CALL) {
            if (outstanding < LATENCY_RING) {
                requestStarts[outstanding] = clock.nanoTime();
            }
            outstanding++;
            requestsForwarded++;
        }
    }

    /** Forgets the last {@code n} requests forwarded: the server dropped them and will never answer them. */
    private void uncount(int n) {
        int k = Math.min(n, outstanding);
        outstanding -= k;
        requestsForwarded -= k;
    }

    /**
     * Follows the server's bytes (not consumed, not copied).
     *
     * @return null, or why the server's stream cannot be followed
     */
    public String backendReceived(ByteBuf buf) {
        return backend.scan(buf, this);
    }

    /**
     * Follows the server's bytes of {@code buf} only up to the end of the first message that completes
     * there (see {@link BackendStream#scanToBoundary}).
     *
     * @return the index just after that message, the writer index when none completes, or -1 when the
     *         stream is malformed ({@link #backendReceived} then describes why on the same bytes)
     */
    public int backendReceivedToBoundary(ByteBuf buf) {
        return backend.scanToBoundary(buf, this);
    }

    /** The session is over; nothing more is forwarded. */
    public void close() {
        phase = Phase.CLOSED;
    }

    @Override
    public void readyForQuery(byte status) {
        if (phase == Phase.AUTHENTICATING) {
            model.readyForQuery(status, 0);
            phase = Phase.READY;
            events.ready();
            return;
        }
        requestsAnswered++;
        model.readyForQuery(status, requestsAnswered);
        if (outstanding > 0) {
            long now = clock.nanoTime();
            if (outstanding <= LATENCY_RING) {
                metrics.relayLatency(now - requestStarts[0]);
            }
            outstanding--;
            // Shift the ring; almost always zero or one element moves.
            int n = Math.min(outstanding, LATENCY_RING - 1);
            if (n > 0) {
                System.arraycopy(requestStarts, 1, requestStarts, 0, n);
            }
        }
        events.readyForQuery(status);
    }

    @Override
    public void backendKeyData(int processId, int secretKey) {
        if (cancelKey == null && phase == Phase.AUTHENTICATING) {
            cancelKey = new CancelKey(processId, secretKey);
            events.cancelKey(cancelKey);
        }
    }

    @Override
    public void errorResponse(String sqlState) {
        metrics.error(sqlState);
        if (phase == Phase.READY) {
            model.errorResponse(requestsAnswered + 1);
            events.errorResponse();
        }
    }

    @Override
    public void parameterStatus(byte[] body, int length, boolean whole) {
        model.parameterStatus(body, length, whole);
    }

    @Override
    public void extendedComplete(byte type) {
        if (phase == Phase.READY) {
            model.extendedComplete(type);
        }
    }

    @Override
    public void commandComplete(byte[] tag, int length, boolean whole) {
        if (phase == Phase.READY) {
            model.commandComplete(tag, length, whole, requestsAnswered + 1);
        }
    }

    @Override
    public void statementDone() {
        if (phase == Phase.READY) {
            events.statementDone();
        }
    }
}
