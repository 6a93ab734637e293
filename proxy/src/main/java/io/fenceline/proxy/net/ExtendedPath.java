package io.fenceline.proxy.net;

import io.fenceline.proxy.policy.Decision;
import io.fenceline.proxy.policy.StatementPolicy;
import io.fenceline.proxy.session.SessionModel;
import io.fenceline.proxy.sql.SessionEffects;
import io.fenceline.proxy.sql.SessionStatement;
import io.fenceline.proxy.sql.Verdict;
import io.fenceline.proxy.wire.CStrings;
import io.fenceline.proxy.wire.frontend.Bind;
import io.fenceline.proxy.wire.frontend.Close;
import io.fenceline.proxy.wire.frontend.Execute;
import io.fenceline.proxy.wire.frontend.Parse;
import io.netty.buffer.ByteBuf;

import java.nio.charset.Charset;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The extended-protocol half of the {@link StatementPath}: Parse, Bind, Execute, Close and Sync. Each announces
 * to the {@link SessionModel} what it asks of the server (a statement or portal the server will confirm or not);
 * an Execute is judged by the statement the model says its portal runs, in this very batch or, when an earlier
 * batch is unanswered, by both candidates.
 */
final class ExtendedPath {

    private final StatementPath path;

    ExtendedPath(StatementPath path) {
        this.path = path;
    }

    private SessionModel model() {
        return path.session.model();
    }

    StatementPath.Outcome parse(ByteBuf frame) {
        if (MessageBody.isHead(frame)) {
            // Too long to hold: only the statement's name was kept, for the denial's Parse of the same name.
            ByteBuf view = frame.duplicate().readerIndex(frame.readerIndex() + 5);
            String name = CStrings.read(view, frame.readerIndex() + frame.readableBytes(), CStrings.NAMES);
            if (name == null) {
                return path.failed(frame, io.fenceline.proxy.wire.ProtocolViolation.of("Parse must start with a "
                        + "statement name ending with a zero byte"));
            }
            return deny(frame, name, StatementPath.tooLong(frame));
        }
        Decision.Deny refused = path.text.unreadable(frame);
        Charset charset = refused == null ? path.text.charset(frame) : CStrings.NAMES;
        Parse.Decoded decoded = Parse.decode(frame, charset);
        if (decoded instanceof Parse.Malformed m) {
            return path.failed(frame, m.violation());
        }
        Parse p = ((Parse.Ok) decoded).parse();
        if (refused != null) {
            return deny(frame, p.name(), refused);
        }
        String sql = path.text.standard(p.sql());
        if (sql == null) {
            return deny(frame, p.name(), SessionText.NON_STANDARD);
        }
        Verdict v;
        if (sql.length() >= LongTexts.OFF_LOOP_CHARS) {
            CompletableFuture<LongTexts.Inspected> f = path.longTexts.inspect(sql, false);
            if (!f.isDone()) {
                path.waitFor = f;
                return StatementPath.Outcome.WAIT;
            }
            List<Verdict> all = f.join().verdicts();
            v = all.size() == 1 ? all.get(0) : path.inspector.inspectStatement(sql);
        } else if (sql.length() >= path.inspector.offloadThreshold()) {
            CompletableFuture<List<Verdict>> f = path.inspectAsync(sql);
            if (!f.isDone()) {
                path.waitFor = f;
                return StatementPath.Outcome.WAIT;
            }
            List<Verdict> all = f.join();
            v = all.size() == 1 ? all.get(0) : path.inspector.inspectStatement(sql);
        } else {
            v = path.inspector.inspectStatement(sql);
        }
        SessionEffects effects = SessionEffects.NONE;
        if (SessionEffects.mayHaveEffects(v, sql)) {
            SessionEffects e = SessionEffects.of(sql, 0, sql.length());
            effects = e.name() == null ? e : new SessionEffects(e.commits(), e.endsTransaction(), e.liftsReadOnly(),
                    e.prepared(), SessionText.asName(e.name(), charset));
        }
        var tracker = path.tracker;
        SessionStatement ss = tracker != null && path.followsVersion(v, sql) ? SessionStatement.parse(sql) : null;
        Decision d = ss == null ? null : tracker.judge(ss);
        if (d == null) {
            d = path.policy.decide(StatementPolicy.Point.PARSE, v, path);
        }
        if (d instanceof Decision.Hold hold) {
            return path.hold(hold);
        }
        if (d instanceof Decision.Deny deny) {
            return deny(frame, p.name(), deny);
        }
        model().parseSent(p.name(), new SessionModel.Statement(v, effects), path.nextRequest());
        if (tracker != null) {
            tracker.parsed(p.name(), ss);
        }
        if (sql != p.sql()) {
            frame.release();
            path.forward = new Parse(p.name(), sql, p.parameterTypes()).encode(path.alloc, charset);
        } else {
            path.forward = frame;
        }
        return StatementPath.Outcome.FORWARD;
    }

    /** A Parse of the denial's token as SQL: a syntax error the rewriter replaces; the server keeps what it had. */
    private StatementPath.Outcome deny(ByteBuf frame, String name, Decision.Deny deny) {
        if (path.tracker != null) {
            path.tracker.parsed(name, null);
        }
        String token = path.denials.register(deny);
        frame.release();
        path.forward = new Parse(name, token, new int[0]).encode(path.alloc, path.text.outputCharset());
        return StatementPath.Outcome.FORWARD;
    }

