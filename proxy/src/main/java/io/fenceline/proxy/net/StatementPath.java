package io.fenceline.proxy.net;

import io.fenceline.config.coordination.MonotonicClock;
import io.fenceline.proxy.metrics.ProxyMetrics;
import io.fenceline.proxy.policy.Decision;
import io.fenceline.proxy.policy.SessionFacts;
import io.fenceline.proxy.policy.StatementPolicy;
import io.fenceline.proxy.schema.VersionTracker;
import io.fenceline.proxy.session.Session;
import io.fenceline.proxy.sql.Inspector;
import io.fenceline.proxy.sql.LastText;
import io.fenceline.proxy.sql.PreparedStatementVerdicts;
import io.fenceline.proxy.sql.SessionStatement;
import io.fenceline.proxy.sql.StatementKind;
import io.fenceline.proxy.sql.StatementSplitter;
import io.fenceline.proxy.sql.Verdict;
import io.fenceline.proxy.wire.ProtocolViolation;
import io.fenceline.proxy.wire.frontend.Bind;
import io.fenceline.proxy.wire.frontend.Close;
import io.fenceline.proxy.wire.frontend.Execute;
import io.fenceline.proxy.wire.frontend.FrontendType;
import io.fenceline.proxy.wire.frontend.Parse;
import io.fenceline.proxy.wire.frontend.Query;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Locale;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The statement side of one connection: every {@code Query}, {@code Parse}, {@code Bind}, {@code Close}
 * and {@code Execute} the client sends passes here before it is forwarded. Query and Parse texts get
 * their verdicts from the {@link Inspector}; the connection's prepared statements and portals keep theirs
 * ({@link PreparedStatementVerdicts}) so that an Execute is judged by the statement it runs; the
 * {@link StatementPolicy} decides at the moment of forwarding. Only those five message types are decoded,
 * and only as far as needed; everything else passes untouched. Runs on the connection's event loop.
 *
 * <p>A {@link Decision.Deny} never makes the proxy answer the client itself. The denied message is replaced
 * by one that makes the <em>server</em> fail at that exact point of the stream, so the error reaches the
 * client after the responses to everything sent before it, and the server's transaction state (failed
 * block 'E', rolled-back implicit transaction, messages skipped until Sync) is PostgreSQL's own:
 * <ul>
 *   <li>a Query statement: the text from that statement on is replaced by a {@code DO} block that raises
 *       the denial's SQLSTATE, message and hint ({@code RAISE ... USING ERRCODE}); the statements before
 *       it run as sent;</li>
 *   <li>an Execute: replaced by an Execute of a portal that cannot exist ({@code fl_denied_N_}); a Parse:
 *       replaced by a Parse of that same token as SQL, a syntax error. The server's error names the token,
 *       and {@link DenialRewriter} swaps exactly that ErrorResponse for the denial's.</li>
 * </ul>
 * See docs/data-path.md for the ordering argument.
 */
final class StatementPath implements SessionFacts {

    /** What {@link #process} did with a frame. */
    enum Outcome {
        /** {@link #forward()} holds the frame to write now (the one given, or its substitute). */
        FORWARD,
        /** Not yet: the frame is kept by the caller and given to {@link #process} again once {@link #waitFor()} completes or at {@link #holdUntil()}. */
        WAIT,
        /** The frame was malformed; it was released and {@link #violation()} says why. */
        FAILED
    }

    /** A denial whose server error is still to be replaced. */
    record PendingDenial(String token, Decision.Deny deny, long batch) {
    }

    /** The SQLSTATE of a commit refused because the transaction wrote under a lost write authority. */
    static final String READ_ONLY_SQL_TRANSACTION = "25006";

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(StatementPath.class);
    private static final String TOKEN_PREFIX = "fl_denied_";
    private static final Pattern DEALLOCATE = Pattern.compile(
            "(?is)\\s*deallocate\\s+(?:prepare\\s+)?(all|\"(?:[^\"]|\"\")+\"|[a-z_][a-z0-9_$]*)\\s*");
    private static final Pattern DISCARD_ALL = Pattern.compile("(?is)\\s*discard\\s+all\\s*");

