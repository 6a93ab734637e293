package io.fenceline.proxy.session;

import io.fenceline.config.coordination.MonotonicClock;
import io.fenceline.proxy.metrics.ProxyMetrics;
import io.fenceline.proxy.sql.SessionEffects;
import io.fenceline.proxy.sql.StatementKind;
import io.fenceline.proxy.sql.Verdict;
import io.fenceline.proxy.wire.frontend.FrontendType;
import io.fenceline.proxy.wire.frontend.StartupMessage;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Map;

import static io.fenceline.proxy.wire.Bytes.concat;
import static io.fenceline.proxy.wire.Bytes.message;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The session model on its own, fed the server's messages as bytes, one byte at a time, through the session's
 * scanner (as the relay sees them split across reads): what it believes after each answer, and why.
 */
class SessionModelTest {

    private static Verdict verdict(StatementKind kind) {
        return new Verdict(kind, java.util.Set.of(), java.util.Set.of(), Map.of(), java.util.Set.of(), true, "");
    }

    private static final SessionModel.Statement DELETE = new SessionModel.Statement(
            verdict(StatementKind.WRITE), SessionEffects.NONE);
    private static final SessionModel.Statement SELECT = new SessionModel.Statement(
            verdict(StatementKind.READ), SessionEffects.NONE);
    private static final SessionModel.Statement DEALLOCATE_S = new SessionModel.Statement(
            verdict(StatementKind.SESSION), new SessionEffects(false, false, false, SessionEffects.Prepared.DEALLOCATE, "s"));

    private final Session session = new Session(ProxyMetrics.NOOP, MonotonicClock.SYSTEM, new Session.Events() {
        @Override
        public void ready() {
        }

        @Override
        public void cancelKey(CancelKey key) {
        }
    }, 100);
    private final SessionModel model = session.model();

    private static byte[] z(String s) {
        return (s + "\0").getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] parameterStatus(String name, String value) {
        return message('S', concat(z(name), z(value)));
    }

    private static byte[] rfq(char status) {
        return message('Z', new byte[]{(byte) status});
    }

    private static byte[] error(String sqlState) {
        return message('E', concat(z("SERROR"), z("C" + sqlState), z("Mfailed"), new byte[]{0}));
    }

    private static byte[] empty(char type) {
        return message(type, new byte[0]);
    }

    /** Feeds {@code bytes} one byte at a time. */
    private void server(byte[]... messages) {
        for (byte b : concat(messages)) {
            ByteBuf one = Unpooled.wrappedBuffer(new byte[]{b});
            assertNull(session.backendReceived(one));
            one.release();
        }
    }

    private void started(byte[]... parameterStatuses) {
        session.startupForwarded(new StartupMessage(StartupMessage.PROTOCOL_3_0, Map.of("user", "u")));
        server(concat(concat(parameterStatuses), message('R', new byte[]{0, 0, 0, 0}), rfq('I')));
    }

    /** The client sent a request-ending message (Sync or Query); returns its request number. */
    private long sent() {
        session.frontendForwarded(FrontendType.SYNC);
        return session.requestsForwarded();
    }

    @Test
    void settingsComeFromTheServersParameterStatusAtStartupAndLater() {
        started(parameterStatus("client_encoding", "UTF8"), parameterStatus("standard_conforming_strings", "on"),
                parameterStatus("default_transaction_read_only", "off"), parameterStatus("TimeZone", "UTC"));
        assertFalse(model.defaultReadOnly());
        assertTrue(model.standardConformingStrings());
        assertEquals(StandardCharsets.UTF_8, model.charset());
        sent();
        server(message('C', z("SET")), parameterStatus("standard_conforming_strings", "off"),
                parameterStatus("client_encoding", "SJIS"), parameterStatus("default_transaction_read_only", "on"), rfq('I'));
        assertFalse(model.standardConformingStrings());
        assertNull(model.charset(), "SJIS is refused, not guessed");
        assertEquals("SJIS", model.clientEncoding());
        assertTrue(model.readOnlyAtServer());
        sent();
        server(parameterStatus("client_encoding", "LATIN1"), rfq('I'));
        assertEquals(StandardCharsets.ISO_8859_1, model.charset());
    }

