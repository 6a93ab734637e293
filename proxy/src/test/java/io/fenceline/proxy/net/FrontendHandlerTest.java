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
        assertEquals(Map.of('S', "FATAL", 'V', "FATAL", 'C', "08P01", 'M', "SSLRequest sent twice"), nextError());
        assertFalse(channel.isActive());
        assertFalse(channel.finish());
    }

    @Test
    void unknownProtocolVersionIsRefusedAndClosed() {
        channel.writeInbound(Unpooled.wrappedBuffer(startup(2 << 16, params("user", "u"))));
        Map<Character, String> e = nextError();
        assertEquals("08P01", e.get('C'));
        assertEquals("unsupported frontend protocol 2.0: the proxy supports protocol 3.0", e.get('M'));
        assertFalse(channel.isActive());
        assertFalse(channel.finish());
    }

    @Test
    void malformedStartupIsRefusedAndClosed() {
        channel.writeInbound(Unpooled.wrappedBuffer(startup(196608, params("database", "d"))));
        assertEquals("StartupMessage has no \"user\" parameter", nextError().get('M'));
        assertFalse(channel.isActive());
        assertFalse(channel.finish());
    }

    @Test
    void piggyBackedBytesAfterSslRequestAreRefused() {
        channel.writeInbound(Unpooled.wrappedBuffer(concat(startup(80877103, new byte[0]), startup(196608, params("user", "u")))));
        Map<Character, String> e = nextError();
        assertTrue(e.get('M').contains("unencrypted bytes arrived after the SSLRequest"), e.toString());
        assertNull(channel.readOutbound(), "no 'N' or 'S' is sent for a smuggling attempt");
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
    void startupTimeoutClosesWithAnError() {
        channel.writeInbound(Unpooled.wrappedBuffer(new byte[]{0, 0}));
        channel.advanceTimeBy(6, TimeUnit.SECONDS);
        channel.runScheduledPendingTasks();
        Map<Character, String> e = nextError();
        assertEquals("08P01", e.get('C'));
        assertEquals("startup did not complete within 5000 ms (phase STARTUP)", e.get('M'));
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
