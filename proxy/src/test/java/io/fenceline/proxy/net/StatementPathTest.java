package io.fenceline.proxy.net;

import io.fenceline.proxy.metrics.ProxyMetrics;
import io.fenceline.proxy.policy.Decision;
import io.fenceline.proxy.policy.StatementPolicy;
import io.fenceline.config.coordination.MonotonicClock;
import io.fenceline.proxy.session.Session;
import io.fenceline.proxy.sql.InspectionListener;
import io.fenceline.proxy.sql.Inspector;
import io.fenceline.proxy.sql.StatementKind;
import io.fenceline.proxy.sql.TableName;
import io.fenceline.proxy.sql.Verdict;
import io.fenceline.proxy.wire.frontend.Execute;
import io.fenceline.proxy.wire.frontend.Parse;
import io.fenceline.proxy.wire.frontend.Query;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;

import static io.fenceline.proxy.wire.Bytes.concat;
import static io.fenceline.proxy.wire.Bytes.message;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The statement side of a connection, message by message: verdicts, attribution, substitutes. */
class StatementPathTest {

    record Call(StatementPolicy.Point point, Verdict verdict) {
    }

    private final List<Call> calls = new ArrayList<>();
    private final List<ByteBuf> toRelease = new ArrayList<>();
    private final List<Runnable> offloaded = new ArrayList<>();
    private final Executor parked = offloaded::add;
    private StatementPolicy policy = (point, verdict, session) -> Decision.ALLOW;
    private final Session session = new Session(ProxyMetrics.NOOP, MonotonicClock.SYSTEM, new Session.Events() {
        @Override
        public void ready() {
        }

        @Override
        public void cancelKey(io.fenceline.proxy.session.CancelKey key) {
        }
    });
    private final StatementPath path = new StatementPath(new Inspector(1 << 20, 2048, InspectionListener.NONE), parked,
            (point, verdict, s) -> {
                calls.add(new Call(point, verdict));
                return policy.decide(point, verdict, s);
            }, session, ByteBufAllocator.DEFAULT, 100);

    @AfterEach
    void release() {
        toRelease.forEach(ByteBuf::release);
    }

    private ByteBuf frame(byte[] bytes) {
        return Unpooled.wrappedBuffer(bytes);
    }

    private ByteBuf forwarded(ByteBuf in) {
        assertEquals(StatementPath.Outcome.FORWARD, path.process(in));
        ByteBuf out = path.forward();
        toRelease.add(out);
        return out;
    }

    static byte[] z(String s) {
        return (s + "\0").getBytes(StandardCharsets.UTF_8);
    }

    static byte[] parse(String name, String sql) {
        return message('P', concat(z(name), z(sql), new byte[]{0, 0}));
    }

    static byte[] bind(String portal, String statement) {
        return message('B', concat(z(portal), z(statement), new byte[]{0, 0, 0, 0, 0, 0}));
    }

    static byte[] execute(String portal) {
        return message('E', concat(z(portal), new byte[]{0, 0, 0, 0}));
    }

    static byte[] close(char target, String name) {
        return message('C', concat(new byte[]{(byte) target}, z(name)));
    }

    static String sqlOf(ByteBuf query) {
        return ((Query.Ok) Query.decode(query)).query().sql();
    }

    @Test
    void allowedQueryIsForwardedAsTheSameBufferWithOneVerdictPerStatement() {
        ByteBuf in = frame(message('Q', z("SELECT 1; INSERT INTO t VALUES (2)")));
        assertSame(in, forwarded(in));
        assertEquals(2, calls.size());
        assertEquals(StatementKind.READ, calls.get(0).verdict().kind());
        assertEquals(StatementKind.WRITE, calls.get(1).verdict().kind());
        assertTrue(calls.stream().allMatch(c -> c.point() == StatementPolicy.Point.QUERY));
    }

    @Test
    void deniedQueryStatementIsReplacedByARaiseAfterThePrefix() {
        policy = (point, v, s) -> v.kind() == StatementKind.WRITE ? new Decision.Deny("25006", "read-only now", "try later") : Decision.ALLOW;
        ByteBuf out = forwarded(frame(message('Q', z("SELECT 1;  /* c */ INSERT INTO t VALUES (2); SELECT 3"))));
        String sql = sqlOf(out);
        assertTrue(sql.startsWith("SELECT 1;  /* c */ DO $fl$BEGIN RAISE EXCEPTION USING ERRCODE = '25006'"), sql);
        assertTrue(sql.endsWith("; END $fl$"), sql);
        assertTrue(sql.contains("MESSAGE = $m$read-only now$m$, HINT = $m$try later$m$"), sql);
        assertFalse(sql.contains("INSERT") || sql.contains("SELECT 3"), sql);
        assertEquals(2, calls.size(), "statements after the denied one are not judged");
    }

