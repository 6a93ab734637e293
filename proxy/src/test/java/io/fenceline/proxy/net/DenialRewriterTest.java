package io.fenceline.proxy.net;

import io.fenceline.proxy.metrics.ProxyMetrics;
import io.fenceline.proxy.policy.Decision;
import io.fenceline.proxy.session.CancelKey;
import io.fenceline.config.coordination.MonotonicClock;
import io.fenceline.proxy.session.Session;
import io.fenceline.proxy.sql.InspectionListener;
import io.fenceline.proxy.sql.Inspector;
import io.fenceline.proxy.wire.Bytes;
import io.fenceline.proxy.wire.backend.ErrorResponse;
import io.fenceline.proxy.wire.frontend.StartupMessage;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Map;

import static io.fenceline.proxy.wire.Bytes.concat;
import static io.fenceline.proxy.wire.Bytes.message;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The server's stream while a denial is pending, fed in one piece and one byte at a time: only the
 * ErrorResponse caused by the denial's substitute is replaced, in place; everything else passes byte for byte.
 */
class DenialRewriterTest {

    private Session session;

    private static Session newSession() {
        return new Session(ProxyMetrics.NOOP, MonotonicClock.SYSTEM, new Session.Events() {
        @Override
        public void ready() {
        }

        @Override
        public void cancelKey(CancelKey key) {
        }
    });
    }

    static byte[] error(String sqlState, String message) {
        return Bytes.drain(new ErrorResponse(ErrorResponse.ERROR, sqlState, message).encode(ByteBufAllocator.DEFAULT));
    }

    private StatementPath pathWithOneDenial() {
        session = newSession();
        session.startupForwarded(new StartupMessage(StartupMessage.PROTOCOL_3_0, Map.of("user", "u")));
        session.readyForQuery((byte) 'I');
        StatementPath path = new StatementPath(new Inspector(1 << 20, 2048, InspectionListener.NONE), Runnable::run,
                (point, verdict, s) -> new Decision.Deny("25006", "the cluster is read-only", "write through the writer"),
                session, ByteBufAllocator.DEFAULT, 10);
        ByteBuf execute = Unpooled.wrappedBuffer(message('E', concat("p\0".getBytes(StandardCharsets.UTF_8), new byte[4])));
        assertEquals(StatementPath.Outcome.FORWARD, path.process(execute));
        path.forward().release();
        session.frontendForwarded((byte) 'S');
        assertTrue(path.hasDenials());
        return path;
    }

    private byte[] run(StatementPath path, byte[] stream, boolean byteAtATime) {
        DenialRewriter rewriter = new DenialRewriter(session, path, ByteBufAllocator.DEFAULT, 1 << 20);
        ByteBuf out = Unpooled.buffer();
        int step = byteAtATime ? 1 : stream.length;
        for (int i = 0; i < stream.length; i += step) {
            assertTrue(rewriter.active() || i > 0);
            assertNull(rewriter.relay(Unpooled.copiedBuffer(stream, i, Math.min(step, stream.length - i)), piece -> {
                out.writeBytes(piece);
                piece.release();
            }));
        }
        rewriter.release();
        return Bytes.drain(out);
    }

    @Test
    void onlyTheSubstitutesErrorIsReplaced() {
        for (boolean byteAtATime : new boolean[]{false, true}) {
            byte[] bindComplete = message('2', new byte[0]);
            byte[] dataRow = message('D', new byte[]{0, 1, 0, 0, 0, 1, '7'});
            byte[] otherError = error("42P01", "relation \"x\" does not exist");
            byte[] ours = error("34000", "portal \"fl_denied_1_\" does not exist");
            byte[] ready = message('Z', new byte[]{'I'});
            StatementPath path = pathWithOneDenial();
            byte[] out = run(path, concat(bindComplete, dataRow, otherError, ours, ready), byteAtATime);
            byte[] expected = concat(bindComplete, dataRow, otherError,
                    Bytes.drain(new ErrorResponse(ErrorResponse.ERROR, "25006", "the cluster is read-only")
                            .encode(ByteBufAllocator.DEFAULT, "write through the writer")), ready);
            assertArrayEquals(expected, out, "byteAtATime=" + byteAtATime);
            assertFalse(path.hasDenials(), "claimed");
            assertTrue(session.backendAtBoundary());
        }
    }

    /**
     * A request the proxy sends on its own is hidden from the client, but a NotificationResponse, NoticeResponse or
     * ParameterStatus among its answers is the server's news to the client, not the request's answer: delivered.
     */
    @Test
    void asynchronousMessagesOfAHiddenRequestAreDelivered() {
        for (boolean byteAtATime : new boolean[]{false, true}) {
            session = newSession();
            session.startupForwarded(new StartupMessage(StartupMessage.PROTOCOL_3_0, Map.of("user", "u")));
            session.readyForQuery((byte) 'I');
            StatementPath path = new StatementPath(new Inspector(1 << 20, 2048, InspectionListener.NONE), Runnable::run,
                    (point, verdict, s) -> Decision.ALLOW, session, ByteBufAllocator.DEFAULT, 10);
            path.denials.hide(1, Denials.Hide.ALL);
            session.frontendForwarded((byte) 'Q');
            byte[] parameter = message('S', "default_transaction_read_only\0on\0".getBytes(StandardCharsets.UTF_8));
            byte[] notification = message('A', concat(new byte[]{0, 0, 0, 42}, "c\0payload\0".getBytes(StandardCharsets.UTF_8)));
            byte[] notice = message('N', "SNOTICE\0VNOTICE\0C00000\0Mhello\0\0".getBytes(StandardCharsets.UTF_8));
            byte[] complete = message('C', "SET\0".getBytes(StandardCharsets.UTF_8));
            byte[] ready = message('Z', new byte[]{'I'});
            byte[] out = run(path, concat(parameter, complete, notification, notice, ready), byteAtATime);
            assertArrayEquals(concat(parameter, notification, notice), out, "byteAtATime=" + byteAtATime);
            assertTrue(session.backendAtBoundary());
        }
    }

    @Test
    void aMessageInProgressWhenTheDenialIsRegisteredPassesWhole() {
        byte[] row = message('D', new byte[]{0, 1, 0, 0, 0, 3, 'a', 'b', 'c'});
        byte[] ours = error("34000", "portal \"fl_denied_1_\" does not exist");
        StatementPath path = pathWithOneDenial();
        // The first 4 bytes of the row were relayed before the denial existed.
        assertNull(session.backendReceived(Unpooled.wrappedBuffer(row, 0, 4)));
        byte[] rest = concat(java.util.Arrays.copyOfRange(row, 4, row.length), ours);
        byte[] out = run(path, rest, false);
        assertArrayEquals(java.util.Arrays.copyOfRange(row, 4, row.length), java.util.Arrays.copyOfRange(out, 0, row.length - 4));
        assertEquals("25006", Bytes.errorFields(java.util.Arrays.copyOfRange(out, row.length - 4, out.length)).get('C'));
    }
}