    private final Inspector inspector;
    private final Executor executor;
    private final StatementPolicy policy;
    private final Session session;
    private final MonotonicClock clock;
    private final SessionControl control;
    private final ProxyMetrics metrics;
    private final ByteBufAllocator alloc;
    private final PreparedStatementVerdicts statements;
    private final ArrayDeque<PendingDenial> denials = new ArrayDeque<>();
    private long denialCount;
    /** The connection's declared schema version, when schema versions are enforced; set at startup. */
    private VersionTracker tracker;

    private ByteBuf forward;
    private CompletableFuture<?> waitFor;
    private long holdUntil;
    private ProtocolViolation violation;
    /** Frames to forward right after {@link #forward()}, in order (a Sync behind a denial, a hidden ROLLBACK). */
    private final ArrayDeque<ByteBuf> followUps = new ArrayDeque<>(2);
    /**
     * Requests N whose ReadyForQuery, and every message of request N+1 but its ReadyForQuery, the client must
     * not see: N is a request that failed a transaction block on purpose, N+1 the ROLLBACK the proxy sent
     * after it (see {@link #rollbackAfter}).
     */
    private final ArrayDeque<Long> hidden = new ArrayDeque<>(2);
    private long heldSince = SessionFacts.NOT_HELD;
    /** A write, or the commit of a transaction that wrote, was allowed since the last {@link #takeUnflushedWrite()}. */
    private boolean unflushedWrite;

