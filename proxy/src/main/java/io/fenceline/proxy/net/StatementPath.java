package io.fenceline.proxy.net;

import io.fenceline.config.coordination.MonotonicClock;
import io.fenceline.proxy.metrics.ProxyMetrics;
import io.fenceline.proxy.policy.Decision;
import io.fenceline.proxy.policy.SessionFacts;
import io.fenceline.proxy.policy.StatementPolicy;
import io.fenceline.proxy.schema.VersionTracker;
import io.fenceline.proxy.session.Session;
import io.fenceline.proxy.session.SessionModel;
import io.fenceline.proxy.sql.Inspector;
import io.fenceline.proxy.sql.SessionEffects;
import io.fenceline.proxy.sql.StatementKind;
import io.fenceline.proxy.sql.Verdict;
import io.fenceline.proxy.wire.ProtocolViolation;
import io.fenceline.proxy.wire.frontend.FrontendType;
import io.fenceline.proxy.wire.frontend.Query;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

import java.util.ArrayDeque;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/**
 * The statement side of one connection: every {@code Query}, {@code Parse}, {@code Bind}, {@code Close},
 * {@code Execute}, {@code FunctionCall} and {@code Sync} the client sends passes here before it is forwarded.
 * Texts get their verdicts from the {@link Inspector}, read in the encoding and with the string rules the server
 * reported ({@link SessionModel}); an Execute is judged by the statement the {@link SessionModel} says its portal
 * runs; the {@link StatementPolicy} decides at the moment of forwarding; the {@link ReadOnlyFence} keeps the
 * session read-only at the server whenever the cluster may not write. The extended-protocol messages are judged
 * in {@link ExtendedPath}. Runs on the connection's event loop.
 *
 * <p>A {@link Decision.Deny} never makes the proxy answer the client itself. The denied message is replaced by
 * one that makes the <em>server</em> fail at that exact point of the stream (see {@link Denials}), so the error
 * reaches the client after the responses to everything sent before it, and the server's transaction state is
 * PostgreSQL's own: a Query statement is replaced, from that statement on, by a {@code DO} block that raises the
 * denial; an Execute by an Execute of a portal that cannot exist; a Parse by a Parse of that token as SQL. See
 * docs/data-path.md for the ordering argument.
 */
final class StatementPath implements SessionFacts {

    /** What {@link #process} did with a frame. */
    enum Outcome {
        /** {@link #forward()} holds the frame to write now (the one given, or its substitute). */
        FORWARD,
        /** Not yet: the frame is kept by the caller and given to {@link #process} again once {@link #waitFor()} completes or at {@link #holdUntil()}. */
        WAIT,
        /** The frame was malformed or the session cannot be followed; it was released and {@link #violation()} says why. */
        FAILED
    }

    /** The SQLSTATE of a commit refused because the transaction wrote under a lost write authority. */
    static final String READ_ONLY_SQL_TRANSACTION = "25006";

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(StatementPath.class);

    final Inspector inspector;
    private final Executor executor;
    final StatementPolicy policy;
    final Session session;
    private final MonotonicClock clock;
    final ProxyMetrics metrics;
    final ByteBufAllocator alloc;
    final Denials denials;
    final ReadOnlyFence fence;
    final WriteMarks marks;
    /** How the session's texts are read (encoding, string rules), from the session model. */
    final SessionText text;
    private final ExtendedPath extended;
    private final SimplePath simple;
    /** The connection's declared schema version, when schema versions are enforced; set at startup. */
    VersionTracker tracker;

    ByteBuf forward;
    CompletableFuture<?> waitFor;
    private boolean waitingForAnswers;
    private long holdUntil;
    private ProtocolViolation violation;
    /** Frames to forward right after {@link #forward()}, in order (a Sync behind a denial, a hidden ROLLBACK). */
    final ArrayDeque<ByteBuf> followUps = new ArrayDeque<>(2);
    private long heldSince = SessionFacts.NOT_HELD;
    /** The next message starts a request (the previous one ended with a Query, FunctionCall or Sync). */
    private boolean requestStart = true;
    private io.fenceline.proxy.replication.ReplicationMode replication;