    StatementPath.Outcome bind(ByteBuf frame) {
        Bind.Decoded decoded = Bind.decode(frame);
        if (decoded instanceof Bind.Malformed m) {
            return path.failed(frame, m.violation());
        }
        Bind b = ((Bind.Ok) decoded).bind();
        model().bindSent(b.portal(), b.statement(), path.nextRequest());
        if (path.tracker != null) {
            path.tracker.bound(b.portal(), b.statement());
        }
        path.forward = frame;
        return StatementPath.Outcome.FORWARD;
    }

    StatementPath.Outcome execute(ByteBuf frame) {
        Execute.Decoded decoded = Execute.decode(frame);
        if (decoded instanceof Execute.Malformed m) {
            return path.failed(frame, m.violation());
        }
        Execute e = ((Execute.Ok) decoded).execute();
        long batch = path.nextRequest();
        SessionModel.Statement statement = model().portalFor(e.portal(), batch);
        Verdict v = statement == null
                ? Verdict.unknown("portal \"" + e.portal() + "\" was bound from a statement the server did not confirm")
                : statement.verdict();
        SessionEffects effects = statement == null ? SessionEffects.NONE : statement.effects();
        WriteMarks marks = path.marks;
        ReadOnlyFence fence = path.fence;
        Decision d = null;
        if (fence.readOnlyRequest()) {
            if (marks.batchEnded) {
                d = ReadOnlyFence.denial("run a statement after the end of a transaction in the same batch");
            } else if (effects.liftsReadOnly()) {
                d = ReadOnlyFence.denial("make the session or the transaction read-write");
            }
        } else if (!fence.writable()) {
            // The batch began while the cluster could write; its session is not read-only at the server yet.
            d = ReadOnlyFence.denial("go on with a batch begun while this cluster could write");
        }
        if (d == null) {
            d = path.policy.decide(StatementPolicy.Point.EXECUTE, v, path);
        }
        boolean commit = d instanceof Decision.Allow && marks.transactionWrote && effects.commits();
        if (commit) {
            d = path.commitDecision(v);
        }
        if (d instanceof Decision.Hold hold) {
            return path.hold(hold);
        }
        if (d instanceof Decision.Deny deny) {
            String token = path.denials.register(deny);
            frame.release();
            path.forward = new Execute(token, 0).encode(path.alloc);
            // A denied commit fails the block; the ROLLBACK after this batch's Sync ends it, as a failed COMMIT does.
            marks.rollbackAtSync |= commit || effects.commits();
            marks.batchExecuted = true;
            if (path.tracker != null) {
                path.tracker.executed(token, batch);
            }
            return StatementPath.Outcome.FORWARD;
        }
        marks.batchExecuted = true;
        if (v.mayWrite()) {
            marks.wrote(batch);
            marks.batchWrote = true;
        }
        if (effects.endsTransaction()) {
            model().transactionControlSent();
            marks.batchEnded = true;
        }
        if (effects.prepared() != SessionEffects.Prepared.NONE) {
            model().sqlSent(effects, effects.name(), batch);
        }
        marks.unflushed |= v.mayWrite() || commit;
        if (path.tracker != null) {
            path.tracker.executed(e.portal(), batch);
        }
        path.forward = frame;
        return StatementPath.Outcome.FORWARD;
    }

    StatementPath.Outcome close(ByteBuf frame) {
        Close.Decoded decoded = Close.decode(frame);
        if (decoded instanceof Close.Malformed m) {
            return path.failed(frame, m.violation());
        }
        Close c = ((Close.Ok) decoded).close();
        model().closeSent(c.target() == Close.STATEMENT, c.name(), path.nextRequest());
        if (path.tracker != null) {
            path.tracker.closed(c.target() == Close.STATEMENT, c.name());
        }
        path.forward = frame;
        return StatementPath.Outcome.FORWARD;
    }

    /**
     * Sync ends an extended-protocol batch. A denied COMMIT earlier in the batch gets its hidden ROLLBACK after
     * this Sync. A batch that forwarded a possible write while no block is known to be open is committed by
     * this Sync: the policy is asked at {@link StatementPolicy.Point#COMMIT}, and a denial makes the server
     * fail the batch just before the Sync (an Execute of a portal that cannot exist, answered with the
     * denial), so the implicit transaction rolls back. A Hold here counts as Allow (see the Point).
     */
    StatementPath.Outcome sync(ByteBuf frame) {
        if (path.tracker != null) {
            path.tracker.synced();
        }
        WriteMarks marks = path.marks;
        boolean denied = marks.rollbackAtSync;
        boolean commits = marks.batchWrote && marks.transactionWrote && path.session.transactionStatus() == 'I';
        marks.synced();
        if (denied) {
            path.forward = frame;
            path.rollbackAfter();
            return StatementPath.Outcome.FORWARD;
        }
        if (commits) {
            Decision d = path.commitDecision(StatementPolicy.SYNC_VERDICT);
            if (d instanceof Decision.Deny deny) {
                path.forward = new Execute(path.denials.register(deny), 0).encode(path.alloc);
                path.followUps.add(frame);
                path.metrics.commitRolledBack();
                return StatementPath.Outcome.FORWARD;
            }
            marks.unflushed = true;
        }
        path.forward = frame;
        return StatementPath.Outcome.FORWARD;
    }
}