    @Test
    void raiseBlockQuotesWhatTheDenialSays() {
        String block = StatementPath.raiseBlock(new Decision.Deny("42501", "it's $m$ and $fl$", "ends in $m"));
        assertEquals("DO $fl0$BEGIN RAISE EXCEPTION USING ERRCODE = '42501', MESSAGE = $m0$it's $m$ and $fl$$m0$, "
                + "HINT = $m0$ends in $m$m0$; END $fl0$", block);
    }

    @Test
    void executeIsJudgedByTheStatementItsPortalWasBoundFrom() {
        forwarded(frame(parse("w", "UPDATE accounts SET v = $1")));
        forwarded(frame(parse("", "SELECT v FROM accounts")));
        forwarded(frame(bind("pw", "w")));
        forwarded(frame(bind("", "")));
        calls.clear();
        forwarded(frame(execute("pw")));
        forwarded(frame(execute("")));
        forwarded(frame(execute("nobody")));
        assertEquals(StatementKind.WRITE, calls.get(0).verdict().kind());
        assertEquals(TableName.of("accounts"), calls.get(0).verdict().tablesWritten().iterator().next());
        assertEquals(StatementKind.READ, calls.get(1).verdict().kind());
        assertFalse(calls.get(2).verdict().understood(), "an unknown portal is fail-closed");
        assertTrue(calls.get(2).verdict().mayWrite());
        assertTrue(calls.stream().allMatch(c -> c.point() == StatementPolicy.Point.EXECUTE));
    }

    /** The server's answers as bytes, followed by the session (and so by its model). */
    private void server(byte[]... messages) {
        ByteBuf b = Unpooled.wrappedBuffer(concat(messages));
        assertNull(session.backendReceived(b));
        b.release();
    }

    private void ready() {
        session.startupForwarded(new io.fenceline.proxy.wire.frontend.StartupMessage(196608, java.util.Map.of("user", "u")));
        server(message('Z', new byte[]{'I'}));
    }

    private Verdict executed(String portal) {
        calls.clear();
        forwarded(frame(execute(portal)));
        return calls.get(0).verdict();
    }

    @Test
    void statementsEnterAtParseCompleteAndLeaveAtCloseCompleteOrAConfirmedDeallocate() {
        ready();
        forwarded(frame(parse("a", "DELETE FROM t")));
        forwarded(frame(parse("b", "DELETE FROM u")));
        forwarded(frame(parse("c", "DELETE FROM v")));
        forwarded(frame(close('S', "a")));
        assertEquals(0, path.model().statements(), "nothing is believed before the server answers");
        server(message('1', new byte[0]), message('1', new byte[0]), message('1', new byte[0]));
        assertEquals(3, path.model().statements());
        server(message('3', new byte[0]));
        assertNull(path.model().statementFor("a", 99));
        forwarded(frame(message('S', new byte[0])));
        session.frontendForwarded((byte) 'S');
        server(message('Z', new byte[]{'I'}));
        forwarded(frame(message('Q', z("DEALLOCATE b"))));
        session.frontendForwarded((byte) 'Q');
        assertNotNull(path.model().statementFor("b", 99), "DEALLOCATE counts once the server confirms it");
        server(message('C', z("DEALLOCATE")), message('Z', new byte[]{'I'}));
        assertNull(path.model().statementFor("b", 99));
        assertNotNull(path.model().statementFor("c", 99));
        forwarded(frame(message('Q', z("discard ALL"))));
        session.frontendForwarded((byte) 'Q');
        server(message('C', z("DISCARD ALL")), message('Z', new byte[]{'I'}));
        assertEquals(0, path.model().statements());
    }

    @Test
    void aFailedParseOfAnExistingNameKeepsTheFirstStatement() {
        ready();
        forwarded(frame(parse("s", "DELETE FROM t")));
        forwarded(frame(message('S', new byte[0])));
        session.frontendForwarded((byte) 'S');
        server(message('1', new byte[0]), message('Z', new byte[]{'I'}));
        forwarded(frame(parse("s", "SELECT 1")));
        forwarded(frame(message('S', new byte[0])));
        session.frontendForwarded((byte) 'S');
        // Before the server answers the second Parse, a Bind of s in a later batch has two candidates.
        forwarded(frame(bind("", "s")));
        assertFalse(executed("").understood(), "either statement may run: not understood");
        forwarded(frame(message('S', new byte[0])));
        session.frontendForwarded((byte) 'S');
        server(message('E', concat("SERROR\0".getBytes(StandardCharsets.UTF_8), z("C42P05"), z("Mprepared statement \"s\" already exists"), new byte[]{0})),
                message('Z', new byte[]{'I'}));
        forwarded(frame(bind("", "s")));
        assertEquals(StatementKind.WRITE, executed("").kind(), "the server kept DELETE; so does the proxy");
    }