    // Write tracking (see transactionWrote()).
    private boolean transactionWrote;
    private long lastWriteRequest;
    /** The recent simple-protocol texts inspected, so that the same statement with new constants skips lexing. */
    private final LastText lastText = new LastText();
    private long writeGeneration;
    /** The current extended-protocol batch (since the last Sync) forwarded a possible write. */
    private boolean batchWrote;
    /** A COMMIT of this batch was denied: the Sync that ends it is followed by a hidden ROLLBACK. */
    private boolean rollbackAtSync;
    /** An Execute of the current extended-protocol batch was forwarded (it may still run on the backend). */
    private boolean batchExecuted;
    /** Names of prepared statements and portals whose text is a commit (COMMIT, END, PREPARE TRANSACTION). */
    private final java.util.Set<String> commitStatements = new java.util.HashSet<>();
    private final java.util.Set<String> commitPortals = new java.util.HashSet<>();

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
        this.control = control;
        this.alloc = alloc;
        this.statements = new PreparedStatementVerdicts(inspector, maxPrepared);
    }

    ByteBuf forward() {
        ByteBuf f = forward;
        forward = null;
        return f;
    }

    /** The next frame to forward after {@link #forward()}'s, or null when there is none. */
    ByteBuf followUp() {
        return followUps.poll();
    }

    /** When {@link Outcome#WAIT}: the inspection to wait for, or null for a policy hold. */
    CompletableFuture<?> waitFor() {
        return waitFor;
    }

    /** When {@link Outcome#WAIT} on a policy hold: when to ask again (monotonic nanoseconds). */
    long holdUntil() {
        return holdUntil;
    }

    ProtocolViolation violation() {
        return violation;
    }

    PreparedStatementVerdicts statements() {
        return statements;
    }

    /**
     * Whether a write or the commit of a transaction that wrote was allowed since the last call (the bytes about
     * to be flushed carry it, decided earlier); clears the mark. Refused statements are not marked: what the
     * proxy sends in their place fails the transaction.
     */
    boolean takeUnflushedWrite() {
        boolean w = unflushedWrite;
        unflushedWrite = false;
        return w;
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
        return switch (type) {
            case FrontendType.QUERY -> query(frame);
            case FrontendType.PARSE -> parse(frame);
            case FrontendType.BIND -> bind(frame);
            case FrontendType.EXECUTE -> execute(frame);
            case FrontendType.CLOSE -> close(frame);
            case FrontendType.FUNCTION_CALL -> functionCall(frame);
            case FrontendType.SYNC -> sync(frame);
            default -> pass(frame);
        };
    }

    /** A policy holds the frame: remember when the hold began (the first time) and when to ask again. */
    private Outcome hold(Decision.Hold hold) {
        if (heldSince == SessionFacts.NOT_HELD) {
            heldSince = clock.nanoTime();
        }
        holdUntil = hold.untilNanos();
        return Outcome.WAIT;
    }

    /** A possible write is about to be forwarded in the request that the next Query, FunctionCall or Sync ends. */
    private void wrote() {
        if (!transactionWrote) {
            transactionWrote = true;
            writeGeneration = control.generation();
        }
        lastWriteRequest = session.requestsForwarded() + 1;
    }

    /**
     * The decision about committing the current transaction, which forwarded a possible write: refused when
     * the write authority fenced the sessions since its first write, else the policy's at {@link
     * StatementPolicy.Point#COMMIT}.
     */
    private Decision commitDecision(Verdict verdict) {
        if (writeGeneration != control.generation()) {
            return new Decision.Deny(READ_ONLY_SQL_TRANSACTION, "cannot commit: the transaction wrote before this "
                    + "cluster was fenced (" + control.reason() + "); it was rolled back",
                    "retry the transaction on the group's current writer");
        }
        return policy.decide(StatementPolicy.Point.COMMIT, verdict, this);
    }

    /**
     * After the next request (N, a Query or Sync about to be forwarded) fails the client's transaction block on
     * purpose, the proxy sends {@code ROLLBACK} (request N+1) so the block ends as a failed COMMIT ends it in
     * PostgreSQL; the client sees the error and one ReadyForQuery 'I' (N's ReadyForQuery and N+1's other
     * messages are hidden by the {@link DenialRewriter}).
     */
    private void rollbackAfter() {
        hidden.add(session.requestsForwarded() + 1);
        followUps.add(new Query("ROLLBACK").encode(alloc));
        metrics.commitRolledBack();
    }

    /**
     * Sync ends an extended-protocol batch. A denied COMMIT earlier in the batch gets its hidden ROLLBACK after
     * this Sync. A batch that forwarded a possible write while no block is known to be open is committed by
     * this Sync: the policy is asked at {@link StatementPolicy.Point#COMMIT}, and a denial makes the server
     * fail the batch just before the Sync (an Execute of a portal that cannot exist, answered with the
     * denial), so the implicit transaction rolls back. A Hold here counts as Allow (see the Point).
     */
    private Outcome sync(ByteBuf frame) {
        if (tracker != null) {
            tracker.synced();
        }
        boolean denied = rollbackAtSync;
        boolean commits = batchWrote && transactionWrote && session.transactionStatus() == 'I';
        rollbackAtSync = false;
        batchWrote = false;
        batchExecuted = false;
        if (denied) {
            forward = frame;
            rollbackAfter();
            return Outcome.FORWARD;
        }
        if (commits) {
            Decision d = commitDecision(StatementPolicy.SYNC_VERDICT);
            if (d instanceof Decision.Deny deny) {
                forward = new Execute(register(deny), 0).encode(alloc);
                followUps.add(frame);
                metrics.commitRolledBack();
                return Outcome.FORWARD;
            }
            unflushedWrite = true;
        }
        forward = frame;
        return Outcome.FORWARD;
    }

    /**
     * Whether nothing the session forwarded can still be running on its backend: every Query, FunctionCall and
     * Sync was answered, and no Execute was forwarded since the last Sync. A held session that is quiet has
     * nothing running and can commit nothing until it is released.
     */
    boolean quiet() {
        return session.outstanding() == 0 && !batchExecuted;
    }

    /**
     * The database says the open transaction holds a transaction id at a fence (a function wrote behind a read,
     * say): it counts as a transaction that wrote before the fence, so its COMMIT rolls back. Ignored outside a
     * transaction block (the transaction the fence saw has ended since). Returns whether it was marked.
     */
    boolean wroteBeforeFence() {
        if (session.transactionStatus() == 'I') {
            return false;
        }
        transactionWrote = true;
        writeGeneration = control.generation() - 1;
        return true;
    }

    /** Whether a possible write was forwarded and its request's ReadyForQuery has not arrived yet. */
    boolean writeInFlight() {
        return transactionWrote && lastWriteRequest > session.requestsAnswered();
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
    }

    private Outcome pass(ByteBuf frame) {
        forward = frame;
        return Outcome.FORWARD;
    }

    private Outcome failed(ByteBuf frame, ProtocolViolation v) {
        frame.release();
        violation = v;
        return Outcome.FAILED;
    }

    // ---- simple protocol ----

    private Outcome query(ByteBuf frame) {
        Query.Decoded decoded = Query.decode(frame);
        if (decoded instanceof Query.Malformed m) {
            return failed(frame, m.violation());
        }
        String sql = ((Query.Ok) decoded).query().sql();
        List<Verdict> verdicts;
        if (sql.length() >= inspector.offloadThreshold()) {
            CompletableFuture<List<Verdict>> f = inspectAsync(sql);
            if (!f.isDone()) {
                waitFor = f;
                return Outcome.WAIT;
            }
            verdicts = f.join();
        } else {
            verdicts = inspector.inspect(sql, lastText);
        }
        boolean writes = false;
        boolean commits = false;
        int[] starts = null;
        SessionStatement[] versionStatements = null;
        int queuedBefore = tracker == null ? 0 : tracker.queued();
        for (int k = 0; k < verdicts.size(); k++) {
            Verdict v = verdicts.get(k);
            SessionStatement ss = null;
            if (tracker != null && followsVersion(v, sql)) {
                if (versionStatements == null) {
                    versionStatements = SessionStatement.ofQuery(sql);
                }
                ss = k < versionStatements.length ? versionStatements[k] : null;
            }
            Decision d = ss == null ? null : tracker.judge(ss);
            if (d == null) {
                d = policy.decide(StatementPolicy.Point.QUERY, v, this);
            }
            boolean commit = false;
            if (d instanceof Decision.Allow && v.kind() == StatementKind.TRANSACTION && (transactionWrote || writes)) {
                if (starts == null) {
                    starts = StatementSplitter.starts(sql);
                }
                commit = isCommit(sql, starts[k], k + 1 < starts.length ? starts[k + 1] : sql.length());
                if (commit) {
                    if (writes) {
                        wrote();
                    }
                    d = commitDecision(v);
                }
            }
            if (d instanceof Decision.Hold hold) {
                if (tracker != null) {
                    // The whole text is judged again later: what it queued is queued again then.
                    tracker.unqueue(queuedBefore);
                }
                return hold(hold);
            }
            if (d instanceof Decision.Deny deny) {
                if (writes) {
                    wrote();
                }
                int cut = (starts == null ? StatementSplitter.starts(sql) : starts)[k];
                String substitute = sql.substring(0, cut) + raiseBlock(deny);
                frame.release();
                forward = new Query(substitute).encode(alloc);
                if (commit) {
                    rollbackAfter();
                }
                return Outcome.FORWARD;
            }
            if (ss != null) {
                tracker.forwardedInQuery(ss, session.requestsForwarded() + 1, k);
            }
            writes |= v.mayWrite();
            commits |= commit;
        }
        if (writes) {
            wrote();
        }
        unflushedWrite |= writes || commits;
        for (Verdict v : verdicts) {
            if (v.kind() == StatementKind.SESSION) {
                followSessionStatements(sql);
                break;
            }
        }
        forward = frame;
        return Outcome.FORWARD;
    }

    /**
     * Whether the statement of {@code v} (in {@code sql}) may matter for the schema version: session statements
     * (SET, RESET, DISCARD) always; transaction control only when the tracker has something a commit, rollback
     * or savepoint could change, or when it is a SAVEPOINT (which a later ROLLBACK TO returns to). So the
     * BEGIN/COMMIT of an ordinary transaction is not lexed a second time.
     */
    private boolean followsVersion(Verdict v, String sql) {
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

    /** DEALLOCATE and DISCARD ALL in SQL end prepared statements the protocol did not close. */
    private void followSessionStatements(String sql) {
        String lower = sql.toLowerCase(Locale.ROOT);
        if (!lower.contains("deallocate") && !lower.contains("discard")) {
            return;
        }
        for (String statement : StatementSplitter.split(sql)) {
            if (DISCARD_ALL.matcher(statement).matches()) {
                statements.clear();
                commitStatements.clear();
                if (tracker != null) {
                    tracker.forgetPrepared();
                }
                continue;
            }
            Matcher m = DEALLOCATE.matcher(statement);
            if (m.matches()) {
                String name = m.group(1);
                if (name.equalsIgnoreCase("all")) {
                    statements.clear();
                    commitStatements.clear();
                } else if (name.startsWith("\"")) {
                    statements.close(name.substring(1, name.length() - 1).replace("\"\"", "\""));
                } else {
                    statements.close(name.toLowerCase(Locale.ROOT));
                }
            }
        }
    }

    /**
     * A {@code DO} block that makes the server raise {@code deny}. Values are dollar-quoted with tags that
     * cannot end inside them, so no text of the denial can close a quote early.
     */
    static String raiseBlock(Decision.Deny deny) {
        String message = deny.message();
        String hint = deny.hint();
        String inner = tag("m", message, hint == null ? "" : hint);
        StringBuilder body = new StringBuilder(96 + message.length() + (hint == null ? 0 : hint.length()));
        body.append("BEGIN RAISE EXCEPTION USING ERRCODE = '").append(deny.sqlState())
                .append("', MESSAGE = ").append(inner).append(message).append(inner);
        if (hint != null) {
            body.append(", HINT = ").append(inner).append(hint).append(inner);
        }
        body.append("; END ");
        String outer = tag("fl", body.toString(), "");
        return "DO " + outer + body + outer;
    }

    /** A dollar-quote tag that first occurs, in each of {@code values} followed by it, at the value's end. */
    private static String tag(String base, String a, String b) {
        String t = "$" + base + "$";
        for (int n = 0; !closesAtEnd(a, t) || !closesAtEnd(b, t); n++) {
            t = "$" + base + n + "$";
        }
        return t;
    }

    private static boolean closesAtEnd(String value, String tag) {
        return (value + tag).indexOf(tag) == value.length();
    }

    private CompletableFuture<List<Verdict>> inspectAsync(String sql) {
        try {
            // Inspection does not throw for any text; should it, the retry inspects on the event loop.
            return inspector.inspectAsync(sql, executor).exceptionally(e -> inspector.inspect(sql));
        } catch (RejectedExecutionException e) {
            // The offload queue is full: inspect here rather than lose the message.
            return CompletableFuture.completedFuture(inspector.inspect(sql));
        }
    }

    /**
     * FunctionCall runs a function by OID: the proxy cannot see what it does, so the policy judges a
     * not-understood verdict. It is answered like a Query (a result or an error, then ReadyForQuery), so a
     * denial is the same server-raised error as for a Query statement.
     */
    private Outcome functionCall(ByteBuf frame) {
        Decision d = policy.decide(StatementPolicy.Point.FUNCTION_CALL, FUNCTION_CALL_VERDICT, this);
        if (d instanceof Decision.Hold hold) {
            return hold(hold);
        }
        if (d instanceof Decision.Deny deny) {
            frame.release();
            forward = new Query(raiseBlock(deny)).encode(alloc);
            return Outcome.FORWARD;
        }
        wrote();
        unflushedWrite = true;
        forward = frame;
        return Outcome.FORWARD;
    }

    private static final Verdict FUNCTION_CALL_VERDICT = Verdict.unknown("FunctionCall runs a function by OID");

    // ---- extended protocol ----

    private Outcome parse(ByteBuf frame) {
        Parse.Decoded decoded = Parse.decode(frame);
        if (decoded instanceof Parse.Malformed m) {
            return failed(frame, m.violation());
        }
        Parse p = ((Parse.Ok) decoded).parse();
        Verdict v;
        if (p.sql().length() >= inspector.offloadThreshold()) {
            CompletableFuture<List<Verdict>> f = inspectAsync(p.sql());
            if (!f.isDone()) {
                waitFor = f;
                return Outcome.WAIT;
            }
            List<Verdict> all = f.join();
            v = all.size() == 1 ? all.get(0) : inspector.inspectStatement(p.sql());
        } else {
            v = inspector.inspectStatement(p.sql());
        }
        SessionStatement ss = tracker != null && followsVersion(v, p.sql()) ? SessionStatement.parse(p.sql()) : null;
        Decision d = ss == null ? null : tracker.judge(ss);
        if (d == null) {
            d = policy.decide(StatementPolicy.Point.PARSE, v, this);
        }
        if (d instanceof Decision.Hold hold) {
            return hold(hold);
        }
        commitStatements.remove(p.name());
        if (d instanceof Decision.Deny deny) {
            // A failed Parse creates nothing (and drops the unnamed statement), as here.
            statements.close(p.name());
            if (tracker != null) {
                tracker.parsed(p.name(), null);
            }
            String token = register(deny);
            frame.release();
            forward = new Parse(p.name(), token, new int[0]).encode(alloc);
            return Outcome.FORWARD;
        }
        statements.prepared(p.name(), v);
        if (v.kind() == StatementKind.TRANSACTION && isCommit(p.sql(), 0, p.sql().length())) {
            commitStatements.add(p.name());
        }
        if (tracker != null) {
            tracker.parsed(p.name(), ss);
        }
        forward = frame;
        return Outcome.FORWARD;
    }

    private Outcome bind(ByteBuf frame) {
        Bind.Decoded decoded = Bind.decode(frame);
        if (decoded instanceof Bind.Malformed m) {
            return failed(frame, m.violation());
        }
        Bind b = ((Bind.Ok) decoded).bind();
        statements.bind(b.portal(), b.statement());
        if (commitStatements.contains(b.statement())) {
            commitPortals.add(b.portal());
        } else if (!commitPortals.isEmpty()) {
            commitPortals.remove(b.portal());
        }
        if (tracker != null) {
            tracker.bound(b.portal(), b.statement());
        }
        forward = frame;
        return Outcome.FORWARD;
    }

    private Outcome execute(ByteBuf frame) {
        Execute.Decoded decoded = Execute.decode(frame);
        if (decoded instanceof Execute.Malformed m) {
            return failed(frame, m.violation());
        }
        Execute e = ((Execute.Ok) decoded).execute();
        Verdict v = statements.portal(e.portal());
        if (v == null) {
            v = Verdict.unknown("portal \"" + e.portal() + "\" was bound before the proxy saw it");
        }
        Decision d = policy.decide(StatementPolicy.Point.EXECUTE, v, this);
        boolean commit = d instanceof Decision.Allow && transactionWrote && !commitPortals.isEmpty()
                && commitPortals.contains(e.portal());
        if (commit) {
            d = commitDecision(v);
        }
        if (d instanceof Decision.Hold hold) {
            return hold(hold);
        }
        if (d instanceof Decision.Deny deny) {
            String token = register(deny);
            frame.release();
            forward = new Execute(token, 0).encode(alloc);
            // The denied commit fails the block; the ROLLBACK after this batch's Sync ends it.
            rollbackAtSync |= commit;
            batchExecuted = true;
            if (tracker != null) {
                tracker.executed(token, session.requestsForwarded() + 1);
            }
            return Outcome.FORWARD;
        }
        batchExecuted = true;
        if (v.mayWrite()) {
            wrote();
            batchWrote = true;
        }
        unflushedWrite |= v.mayWrite() || commit;
        if (tracker != null) {
            tracker.executed(e.portal(), session.requestsForwarded() + 1);
        }
        forward = frame;
        return Outcome.FORWARD;
    }

    private Outcome close(ByteBuf frame) {
        Close.Decoded decoded = Close.decode(frame);
        if (decoded instanceof Close.Malformed m) {
            return failed(frame, m.violation());
        }
        Close c = ((Close.Ok) decoded).close();
        if (c.target() == Close.STATEMENT) {
            statements.close(c.name());
            commitStatements.remove(c.name());
        } else {
            statements.closePortal(c.name());
            commitPortals.remove(c.name());
        }
        if (tracker != null) {
            tracker.closed(c.target() == Close.STATEMENT, c.name());
        }
        forward = frame;
        return Outcome.FORWARD;
    }

    private String register(Decision.Deny deny) {
        String token = TOKEN_PREFIX + (++denialCount) + "_";
        // The Sync that ends this extended-protocol batch is the next request forwarded.
        denials.add(new PendingDenial(token, deny, session.requestsForwarded() + 1));
        return token;
    }

    // ---- backend side ----

    boolean hasDenials() {
        return !denials.isEmpty();
    }

    /** Whether the server's stream still holds messages the client must not see. */
    boolean hasHidden() {
        return !hidden.isEmpty();
    }

    /**
     * Whether the server message of {@code type} that starts now is hidden from the client: the
     * ReadyForQuery of a request N in {@link #hidden}, and every message of request N+1 but its ReadyForQuery.
     * Called at each message boundary before the message is followed by the session.
     */
    boolean hides(byte type) {
        long answered = session.requestsAnswered();
        while (!hidden.isEmpty() && hidden.peek() < answered) {
            hidden.poll();
        }
        if (hidden.isEmpty()) {
            return false;
        }
        long n = hidden.peek();
        boolean rfq = type == io.fenceline.proxy.wire.backend.BackendType.READY_FOR_QUERY;
        if (answered == n - 1) {
            return rfq;
        }
        if (answered == n) {
            if (rfq) {
                hidden.poll();
                return false;
            }
            return true;
        }
        return false;
    }

    /**
     * The pending denial whose substitute caused {@code error} (a whole ErrorResponse frame), removed from
     * the pending ones; null when the error is the server's own.
     */
    PendingDenial claim(ByteBuf error) {
        String text = error.toString(error.readerIndex(), error.readableBytes(), StandardCharsets.UTF_8);
        for (var it = denials.iterator(); it.hasNext(); ) {
            PendingDenial d = it.next();
            if (text.contains(d.token())) {
                it.remove();
                return d;
            }
        }
        return null;
    }

    /** A ReadyForQuery was relayed: denials of batches it ended are over; at 'I' every portal is gone. */
    void readyForQuery(byte status) {
        long answered = session.requestsAnswered();
        while (!denials.isEmpty() && denials.peek().batch() <= answered) {
            denials.poll();
        }
        if (status == 'I') {
            statements.transactionEnded();
            commitPortals.clear();
            if (transactionWrote && answered >= lastWriteRequest) {
                transactionWrote = false;
            }
        }
        if (tracker != null) {
            tracker.readyForQuery(status, answered);
        }
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
        return transactionWrote;
    }

    /**
     * Whether the statement at {@code [from, to)} of {@code sql} commits the transaction: {@code COMMIT} or
     * {@code END} (not {@code COMMIT PREPARED}, which is classified as a write), or {@code PREPARE TRANSACTION}
     * (the transaction's writes become durable). Leading blanks and comments are skipped.
     */
    static boolean isCommit(String sql, int from, int to) {
        int i = skipBlanks(sql, from, to);
        int end = wordEnd(sql, i, to);
        String first = sql.substring(i, end).toLowerCase(Locale.ROOT);
        int j = skipBlanks(sql, end, to);
        String second = sql.substring(j, wordEnd(sql, j, to)).toLowerCase(Locale.ROOT);
        return switch (first) {
            case "commit", "end" -> !second.equals("prepared");
            case "prepare" -> second.equals("transaction");
            default -> false;
        };
    }

    private static int wordEnd(String sql, int i, int to) {
        while (i < to && (Character.isLetter(sql.charAt(i)) || sql.charAt(i) == '_')) {
            i++;
        }
        return i;
    }

    private static int skipBlanks(String sql, int i, int to) {
        while (i < to) {
            char c = sql.charAt(i);
            if (Character.isWhitespace(c) || c == ';' || c == '(') {
                i++;
            } else if (c == '-' && i + 1 < to && sql.charAt(i + 1) == '-') {
                while (i < to && sql.charAt(i) != '\n') {
                    i++;
                }
            } else if (c == '/' && i + 1 < to && sql.charAt(i + 1) == '*') {
                int depth = 1;
                i += 2;
                while (i < to && depth > 0) {
                    if (sql.startsWith("/*", i)) {
                        depth++;
                        i += 2;
                    } else if (sql.startsWith("*/", i)) {
                        depth--;
                        i += 2;
                    } else {
                        i++;
                    }
                }
            } else {
                break;
            }
        }
        return i;
    }
}
