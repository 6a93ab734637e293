package io.fenceline.proxy.net;

import io.fenceline.proxy.metrics.ProxyMetrics;
import io.fenceline.proxy.session.CancelKey;
import io.fenceline.config.coordination.MonotonicClock;
import io.fenceline.proxy.session.Session;
import io.fenceline.proxy.wire.Bytes;
import io.fenceline.proxy.wire.ProtocolViolation;
import io.fenceline.proxy.wire.frontend.SSLRequest;
import io.fenceline.proxy.wire.frontend.StartupPacket;
import io.fenceline.proxy.wire.frontend.StartupMessage;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Map;

import static io.fenceline.proxy.wire.Bytes.concat;
import static io.fenceline.proxy.wire.Bytes.message;
import static io.fenceline.proxy.wire.Bytes.params;
import static io.fenceline.proxy.wire.Bytes.startup;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FrontendDecoderTest {

    private static final int MAX = 4096;

    private final Session session = new Session(ProxyMetrics.NOOP, MonotonicClock.SYSTEM, new Session.Events() {
        @Override
        public void ready() {
        }

        @Override
        public void cancelKey(CancelKey key) {
        }
    });
    private final FrontendDecoder decoder = new FrontendDecoder(session, MAX);
    private final EmbeddedChannel channel = new EmbeddedChannel(decoder);

    private void feedOneByteAtATime(byte[] bytes) {
        for (byte b : bytes) {
            channel.writeInbound(Unpooled.wrappedBuffer(new byte[]{b}));
        }
    }

    private void toReady() {
        session.startupForwarded(new StartupMessage(StartupMessage.PROTOCOL_3_0, Map.of("user", "u")));
        session.backendReceived(Unpooled.wrappedBuffer(message('Z', new byte[]{'I'})));
        decoder.mode(FrontendDecoder.Mode.MESSAGES);
    }

    @Test
    void startupMessageFedOneByteAtATime() {
        byte[] packet = startup(196608, params("user", "alice", "database", "shop"));
        feedOneByteAtATime(packet);
        StartupMessage m = assertInstanceOf(StartupMessage.class, channel.readInbound());
        assertEquals(Map.of("user", "alice", "database", "shop"), m.parameters());
        assertSame(FrontendDecoder.Mode.AWAIT, decoder.mode());
        assertNull(channel.readInbound());
        assertFalse(channel.finish());
    }

    @Test
    void messagesAreFramedExactlyOneByteAtATime() {
        toReady();
        byte[] q = message('Q', "select 1\0".getBytes(StandardCharsets.UTF_8));
        byte[] p = message('P', concat("s\0select $1\0".getBytes(StandardCharsets.UTF_8), new byte[]{0, 0}));
        byte[] s = message('S', new byte[0]);
        byte[] d = message('d', new byte[300]);
        feedOneByteAtATime(concat(q, p, s, d));
        for (byte[] expected : new byte[][]{q, p, s, d}) {
            ByteBuf frame = channel.readInbound();
            assertArrayEquals(expected, Bytes.drain(frame));
        }
        assertNull(channel.readInbound());
        assertFalse(channel.finish());
    }

    @Test
    void manyMessagesInOneBufferBecomeSlicesOfIt() {
        toReady();
        byte[] bind = message('B', new byte[20]);
        byte[] exec = message('E', new byte[]{0, 0, 0, 0, 0});
        byte[] sync = message('S', new byte[0]);
        channel.writeInbound(Unpooled.wrappedBuffer(concat(bind, exec, sync)));
        assertArrayEquals(bind, Bytes.drain(channel.readInbound()));
        assertArrayEquals(exec, Bytes.drain(channel.readInbound()));
        assertArrayEquals(sync, Bytes.drain(channel.readInbound()));
        assertFalse(channel.finish());
    }

    @Test
    void lengthBelowFourIsRefused() {
        toReady();
        feedOneByteAtATime(new byte[]{'Q', 0, 0, 0, 3, 'x', 'y'});
        ProtocolViolation v = channel.readInbound();
        assertEquals(ProtocolViolation.of("Query message length 3 is below 4"), v);
        assertSame(FrontendDecoder.Mode.HALTED, decoder.mode());
        feedOneByteAtATime(message('S', new byte[0]));
        assertNull(channel.readInbound(), "nothing is framed after a violation");
        assertFalse(channel.finish());
    }

    @Test
    void oversizedMessageIsDiscardedToItsEndThenRefused() {
        toReady();
        channel.writeInbound(Unpooled.wrappedBuffer(new byte[]{'Q', 0, 0, 0x10, 1}));
        assertNull(channel.readInbound(), "the client is still sending: nothing is answered yet");
        feedOneByteAtATime(new byte[4096 - 4]);
        assertNull(channel.readInbound(), "one byte of the message is still to come");
        channel.writeInbound(Unpooled.wrappedBuffer(new byte[]{0, 'S', 0, 0, 0, 4}));
        ProtocolViolation v = channel.readInbound();
        assertEquals("Query message length 4097 exceeds the maximum of 4096 bytes (limits.max_message_length)", v.message());
        assertNull(channel.readInbound(), "nothing is framed after a violation");
        assertFalse(channel.finish());
    }

    /** A decoder in the ready phase with inspection on or off and the given limits. */
    private EmbeddedChannel ready(int maxMessage, int maxBuffered, boolean textsRead) {
        FrontendDecoder d = new FrontendDecoder(session, maxMessage, maxBuffered, textsRead);
        session.startupForwarded(new StartupMessage(StartupMessage.PROTOCOL_3_0, Map.of("user", "u")));
        session.backendReceived(Unpooled.wrappedBuffer(message('Z', new byte[]{'I'})));
        d.mode(FrontendDecoder.Mode.MESSAGES);
        return new EmbeddedChannel(d);
    }

    /** Feeds {@code bytes} in reads of {@code chunk} bytes, as a socket delivers them. */
    private static void feed(EmbeddedChannel ch, byte[] bytes, int chunk) {
        for (int i = 0; i < bytes.length; i += chunk) {
            ch.writeInbound(Unpooled.wrappedBuffer(bytes, i, Math.min(chunk, bytes.length - i)));
        }
    }

    private static byte[] bind(int valueLength) {
        byte[] names = "portal\0stmt\0".getBytes(StandardCharsets.US_ASCII);
        byte[] value = new byte[valueLength];
        for (int i = 0; i < value.length; i++) {
            value[i] = (byte) (i * 31 + 7);
        }
        byte[] len = {(byte) (valueLength >>> 24), (byte) (valueLength >>> 16), (byte) (valueLength >>> 8), (byte) valueLength};
        return message('B', concat(names, new byte[]{0, 0, 0, 1}, len, value, new byte[]{0, 0}));
    }

    @Test
    void largeBindStreamsAsAHeadWithItsNamesThenPiecesAsTheyArrive() {
        EmbeddedChannel ch = ready(64 << 20, 8192, true);
        byte[] b = bind(FrontendDecoder.STREAM_ABOVE + 12345);
        byte[] sync = message('S', new byte[0]);
        feed(ch, concat(b, sync), 100_000);
        ByteBuf head = ch.readInbound();
        assertTrue(MessageBody.isHead(head));
        assertEquals(FrontendDecoder.HEAD_LENGTH, head.readableBytes());
        assertEquals(new io.fenceline.proxy.wire.frontend.Bind("portal", "stmt"),
                ((io.fenceline.proxy.wire.frontend.Bind.Ok) io.fenceline.proxy.wire.frontend.Bind.decode(head)).bind());
        java.io.ByteArrayOutputStream relayed = new java.io.ByteArrayOutputStream();
        relayed.writeBytes(Bytes.drain(head));
        int pieces = 0;
        Object next;
        while ((next = ch.readInbound()) instanceof MessageBody piece) {
            assertTrue(piece.readableBytes() <= 100_000, "a piece is at most what one read brought");
            relayed.writeBytes(Bytes.drain(piece));
            pieces++;
        }
        assertTrue(pieces > 10, "the body came in pieces, not held whole: " + pieces);
        assertArrayEquals(b, relayed.toByteArray(), "head and pieces are the message, byte for byte");
        assertArrayEquals(sync, Bytes.drain((ByteBuf) next), "the next message is framed whole again");
        assertFalse(MessageBody.isHead(Unpooled.wrappedBuffer(sync)));
        assertFalse(ch.finish());
    }

    @Test
    void queryOverTheBufferedLimitBecomesAHeadAndTheRestIsDiscarded() {
        EmbeddedChannel ch = ready(64 << 20, 8192, true);
        byte[] text = new byte[20_000];
        java.util.Arrays.fill(text, (byte) 'x');
        text[text.length - 1] = 0;
        byte[] q = message('Q', text);
        byte[] after = message('Q', "select 1\0".getBytes(StandardCharsets.UTF_8));
        feed(ch, concat(q, after), 1000);
        ByteBuf head = ch.readInbound();
        assertTrue(MessageBody.isHead(head), "a head announcing the whole length");
        assertEquals(1 + 4 + 20_000, 1 + MessageBody.announcedLength(head));
        assertTrue(head.readableBytes() <= FrontendDecoder.HEAD_LENGTH);
        head.release();
        assertArrayEquals(after, Bytes.drain((ByteBuf) ch.readInbound()), "the session goes on with the next message");
        assertNull(ch.readInbound(), "the discarded body emitted nothing");
        assertFalse(ch.finish());
    }

    @Test
    void aHeadIsNeverTheWholeMessageEvenWhenTheLimitIsBelowItsLength() {
        EmbeddedChannel ch = ready(64 << 20, 1024, true);
        byte[] text = new byte[1500];
        java.util.Arrays.fill(text, (byte) 'x');
        text[text.length - 1] = 0;
        feed(ch, message('P', text), 1 << 16);
        ByteBuf head = ch.readInbound();
        assertTrue(MessageBody.isHead(head));
        head.release();
        assertFalse(ch.finish());
    }

    @Test
    void aSmallMessageOverTheBufferedLimitIsDiscardedThenRefusedWith54000() {
        EmbeddedChannel ch = ready(64 << 20, 1024, true);
        byte[] describe = message('D', concat(new byte[]{'S'}, new byte[2000]));
        feed(ch, describe, 300);
        ProtocolViolation v = ch.readInbound();
        assertEquals("54000", v.sqlState());
        assertFalse(ch.finish());
    }

    @Test
    void withoutInspectionALargeQueryStreamsLikeABind() {
        EmbeddedChannel ch = ready(64 << 20, 8192, false);
        byte[] text = new byte[FrontendDecoder.STREAM_ABOVE + 10];
        java.util.Arrays.fill(text, (byte) ' ');
        text[text.length - 1] = 0;
        byte[] q = message('Q', text);
        feed(ch, q, 1 << 16);
        java.io.ByteArrayOutputStream relayed = new java.io.ByteArrayOutputStream();
        ByteBuf head = ch.readInbound();
        assertTrue(MessageBody.isHead(head));
        relayed.writeBytes(Bytes.drain(head));
        for (Object next = ch.readInbound(); next != null; next = ch.readInbound()) {
            relayed.writeBytes(Bytes.drain(assertInstanceOf(MessageBody.class, next)));
        }
        assertArrayEquals(q, relayed.toByteArray());
        assertFalse(ch.finish());
    }

    @Test
    void messagesInvalidInTheCurrentPhaseAreRefused() {
        session.startupForwarded(new StartupMessage(StartupMessage.PROTOCOL_3_0, Map.of("user", "u")));
        decoder.mode(FrontendDecoder.Mode.MESSAGES);
        channel.writeInbound(Unpooled.wrappedBuffer(message('Q', "select 1\0".getBytes(StandardCharsets.UTF_8))));
        assertEquals("Query is not valid during authentication", ((ProtocolViolation) channel.readInbound()).message());
        assertFalse(channel.finish());
    }

    @Test
    void unknownTypeAndPasswordAfterAuthenticationAreRefused() {
        toReady();
        channel.writeInbound(Unpooled.wrappedBuffer(message('p', "pw\0".getBytes(StandardCharsets.UTF_8))));
        assertEquals("PasswordMessage is not valid after authentication", ((ProtocolViolation) channel.readInbound()).message());
        FrontendDecoderTest other = new FrontendDecoderTest();
        other.toReady();
        other.channel.writeInbound(Unpooled.wrappedBuffer(message('!', new byte[0])));
        assertEquals("unknown message type '!' is not valid after authentication",
                ((ProtocolViolation) other.channel.readInbound()).message());
        assertFalse(channel.finish());
        assertFalse(other.channel.finish());
    }

    @Test
    void startupLengthsOutsideTheBoundsAreRefused() {
        // Dropped: PostgreSQL closes on these without a reply.
        channel.writeInbound(Unpooled.wrappedBuffer(new byte[]{0, 0, 0, 7}));
        assertEquals("invalid length of startup packet: 7 (must be 8 to 4096)",
                ((StartupPacket.Dropped) channel.readInbound()).reason());
        FrontendDecoderTest other = new FrontendDecoderTest();
        other.channel.writeInbound(Unpooled.wrappedBuffer(new byte[]{0x7f, 0, 0, 0}));
        assertTrue(((StartupPacket.Dropped) other.channel.readInbound()).reason().startsWith("invalid length of startup packet: 2130706432"));
        assertFalse(channel.finish());
        assertFalse(other.channel.finish());
    }

    @Test
    void bytesPiggyBackedOnSslRequestAreRefused() {
        byte[] ssl = startup(SSLRequest.CODE, new byte[0]);
        byte[] smuggled = startup(196608, params("user", "mallory"));
        channel.writeInbound(Unpooled.wrappedBuffer(concat(ssl, smuggled)));
        assertSame(SSLRequest.INSTANCE, channel.readInbound(), "answered first, as PostgreSQL does");
        ProtocolViolation v = channel.readInbound();
        assertEquals("received unencrypted data after SSL request (" + smuggled.length + " bytes, before the TLS handshake)",
                v.message());
        assertSame(FrontendDecoder.Mode.HALTED, decoder.mode());
        assertNull(channel.readInbound(), "the smuggled StartupMessage is never decoded");
        assertFalse(channel.finish());
    }

    @Test
    void sslRequestAloneIsEmittedAndDecodingWaits() {
        channel.writeInbound(Unpooled.wrappedBuffer(startup(SSLRequest.CODE, new byte[0])));
        assertSame(SSLRequest.INSTANCE, channel.readInbound());
        assertSame(FrontendDecoder.Mode.AWAIT, decoder.mode());
        assertFalse(channel.finish());
    }
}
