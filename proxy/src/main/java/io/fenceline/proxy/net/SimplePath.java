package io.fenceline.proxy.net;

import io.fenceline.proxy.policy.Decision;
import io.fenceline.proxy.policy.StatementPolicy;
import io.fenceline.proxy.replication.ReplicationCommand;
import io.fenceline.proxy.sql.LargeObjects;
import io.fenceline.proxy.sql.LastText;
import io.fenceline.proxy.sql.SessionEffects;
import io.fenceline.proxy.sql.SessionStatement;
import io.fenceline.proxy.sql.StatementKind;
import io.fenceline.proxy.sql.StatementSplitter;
import io.fenceline.proxy.sql.Verdict;
import io.fenceline.proxy.wire.frontend.FunctionCall;
import io.fenceline.proxy.wire.frontend.Query;
import io.netty.buffer.ByteBuf;

import java.nio.charset.Charset;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The simple-protocol half of the {@link StatementPath}: a Query is judged statement by statement, in the
 * session's encoding and string rules; the first statement refused is replaced, with the rest of the text, by a
 * DO block that raises the denial. While the cluster may not write, a statement after the end of a transaction
 * in the same text, and a statement that would lift read-only, are refused too ({@link ReadOnlyFence}). A
 * FunctionCall is judged by its function's OID ({@link LargeObjects}: large-object readers are reads, writers
 * writes), any other as not understood.
 */
final class SimplePath {

    private static final Verdict FUNCTION_CALL_VERDICT = Verdict.unknown("FunctionCall runs a function by OID");

    private final StatementPath path;
    /** The recent simple-protocol texts inspected, so that the same statement with new constants skips lexing. */
    private final LastText lastText = new LastText();

    SimplePath(StatementPath path) {
        this.path = path;
    }