    StatementPath(Inspector inspector, Executor executor, StatementPolicy policy, Session session,
                  ByteBufAllocator alloc, int maxPrepared) {
        this(inspector, executor, policy, session, alloc, maxPrepared, MonotonicClock.SYSTEM, new SessionControl(),
                ProxyMetrics.NOOP);
    }

    StatementPath(Inspector inspector, Executor executor, StatementPolicy policy, Session session,
                  ByteBufAllocator alloc, int maxPrepared, MonotonicClock clock, SessionControl control,
                  ProxyMetrics metrics) {
        this.metrics = metrics;
        this.inspector = inspector;
        this.executor = executor;
        this.policy = policy;
        this.session = session;
        this.clock = clock;
        this.alloc = alloc;
        this.denials = new Denials(session);
        this.fence = new ReadOnlyFence(policy, session, denials, alloc);
        this.marks = new WriteMarks(control);
        this.text = new SessionText(session);
        this.extended = new ExtendedPath(this);
        this.simple = new SimplePath(this);
    }

    ByteBuf forward() {
        ByteBuf f = forward;
        forward = null;
        return f;
    }

    /** The next frame to forward after {@link #forward()}'s (or, on {@link Outcome#WAIT}, before waiting), or null. */
    ByteBuf followUp() {
        return followUps.poll();
    }

    /** When {@link Outcome#WAIT}: the inspection or the server's answers to wait for, or null for a policy hold. */
    CompletableFuture<?> waitFor() {
        return waitFor;
    }

    /** When {@link Outcome#WAIT} on a future: whether it is the server's answers rather than an inspection. */
    boolean waitingForAnswers() {
        return waitingForAnswers;
    }

    /** When {@link Outcome#WAIT} on a policy hold: when to ask again (monotonic nanoseconds). */
    long holdUntil() {
        return holdUntil;
    }

    ProtocolViolation violation() {
        return violation;
    }

    /** What the proxy believes about the session. */
    SessionModel model() {
        return session.model();
    }

    /**
     * Whether a write or the commit of a transaction that wrote was allowed since the last call (the bytes about
     * to be flushed carry it, decided earlier); clears the mark.
     */
    boolean takeUnflushedWrite() {
        return marks.takeUnflushed();
    }

    /** Whether the policy still allows the writes it allowed earlier in this batch ({@link StatementPolicy#stillAllowsWrites}). */
    boolean stillAllowsWrites() {
        return policy.stillAllowsWrites();
    }

    /** Follows the connection's schema version with {@code t} from now on. */
    void tracker(VersionTracker t) {
        this.tracker = t;
    }

    /** Decides about one whole frontend frame (type byte to last byte). See {@link Outcome}. */
    Outcome process(ByteBuf frame) {
        waitFor = null;
        waitingForAnswers = false;
        try {
            Outcome o = decide(frame);
            if (o != Outcome.WAIT) {
                heldSince = SessionFacts.NOT_HELD;
            }
            return o;
        } catch (RuntimeException e) {
            // A bug in inspection or in a policy must neither leak the frame nor let the statement through.
            LOG.warn("cannot judge a {} message; closing the connection", FrontendType.name(frame.getByte(frame.readerIndex())), e);
            if (forward != null && forward != frame) {
                forward.release();
            }
            forward = null;
            if (frame.refCnt() > 0) {
                frame.release();
            }
            releaseFollowUps();
            heldSince = SessionFacts.NOT_HELD;
            violation = new ProtocolViolation("XX000", "the proxy could not judge the statement: " + e);
            return Outcome.FAILED;
        }
    }

