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
    void oversizedMessageIsRefusedFromItsHeaderAlone() {
        toReady();
        channel.writeInbound(Unpooled.wrappedBuffer(new byte[]{'Q', 0, 0, 0x10, 1}));
        ProtocolViolation v = channel.readInbound();
        assertEquals("Query message length 4097 exceeds the maximum of 4096 bytes", v.message());
        assertFalse(channel.finish());
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