    @Test
    void portalsOfALaterBatchSurviveAnEarlierBatchsReadyForQuery() {
        ready();
        forwarded(frame(parse("s", "SELECT 1")));
        forwarded(frame(message('S', new byte[0])));
        session.frontendForwarded((byte) 'S');
        forwarded(frame(bind("p", "s")));
        // The first batch's answers arrive between the second batch's Bind and Execute.
        server(message('1', new byte[0]), message('Z', new byte[]{'I'}));
        assertEquals(StatementKind.READ, executed("p").kind());
    }

    @Test
    void deniedParseAndExecuteBecomeTokenSubstitutesThatTheRewriterClaims() {
        policy = (point, v, s) -> point == StatementPolicy.Point.PARSE && v.kind() == StatementKind.DDL
                ? new Decision.Deny("42501", "DDL is control's", null)
                : point == StatementPolicy.Point.EXECUTE && v.mayWrite() ? new Decision.Deny("25006", "read-only", null) : Decision.ALLOW;
        Parse p = ((Parse.Ok) Parse.decode(forwarded(frame(parse("ddl", "DROP TABLE t"))))).parse();
        assertEquals("ddl", p.name());
        assertTrue(p.sql().matches("fl_denied_1_"), p.sql());
        assertEquals(0, path.model().statements());
        forwarded(frame(parse("w", "INSERT INTO t VALUES (1)")));
        forwarded(frame(bind("", "w")));
        Execute e = ((Execute.Ok) Execute.decode(forwarded(frame(execute(""))))).execute();
        assertEquals("fl_denied_2_", e.portal());
        assertTrue(path.hasDenials());

        ByteBuf serverError = Unpooled.copiedBuffer("E....SERROR\0C34000\0Mportal \"fl_denied_2_\" does not exist\0\0", StandardCharsets.UTF_8);
        Denials.PendingDenial claimed = path.claim(serverError);
        serverError.release();
        assertEquals("25006", claimed.deny().sqlState());
        ByteBuf other = Unpooled.copiedBuffer("E....SERROR\0C42P01\0Mrelation \"fl_denied_\" does not exist\0\0", StandardCharsets.UTF_8);
        assertNull(path.claim(other), "a server error that names no pending token is the server's own");
        other.release();
        // Denial 1 was in the batch of the first Sync: it is over once that Sync's ReadyForQuery arrives.
        session.frontendForwarded((byte) 'S');
        session.readyForQuery((byte) 'I');
        path.readyForQuery((byte) 'I');
        assertFalse(path.hasDenials());
    }

    @Test
    void holdKeepsTheFrameAndSaysUntilWhen() {
        policy = (point, v, s) -> new Decision.Hold(12345L);
        ByteBuf in = frame(message('Q', z("INSERT INTO t VALUES (1)")));
        assertEquals(StatementPath.Outcome.WAIT, path.process(in));
        assertNull(path.waitFor());
        assertEquals(12345L, path.holdUntil());
        policy = (point, v, s) -> Decision.ALLOW;
        assertSame(in, forwarded(in));
    }

    @Test
    void longUncachedQueryWaitsForTheOffloadedParseThenPasses() {
        StringBuilder sql = new StringBuilder("SELECT 1");
        for (int k = 0; sql.length() < 3000; k++) {
            sql.append(", c").append(k);
        }
        sql.append(" FROM t");
        ByteBuf in = frame(message('Q', z(sql.toString())));
        assertEquals(StatementPath.Outcome.WAIT, path.process(in));
        assertNotNull(path.waitFor());
        assertFalse(path.waitFor().isDone());
        assertTrue(calls.isEmpty(), "no decision before the verdict");
        offloaded.forEach(Runnable::run);
        assertTrue(path.waitFor().isDone());
        assertSame(in, forwarded(in));
        assertEquals(1, calls.size());
        assertEquals(StatementKind.READ, calls.get(0).verdict().kind());
    }

    @Test
    void malformedMessagesFailAndAreReleased() {
        ByteBuf in = frame(message('B', z("only-a-portal")));
        assertEquals(StatementPath.Outcome.FAILED, path.process(in));
        assertEquals(0, in.refCnt());
        assertEquals("08P01", path.violation().sqlState());
        assertTrue(path.violation().message().startsWith("Bind must start"), path.violation().message());
    }

    @Test
    void aFailingPolicyClosesTheConnectionWithoutLeakingOrForwarding() {
        policy = (point, v, s) -> {
            throw new IllegalStateException("policy bug");
        };
        ByteBuf in = frame(message('Q', z("SELECT 1")));
        assertEquals(StatementPath.Outcome.FAILED, path.process(in));
        assertEquals(0, in.refCnt());
        assertEquals("XX000", path.violation().sqlState());
        assertTrue(path.violation().message().contains("policy bug"), path.violation().message());
    }

    @Test
    void otherMessagesPassUntouched() {
        ByteBuf in = frame(message('S', new byte[0]));
        assertSame(in, forwarded(in));
        assertTrue(calls.isEmpty());
    }
}