    private Outcome decide(ByteBuf frame) {
        byte type = frame.getByte(frame.readerIndex());
        if (model().lost() != null) {
            return failed(frame, new ProtocolViolation("08P01", fence.failure()));
        }
        if (requestStart && startsRequest(type) && replication().runsSql()) {
            ReadOnlyFence.Step step = fence.beforeRequest();
            if (step == ReadOnlyFence.Step.WAIT) {
                ByteBuf injected = fence.injected();
                if (injected != null) {
                    followUps.add(injected);
                }
                waitFor = fence.answers();
                waitingForAnswers = true;
                return Outcome.WAIT;
            }
            if (step == ReadOnlyFence.Step.FAIL) {
                return failed(frame, new ProtocolViolation(READ_ONLY_SQL_TRANSACTION, "terminating connection: "
                        + fence.failure()));
            }
        }
        Outcome o = switch (type) {
            case FrontendType.QUERY -> simple.query(frame);
            case FrontendType.PARSE -> extended.parse(frame);
            case FrontendType.BIND -> extended.bind(frame);
            case FrontendType.EXECUTE -> extended.execute(frame);
            case FrontendType.CLOSE -> extended.close(frame);
            case FrontendType.FUNCTION_CALL -> simple.functionCall(frame);
            case FrontendType.SYNC -> extended.sync(frame);
            default -> pass(frame);
        };
        if (o == Outcome.FORWARD) {
            if (type == FrontendType.QUERY || type == FrontendType.FUNCTION_CALL || type == FrontendType.SYNC) {
                requestStart = true;
            } else if (startsRequest(type)) {
                requestStart = false;
            }
        }
        return o;
    }

    /** The session's walsender mode, from its StartupMessage (a physical walsender runs no SQL: nothing to fence). */
    io.fenceline.proxy.replication.ReplicationMode replication() {
        if (replication == null) {
            replication = session.startup() == null ? io.fenceline.proxy.replication.ReplicationMode.NONE
                    : io.fenceline.proxy.replication.ReplicationMode.of(session.startup().parameters());
        }
        return replication;
    }

    /** Messages that open a request: the first of them after a Query, FunctionCall or Sync. */
    private static boolean startsRequest(byte type) {
        return switch (type) {
            case FrontendType.QUERY, FrontendType.PARSE, FrontendType.BIND, FrontendType.EXECUTE, FrontendType.CLOSE,
                    FrontendType.FUNCTION_CALL, FrontendType.DESCRIBE -> true;
            default -> false;
        };
    }

    /** A policy holds the frame: remember when the hold began (the first time) and when to ask again. */
    Outcome hold(Decision.Hold hold) {
        if (heldSince == SessionFacts.NOT_HELD) {
            heldSince = clock.nanoTime();
        }
        holdUntil = hold.untilNanos();
        return Outcome.WAIT;
    }

    /** The request the next Query, FunctionCall or Sync forwarded ends. */
    long nextRequest() {
        return session.requestsForwarded() + 1;
    }

    /**
     * The decision about committing the current transaction, which forwarded a possible write: refused when
     * the write authority fenced the sessions since its first write, else the policy's at {@link
     * StatementPolicy.Point#COMMIT}.
     */
    Decision commitDecision(Verdict verdict) {
        if (marks.fencedSinceFirstWrite()) {
            return new Decision.Deny(READ_ONLY_SQL_TRANSACTION, "cannot commit: the transaction wrote before this "
                    + "cluster was fenced (" + marks.reason() + "); it was rolled back",
                    "retry the transaction on the group's current writer");
        }
        return policy.decide(StatementPolicy.Point.COMMIT, verdict, this);
    }

    /**
     * After the next request (N, a Query or Sync about to be forwarded) fails the client's transaction block on
     * purpose, the proxy sends {@code ROLLBACK} (request N+1) so the block ends as a failed COMMIT ends it in
     * PostgreSQL; the client sees the error and one ReadyForQuery 'I'.
     */
    void rollbackAfter() {
        long n = nextRequest();
        denials.hide(n, Denials.Hide.READY_FOR_QUERY);
        denials.hide(n + 1, Denials.Hide.ALL_BUT_READY_FOR_QUERY);
        followUps.add(new Query("ROLLBACK").encode(alloc));
        metrics.commitRolledBack();
    }

    /**
     * Whether nothing the session forwarded can still be running on its backend: every Query, FunctionCall and
     * Sync was answered, and no Execute was forwarded since the last Sync.
     */
    boolean quiet() {
        return session.outstanding() == 0 && !marks.batchExecuted;
    }

    /**
     * The database says the open transaction holds a transaction id at a fence (a function wrote behind a read,
     * say): it counts as a transaction that wrote before the fence, so its COMMIT rolls back. Ignored outside a
     * transaction block. Returns whether it was marked.
     */
    boolean wroteBeforeFence() {
        if (session.transactionStatus() == 'I') {
            return false;
        }
        marks.wroteBeforeFence();
        return true;
    }

