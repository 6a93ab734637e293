package io.fenceline.proxy.net;

import io.fenceline.config.file.ProxySettings;
import io.fenceline.proxy.metrics.ProxyMetrics;
import io.fenceline.proxy.session.CancelKeys;
import io.fenceline.config.coordination.MonotonicClock;
import io.fenceline.proxy.wire.Bytes;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static io.fenceline.proxy.wire.Bytes.concat;
import static io.fenceline.proxy.wire.Bytes.params;
import static io.fenceline.proxy.wire.Bytes.startup;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The startup phase through an EmbeddedChannel: answers written by the proxy itself, byte for byte. */
class FrontendHandlerTest {

    private static final ProxySettings SETTINGS = new ProxySettings(
            new ProxySettings.Listen("127.0.0.1", 0), new ProxySettings.Upstream.Tcp("127.0.0.1", 1),
            Optional.empty(), new ProxySettings.Limits(8192, Duration.ofSeconds(5), 10), Optional.empty(), Duration.ZERO);

    private final EmbeddedChannel channel;

    FrontendHandlerTest() {
        Shared shared = new Shared(SETTINGS, Transport.best(), InetSocketAddress.createUnresolved("127.0.0.1", 1),
                Transport.best().socketChannel(), null, new CancelKeys<>(), ProxyMetrics.NOOP, MonotonicClock.SYSTEM);
        FrontendHandler handler = new FrontendHandler(shared);
        channel = new EmbeddedChannel(new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel ch) {
                ch.pipeline().addLast(FrontendHandler.DECODER, handler.decoder()).addLast(handler);
            }
        });
    }

    private byte[] nextOutbound() {
        ByteBuf b = channel.readOutbound();
        return b == null ? null : Bytes.drain(b);
    }

    private Map<Character, String> nextError() {
        return Bytes.errorFields(nextOutbound());
    }

    @Test
    void sslAndGssEncRequestsAreDeclinedWithoutTls() {
        channel.writeInbound(Unpooled.wrappedBuffer(startup(80877104, new byte[0])));
        assertArrayEquals(new byte[]{'N'}, nextOutbound());
        channel.writeInbound(Unpooled.wrappedBuffer(startup(80877103, new byte[0])));
        assertArrayEquals(new byte[]{'N'}, nextOutbound());
        assertTrue(channel.isActive());
        // A second SSLRequest is a violation.
        channel.writeInbound(Unpooled.wrappedBuffer(startup(80877103, new byte[0])));
        // As PostgreSQL: once answered, the SSLRequest code is just an unknown protocol version.
        assertEquals(Map.of('S', "FATAL", 'V', "FATAL", 'C', "0A000",
                'M', "unsupported frontend protocol 1234.5679: server supports 3.0 to 3.0"), nextError());
        assertFalse(channel.isActive());
        assertFalse(channel.finish());
    }

    @Test
    void unknownProtocolVersionIsRefusedAndClosed() {
        channel.writeInbound(Unpooled.wrappedBuffer(startup(2 << 16, params("user", "u"))));
        // PostgreSQL 15 answers a 2.0 client in the old error format: 'E', the text, a zero byte.
        assertArrayEquals("EFATAL:  unsupported frontend protocol 2.0: server supports 3.0 to 3.0\n\0"
                .getBytes(java.nio.charset.StandardCharsets.US_ASCII), nextOutbound());
        assertFalse(channel.isActive());
        assertFalse(channel.finish());
    }

    @Test
    void malformedStartupIsRefusedAndClosed() {
        channel.writeInbound(Unpooled.wrappedBuffer(startup(196608, params("database", "d"))));
        assertEquals("no PostgreSQL user name specified in startup packet", nextError().get('M'));
        assertFalse(channel.isActive());
        assertFalse(channel.finish());
    }

    @Test
    void piggyBackedBytesAfterSslRequestAreRefused() {
        channel.writeInbound(Unpooled.wrappedBuffer(concat(startup(80877103, new byte[0]), startup(196608, params("user", "u")))));
        // As PostgreSQL: the SSLRequest is answered, then FATAL; the smuggled bytes are never read.
        assertArrayEquals(new byte[]{'N'}, nextOutbound());
        Map<Character, String> e = nextError();
        assertTrue(e.get('M').startsWith("received unencrypted data after SSL request"), e.toString());
        assertNull(channel.readOutbound());
        assertFalse(channel.isActive());
        assertFalse(channel.finish());
    }

    @Test
    void terminateBeforeTheStartupMessageIsClosedOnSilently() {
        channel.writeInbound(Unpooled.wrappedBuffer(new byte[]{'X', 0, 0, 0, 4}));
        assertNull(channel.readOutbound(), "PostgreSQL logs \"invalid length of startup packet\" and writes nothing");
        assertFalse(channel.isActive());
        assertFalse(channel.finish());
    }

    @Test
    void unknownCancelKeyIsIgnoredSilently() {
        channel.writeInbound(Unpooled.wrappedBuffer(startup(80877102, new byte[8])));
        assertNull(channel.readOutbound());
        assertFalse(channel.isActive());
        assertFalse(channel.finish());
    }

    @Test
    void startupTimeoutBeforeAStartupMessageClosesSilently() {
        channel.writeInbound(Unpooled.wrappedBuffer(new byte[]{0, 0}));
        channel.advanceTimeBy(6, TimeUnit.SECONDS);
        channel.runScheduledPendingTasks();
        assertNull(channel.readOutbound(), "PostgreSQL's authentication_timeout before a startup packet writes nothing");
        assertFalse(channel.isActive());
        assertFalse(channel.finish());
    }

    @Test
    void newerMinorVersionIsNegotiatedDown() {
        channel.writeInbound(Unpooled.wrappedBuffer(startup(3 << 16 | 2, params("user", "u", "_pq_.fancy", "on"))));
        // NegotiateProtocolVersion first; then the (failing, in an embedded loop) upstream connect is reported.
        channel.runPendingTasks();
        byte[] v = nextOutbound();
        assertEquals('v', v[0]);
        assertTrue(new String(v, java.nio.charset.StandardCharsets.UTF_8).contains("_pq_.fancy"));
        Map<Character, String> e = nextError();
        assertEquals("08006", e.get('C'), e.toString());
        assertFalse(channel.isActive());
        assertFalse(channel.finish());
    }
}