    @Test
    void aFollowedSettingTooLongToReadLosesTheSession() {
        started(parameterStatus("default_transaction_read_only", "x".repeat(400)));
        assertNotNull(model.lost());
    }

    @Test
    void aStatementEntersAtItsParseCompleteAndAFailedParseChangesNothing() {
        started();
        long first = sent();
        model.parseSent("s", DELETE, first);
        assertSame(DELETE, model.statementFor("s", first), "later in the same batch: certain");
        server(empty('1'), rfq('I'));
        long second = sent();
        model.parseSent("s", SELECT, second);
        assertSame(SessionModel.AMBIGUOUS, model.statementFor("s", second + 1), "an unanswered Parse in an earlier batch");
        server(error("42P05"), rfq('I'));
        assertSame(DELETE, model.statementFor("s", second + 1), "the server kept the first statement");
        assertEquals(1, model.statements());
    }

    @Test
    void aStatementLeavesAtItsCloseCompleteOrAConfirmedDeallocate() {
        started();
        long b = sent();
        model.parseSent("s", DELETE, b);
        model.parseSent("d", DEALLOCATE_S, b);
        model.closeSent(true, "x", b);
        server(empty('1'), empty('1'), empty('3'), rfq('I'));
        assertSame(DELETE, model.statementFor("s", b + 1));
        long c = sent();
        model.sqlSent(DEALLOCATE_S.effects(), "s", c);
        assertSame(DELETE, model.statementFor("s", c), "not before the server confirms it");
        server(message('C', z("DEALLOCATE")), rfq('I'));
        assertNull(model.statementFor("s", c + 1));
        long d = sent();
        model.closeSent(true, "d", d);
        server(empty('3'), rfq('I'));
        assertEquals(0, model.statements());
    }

    @Test
    void aDeallocateTheProxyCannotNameForgetsEveryStatement() {
        started();
        long b = sent();
        model.parseSent("s", SELECT, b);
        server(empty('1'), rfq('I'));
        sent();
        server(message('C', z("DEALLOCATE")), rfq('I'));
        assertEquals(0, model.statements());
    }

    @Test
    void portalsBelongToTheBatchThatBoundThem() {
        started();
        long first = sent();
        model.parseSent("s", SELECT, first);
        long second = first + 1;
        model.bindSent("p", "s", second);
        server(empty('1'), rfq('I'));
        assertSame(SELECT, model.portalFor("p", second), "an earlier batch's ReadyForQuery 'I' does not end it");
        sent();
        server(empty('2'), rfq('T'));
        assertSame(SELECT, model.portalFor("p", second + 1));
        sent();
        server(rfq('I'));
        assertNull(model.portalFor("p", second + 2), "gone with its transaction");
    }

    @Test
    void anAnswerTheProxyDidNotExpectLosesTheSession() {
        started();
        sent();
        server(empty('1'));
        assertNotNull(model.lost());
    }

    @Test
    void readOnlyAtTheServerComesFromTheReportedDefaultAndTheProxysAnsweredAssertion() {
        started(parameterStatus("default_transaction_read_only", "off"));
        long begin = sent();
        server(message('C', z("BEGIN")), rfq('T'));
        assertFalse(model.readOnlyAtServer(), "a block begun while the default was off");
        long k = sent();
        model.assertionSent(k, false);
        server(message('C', z("SET")), message('C', z("SET")), parameterStatus("default_transaction_read_only", "on"), rfq('T'));
        assertTrue(model.transactionReadOnly());
        assertTrue(model.proxyDefault());
        model.transactionControlSent();
        assertFalse(model.readOnlyAtServer(), "after a ROLLBACK TO, the block's state is unknown again");
        sent();
        server(message('C', z("ROLLBACK")), parameterStatus("default_transaction_read_only", "off"), rfq('I'));
        assertFalse(model.readOnlyAtServer(), "the block's SET was rolled back: the server says so");
        assertFalse(model.proxyDefault());
        long again = sent();
        model.assertionSent(again, false);
        server(error("25P02"), rfq('E'));
        assertTrue(model.assertionFailed());
        assertTrue(begin < again);
    }
}