    /** Whether a possible write was forwarded and its request's ReadyForQuery has not arrived yet. */
    boolean writeInFlight() {
        return marks.inFlight(session.requestsAnswered());
    }

    private void releaseFollowUps() {
        ByteBuf b;
        while ((b = followUps.poll()) != null) {
            b.release();
        }
    }

    /** Releases what is held (the connection is closing). */
    void release() {
        releaseFollowUps();
        fence.release();
    }

    private Outcome pass(ByteBuf frame) {
        forward = frame;
        return Outcome.FORWARD;
    }

    Outcome failed(ByteBuf frame, ProtocolViolation v) {
        frame.release();
        violation = v;
        return Outcome.FAILED;
    }

    CompletableFuture<List<Verdict>> inspectAsync(String sql) {
        try {
            // Inspection does not throw for any text; should it, the retry inspects on the event loop.
            return inspector.inspectAsync(sql, executor).exceptionally(e -> inspector.inspect(sql));
        } catch (RejectedExecutionException e) {
            // The offload queue is full: inspect here rather than lose the message.
            return CompletableFuture.completedFuture(inspector.inspect(sql));
        }
    }

    /**
     * Whether the statement of {@code v} (in {@code sql}) may matter for the schema version: session statements
     * (SET, RESET, DISCARD) always; transaction control only when the tracker has something a commit, rollback
     * or savepoint could change, or when it is a SAVEPOINT (which a later ROLLBACK TO returns to).
     */
    boolean followsVersion(Verdict v, String sql) {
        if (v.kind() == StatementKind.SESSION) {
            return true;
        }
        return v.kind() == StatementKind.TRANSACTION && (!tracker.quiet() || containsSavepoint(sql));
    }

    private static boolean containsSavepoint(String sql) {
        for (int i = 0; i + 9 <= sql.length(); i++) {
            if (sql.regionMatches(true, i, "savepoint", 0, 9)) {
                return true;
            }
        }
        return false;
    }

    /** The DO block that raises {@code deny} (without a token: see {@link Denials#raiseBlock}). */
    static String raiseBlock(Decision.Deny deny) {
        return Denials.raiseBlock(deny, null);
    }

    // ---- backend side ----

    boolean hasDenials() {
        return denials.hasDenials();
    }

    /** Whether the server's stream still holds messages the client must not see. */
    boolean hasHidden() {
        return denials.hasHidden();
    }

    /** See {@link Denials#hides}. */
    boolean hides(byte type) {
        return denials.hides(type);
    }

    /** See {@link Denials#claim}. */
    Denials.PendingDenial claim(ByteBuf error) {
        return denials.claim(error);
    }

    /** A ReadyForQuery was relayed: denials of batches it ended are over; at 'I' the transaction's marks end. */
    void readyForQuery(byte status) {
        long answered = session.requestsAnswered();
        denials.readyForQuery();
        if (status == 'I') {
            marks.idle(answered);
        }
        if (tracker != null) {
            tracker.readyForQuery(status, answered);
        }
        fence.readyForQuery();
    }

    /** A statement or Execute of the request being answered finished. */
    void statementDone() {
        if (tracker != null) {
            tracker.completed(session.requestsAnswered() + 1);
        }
    }

    /** The server sent an ErrorResponse. */
    void errorResponse() {
        if (tracker != null) {
            tracker.error();
        }
    }

    // ---- SessionFacts ----

    @Override
    public byte transactionStatus() {
        return session.transactionStatus();
    }

    @Override
    public String startupParameter(String name) {
        return session.startup() == null ? null : session.startup().parameters().get(name);
    }

    @Override
    public OptionalInt schemaVersion() {
        return tracker == null ? OptionalInt.empty() : tracker.version();
    }

    @Override
    public long heldSinceNanos() {
        return heldSince;
    }

    @Override
    public boolean transactionWrote() {
        return marks.transactionWrote;
    }

    /**
     * Whether the statement at {@code [from, to)} of {@code sql} commits the transaction: {@code COMMIT} or
     * {@code END} (not {@code COMMIT PREPARED}), or {@code PREPARE TRANSACTION}.
     */
    static boolean isCommit(String sql, int from, int to) {
        return SessionEffects.of(sql, from, to).commits();
    }
}
