package io.fenceline.proxy.net;

import io.fenceline.config.coordination.ManualClock;
import io.fenceline.proxy.metrics.ProxyMetrics;
import io.fenceline.proxy.policy.Decision;
import io.fenceline.proxy.policy.SessionFacts;
import io.fenceline.proxy.policy.StatementPolicy;
import io.fenceline.proxy.session.Session;
import io.fenceline.proxy.sql.InspectionListener;
import io.fenceline.proxy.sql.Inspector;
import io.fenceline.proxy.wire.backend.BackendType;
import io.fenceline.proxy.wire.frontend.Execute;
import io.fenceline.proxy.wire.frontend.Parse;
import io.fenceline.proxy.wire.frontend.Query;
import io.fenceline.proxy.wire.frontend.Sync;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The write tracking of a connection: which commits are asked about at {@link StatementPolicy.Point#COMMIT},
 * how a denied commit becomes a failed statement followed by a hidden ROLLBACK (simple and extended protocol),
 * the implicit commit at Sync, the fence generation, and the start of a hold kept across re-decisions.
 */
class StatementPathCommitTest {

    private static final Decision.Deny DENY = new Decision.Deny("25006", "lost the lease", "retry on the writer");

    private final List<ByteBuf> toRelease = new ArrayList<>();
    private final List<StatementPolicy.Point> points = new ArrayList<>();
    private final ManualClock clock = new ManualClock(1_000_000);
    private final SessionControl control = new SessionControl();
    private final AtomicInteger rolledBack = new AtomicInteger();
    private Decision atCommit = Decision.ALLOW;
    private Decision atWrite = Decision.ALLOW;
    private final Session session = new Session(ProxyMetrics.NOOP, clock, new Session.Events() {
        @Override
        public void ready() {
        }

        @Override
        public void cancelKey(io.fenceline.proxy.session.CancelKey key) {
        }
    });
    private final StatementPath path = new StatementPath(new Inspector(1 << 20, 2048, InspectionListener.NONE),
            Runnable::run, (point, verdict, s) -> {
                points.add(point);
                if (point == StatementPolicy.Point.COMMIT) {
                    return atCommit;
                }
                return point != StatementPolicy.Point.PARSE && verdict.mayWrite() ? atWrite : Decision.ALLOW;
            }, session, ByteBufAllocator.DEFAULT, 100, clock, control, new ProxyMetrics() {
                @Override
                public void commitRolledBack() {
                    rolledBack.incrementAndGet();
                }
            });

    @AfterEach
    void release() {
        toRelease.forEach(ByteBuf::release);
    }

    /** Processes {@code frame}, expects FORWARD, and "forwards" every frame the path gives, counting requests. */
    private List<String> send(ByteBuf frame) {
        assertEquals(StatementPath.Outcome.FORWARD, path.process(frame));
        List<String> out = new ArrayList<>();
        for (ByteBuf f = path.forward(); f != null; f = path.followUp()) {
            toRelease.add(f);
            byte type = f.getByte(f.readerIndex());
            session.frontendForwarded(type);
            out.add((char) type + (type == 'Q' ? ":" + ((Query.Ok) Query.decode(f)).query().sql() : type == 'E' ? ":" + portal(f) : ""));
        }
        return out;
    }

    private static String portal(ByteBuf execute) {
        return ((Execute.Ok) Execute.decode(execute)).execute().portal();
    }

    private static ByteBuf bind(String portal, String statement) {
        byte[] p = (portal + "\0" + statement + "\0").getBytes(StandardCharsets.UTF_8);
        return io.netty.buffer.Unpooled.wrappedBuffer(io.fenceline.proxy.wire.Bytes.message('B',
                io.fenceline.proxy.wire.Bytes.concat(p, new byte[6])));
    }

    private static ByteBuf query(String sql) {
        return new Query(sql).encode(ByteBufAllocator.DEFAULT);
    }

    /** The server answered the oldest request with ReadyForQuery {@code status}. */
    private void answered(char status) {
        session.readyForQuery((byte) status);
        path.readyForQuery((byte) status);
    }

    @Test
    void commitStatementsAreRecognised() {
        for (String yes : List.of("COMMIT", "commit work", "  END", "end transaction", "/* x */ COMMIT",
                "-- note\ncommit", "COMMIT AND NO CHAIN", "PREPARE TRANSACTION 'x'")) {
            assertTrue(StatementPath.isCommit(yes, 0, yes.length()), yes);
        }
        for (String no : List.of("COMMIT PREPARED 'x'", "ROLLBACK", "BEGIN", "ABORT", "SAVEPOINT s", "PREPARE p AS SELECT 1",
                "ending", "")) {
            assertFalse(StatementPath.isCommit(no, 0, no.length()), no);
        }
    }

    @Test
    void aCommitIsAskedAboutOnlyWhenTheTransactionWrote() {
        send(query("BEGIN"));
        answered('T');
        send(query("SELECT 1"));
        answered('T');
        send(query("COMMIT"));
        answered('I');
        assertFalse(points.contains(StatementPolicy.Point.COMMIT), points.toString());

        send(query("BEGIN"));
        answered('T');
        send(query("INSERT INTO t VALUES (1)"));
        assertTrue(path.transactionWrote());
        assertTrue(path.writeInFlight());
        answered('T');
        assertFalse(path.writeInFlight());
        send(query("COMMIT"));
        answered('I');
        assertTrue(points.contains(StatementPolicy.Point.COMMIT), points.toString());
        assertFalse(path.transactionWrote(), "the transaction ended");
    }

    @Test
    void aDeniedSimpleCommitFailsTheBlockThenAHiddenRollbackEndsIt() {
        send(query("BEGIN"));
        answered('T');
        send(query("INSERT INTO t VALUES (1)"));
        answered('T');
        atCommit = DENY;
        List<String> out = send(query("COMMIT"));
        assertEquals(2, out.size(), out.toString());
        assertTrue(out.get(0).startsWith("Q:DO $fl$BEGIN RAISE EXCEPTION USING ERRCODE = '25006'"), out.get(0));
        assertEquals("Q:ROLLBACK", out.get(1));
        assertEquals(1, rolledBack.get());
        // Server: ErrorResponse + ReadyForQuery 'E' for the raise (request 3), then CommandComplete + 'I' (request 4).
        assertTrue(path.hasHidden());
        assertFalse(path.hides(BackendType.ERROR_RESPONSE), "the denial's error reaches the client");
        assertTrue(path.hides(BackendType.READY_FOR_QUERY), "the 'E' of the failed block is hidden");
        answered('E');
        assertTrue(path.hides((byte) 'C'), "the ROLLBACK's CommandComplete is hidden");
        assertFalse(path.hides(BackendType.READY_FOR_QUERY), "the ROLLBACK's 'I' is the client's ReadyForQuery");
        answered('I');
        assertFalse(path.hasHidden());
        assertFalse(path.transactionWrote());
    }

    @Test
    void aDeniedExtendedCommitIsFollowedByARollbackAfterItsSync() {
        send(query("BEGIN"));
        answered('T');
        send(new Parse("w", "INSERT INTO t VALUES ($1)", new int[0]).encode(ByteBufAllocator.DEFAULT));
        send(bind("", "w"));
        send(new Execute("", 0).encode(ByteBufAllocator.DEFAULT));
        send(Sync.encode());
        answered('T');
        send(new Parse("c", "COMMIT", new int[0]).encode(ByteBufAllocator.DEFAULT));
        send(bind("p", "c"));
        atCommit = DENY;
        List<String> execute = send(new Execute("p", 0).encode(ByteBufAllocator.DEFAULT));
        assertEquals(1, execute.size());
        assertTrue(execute.get(0).startsWith("E:fl_denied_"), execute.toString());
        assertEquals(List.of("S", "Q:ROLLBACK"), send(Sync.encode()));
        assertEquals(1, rolledBack.get());
        assertTrue(path.hasHidden());
    }

    @Test
    void aBatchThatWroteOutsideABlockIsCheckedAtItsSyncAndFailedBeforeItWhenDenied() {
        send(new Parse("", "INSERT INTO t VALUES (1)", new int[0]).encode(ByteBufAllocator.DEFAULT));
        send(bind("", ""));
        send(new Execute("", 0).encode(ByteBufAllocator.DEFAULT));
        atCommit = DENY;
        List<String> out = send(Sync.encode());
        assertEquals(2, out.size(), out.toString());
        assertTrue(out.get(0).startsWith("E:fl_denied_"), out.toString());
        assertEquals("S", out.get(1));
        assertTrue(path.hasDenials());
        assertFalse(path.hasHidden(), "an implicit transaction needs no ROLLBACK: the failed Sync rolls it back");

        // A hold at a Sync is taken as allowed.
        answered('I');
        send(bind("", ""));
        send(new Execute("", 0).encode(ByteBufAllocator.DEFAULT));
        atCommit = new Decision.Hold(clock.nanoTime() + 1_000_000_000L);
        assertEquals(List.of("S"), send(Sync.encode()));
    }

    @Test
    void aTransactionThatWroteBeforeAFenceCannotCommitEvenWhenThePolicyAllows() {
        send(query("BEGIN"));
        answered('T');
        send(query("UPDATE t SET x = 1"));
        answered('T');
        control.fence("operator read-only");
        points.clear();
        List<String> out = send(query("COMMIT"));
        assertFalse(points.contains(StatementPolicy.Point.COMMIT), "not asked: the fence decides");
        assertTrue(out.get(0).contains("operator read-only"), out.get(0));
        assertEquals("Q:ROLLBACK", out.get(1));

        // A transaction whose first write came after the fence commits as the policy says.
        answered('E');
        answered('I');
        send(query("BEGIN; INSERT INTO t VALUES (2)"));
        answered('T');
        assertEquals(List.of("Q:COMMIT"), send(query("COMMIT")));
    }

    @Test
    void aHeldCommitKeepsTheStartOfItsFirstHold() {
        send(query("BEGIN; INSERT INTO t VALUES (1)"));
        answered('T');
        long first = clock.nanoTime();
        atCommit = new Decision.Hold(first + 5_000);
        ByteBuf commit = query("COMMIT");
        assertEquals(StatementPath.Outcome.WAIT, path.process(commit));
        assertEquals(first, path.heldSinceNanos());
        clock.advance(java.time.Duration.ofNanos(1_000));
        assertEquals(StatementPath.Outcome.WAIT, path.process(commit));
        assertEquals(first, path.heldSinceNanos(), "asking again does not restart the wait");
        atCommit = Decision.ALLOW;
        assertEquals(StatementPath.Outcome.FORWARD, path.process(commit));
        toRelease.add(path.forward());
        assertEquals(SessionFacts.NOT_HELD, path.heldSinceNanos());
    }

    @Test
    void aSessionIsQuietOnlyWhenNothingItForwardedCanStillRun() {
        assertTrue(path.quiet());
        send(new Parse("", "INSERT INTO t VALUES (1)", new int[0]).encode(ByteBufAllocator.DEFAULT));
        send(bind("", ""));
        assertTrue(path.quiet(), "Parse and Bind run nothing");
        send(new Execute("", 0).encode(ByteBufAllocator.DEFAULT));
        assertFalse(path.quiet(), "an Execute may still run");
        send(Sync.encode());
        assertFalse(path.quiet(), "the Sync is not answered yet");
        answered('I');
        assertTrue(path.quiet());
        send(query("SELECT pg_sleep(1)"));
        assertFalse(path.quiet(), "a Query in flight");
        answered('I');
        assertTrue(path.quiet());
    }

    @Test
    void aDeniedWriteIsNotCountedAsWritten() {
        send(query("BEGIN"));
        answered('T');
        atWrite = DENY;
        String out = send(query("INSERT INTO t VALUES (1)")).get(0);
        assertTrue(out.contains("RAISE"), out);
        assertFalse(path.transactionWrote());
        assertNull(path.followUp());
        assertEquals(0, rolledBack.get());
    }

    @Test
    void framesOfAWritingTransactionAreMarkedForTheCheckBeforeTheyAreFlushed() {
        send(new Query("SELECT 1").encode(ByteBufAllocator.DEFAULT));
        assertFalse(path.takeUnflushedWrite(), "a read outside a writing transaction needs no check at flush");
        send(new Query("BEGIN; INSERT INTO t VALUES (1)").encode(ByteBufAllocator.DEFAULT));
        assertTrue(path.takeUnflushedWrite(), "the write");
        assertFalse(path.takeUnflushedWrite(), "taking clears the mark");
        send(new Query("COMMIT").encode(ByteBufAllocator.DEFAULT));
        assertTrue(path.takeUnflushedWrite(), "the commit of a transaction that wrote is checked too");
    }
}