    StatementPath.Outcome query(ByteBuf frame) {
        Decision.Deny unreadable = path.text.unreadable(frame);
        if (unreadable != null) {
            return replaceQuery(frame, "", unreadable, false);
        }
        Charset charset = path.text.charset(frame);
        Query.Decoded decoded = Query.decode(frame, charset);
        if (decoded instanceof Query.Malformed m) {
            return path.failed(frame, m.violation());
        }
        String sent = ((Query.Ok) decoded).query().sql();
        String sql = path.text.standard(sent);
        if (sql == null) {
            return replaceQuery(frame, "", SessionText.NON_STANDARD, false);
        }
        Verdict command = ReplicationCommand.verdict(path.replication(), sql);
        List<Verdict> verdicts;
        if (command != null) {
            verdicts = List.of(command);
        } else if (sql.length() >= path.inspector.offloadThreshold()) {
            CompletableFuture<List<Verdict>> f = path.inspectAsync(sql);
            if (!f.isDone()) {
                path.waitFor = f;
                return StatementPath.Outcome.WAIT;
            }
            verdicts = f.join();
        } else {
            verdicts = path.inspector.inspect(sql, lastText);
        }
        boolean readOnly = path.fence.readOnlyRequest();
        boolean setConfig = readOnly && SessionEffects.mentionsSetConfig(sql);
        boolean writes = false;
        boolean commits = false;
        boolean ended = false;
        int[] starts = null;
        SessionStatement[] versionStatements = null;
        int queuedBefore = path.tracker == null ? 0 : path.tracker.queued();
        long request = path.nextRequest();
        for (int k = 0; k < verdicts.size(); k++) {
            Verdict v = verdicts.get(k);
            SessionEffects effects = SessionEffects.NONE;
            if (v.kind() == StatementKind.TRANSACTION || v.kind() == StatementKind.SESSION || setConfig) {
                if (starts == null) {
                    starts = StatementSplitter.starts(sql);
                }
                effects = k < starts.length
                        ? SessionEffects.of(sql, starts[k], k + 1 < starts.length ? starts[k + 1] : sql.length())
                        : SessionEffects.NONE;
            }
            SessionStatement ss = null;
            if (path.tracker != null && path.followsVersion(v, sql)) {
                if (versionStatements == null) {
                    versionStatements = SessionStatement.ofQuery(sql);
                }
                ss = k < versionStatements.length ? versionStatements[k] : null;
            }
            Decision d = null;
            if (readOnly && ended) {
                d = ReadOnlyFence.denial("run a statement after the end of a transaction in the same message");
            } else if (readOnly && effects.liftsReadOnly()) {
                d = ReadOnlyFence.denial("make the session or the transaction read-write");
            }
            if (d == null && ss != null) {
                d = path.tracker.judge(ss);
            }
            if (d == null) {
                d = path.policy.decide(StatementPolicy.Point.QUERY, v, path);
            }
            boolean commit = d instanceof Decision.Allow && effects.commits() && (path.marks.transactionWrote || writes);
            if (commit) {
                if (writes) {
                    path.marks.wrote(request);
                }
                d = path.commitDecision(v);
            }
            if (d instanceof Decision.Hold hold) {
                if (path.tracker != null) {
                    // The whole text is judged again later: what it queued is queued again then.
                    path.tracker.unqueue(queuedBefore);
                }
                return path.hold(hold);
            }
            if (d instanceof Decision.Deny deny) {
                if (writes) {
                    path.marks.wrote(request);
                }
                int cut = (starts == null ? StatementSplitter.starts(sql) : starts)[k];
                return replaceQuery(frame, sql.substring(0, cut), deny, commit);
            }
            if (ss != null) {
                path.tracker.forwardedInQuery(ss, request, k);
            }
            if (effects.prepared() != SessionEffects.Prepared.NONE) {
                path.model().sqlSent(effects, SessionText.asName(effects.name(), charset), request);
            }
            if (effects.endsTransaction()) {
                path.model().transactionControlSent();
                ended = true;
            }
            writes |= v.mayWrite();
            commits |= commit;
        }
        if (writes) {
            path.marks.wrote(request);
        }
        path.marks.unflushed |= writes || commits;
        if (sql != sent) {
            frame.release();
            path.forward = new Query(sql).encode(path.alloc, charset);
        } else {
            path.forward = frame;
        }
        return StatementPath.Outcome.FORWARD;
    }

    /** Forwards {@code prefix} followed by a DO block that raises {@code deny}, in place of {@code frame}. */
    private StatementPath.Outcome replaceQuery(ByteBuf frame, String prefix, Decision.Deny deny, boolean rollback) {
        String token = path.denials.register(deny);
        frame.release();
        path.forward = new Query(prefix + Denials.raiseBlock(deny, token)).encode(path.alloc, path.text.outputCharset());
        if (rollback) {
            path.rollbackAfter();
        }
        return StatementPath.Outcome.FORWARD;
    }

    /**
     * FunctionCall runs a function by OID: large-object functions are judged by what they do ({@link
     * LargeObjects}), any other function gets a not-understood verdict. A denial is answered like a Query, so it
     * is the same server-raised error.
     */
    StatementPath.Outcome functionCall(ByteBuf frame) {
        Verdict verdict = FunctionCall.decode(frame) instanceof FunctionCall.Ok ok
                ? LargeObjects.functionCall(ok.call().functionOid(), ok.call().intArgument(1)) : FUNCTION_CALL_VERDICT;
        Decision d = path.policy.decide(StatementPolicy.Point.FUNCTION_CALL, verdict, path);
        if (d instanceof Decision.Hold hold) {
            return path.hold(hold);
        }
        if (d instanceof Decision.Deny deny) {
            return replaceQuery(frame, "", deny, false);
        }
        long request = path.nextRequest();
        if (verdict.mayWrite()) {
            path.marks.wrote(request);
            path.marks.unflushed = true;
        }
        path.forward = frame;
        return StatementPath.Outcome.FORWARD;
    }
}
