package io.fenceline.proxy.wire;

import io.fenceline.proxy.wire.backend.ErrorResponse;
import io.fenceline.proxy.wire.backend.NegotiateProtocolVersion;
import io.fenceline.proxy.wire.backend.ReadyForQuery;
import io.fenceline.proxy.wire.frontend.CancelRequest;
import io.fenceline.proxy.wire.frontend.GSSENCRequest;
import io.fenceline.proxy.wire.frontend.Parse;
import io.fenceline.proxy.wire.frontend.Query;
import io.fenceline.proxy.wire.frontend.SSLRequest;
import io.fenceline.proxy.wire.frontend.StartupMessage;
import io.fenceline.proxy.wire.frontend.StartupPacket;
import io.fenceline.proxy.wire.frontend.Sync;
import io.fenceline.proxy.wire.frontend.Terminate;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static io.fenceline.proxy.wire.Bytes.concat;
import static io.fenceline.proxy.wire.Bytes.drain;
import static io.fenceline.proxy.wire.Bytes.message;
import static io.fenceline.proxy.wire.Bytes.params;
import static io.fenceline.proxy.wire.Bytes.startup;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class WireCodecTest {

    private static final ByteBufAllocator ALLOC = ByteBufAllocator.DEFAULT;

    private static StartupPacket decodeStartup(byte[] bytes) {
        ByteBuf b = Unpooled.wrappedBuffer(bytes);
        try {
            return StartupPacket.decode(b);
        } finally {
            b.release();
        }
    }

    @Test
    void startupMessageRoundTripsByteForByte() {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("user", "alice");
        p.put("database", "shop");
        p.put("options", "-c fenceline.schema_version=7");
        StartupMessage m = new StartupMessage(StartupMessage.PROTOCOL_3_0, p);
        byte[] expected = startup(196608, params("user", "alice", "database", "shop", "options", "-c fenceline.schema_version=7"));
        assertArrayEquals(expected, drain(m.encode(ALLOC)));
        assertEquals(m, decodeStartup(expected));
    }

    @Test
    void requestPacketsDecode() {
        assertSame(SSLRequest.INSTANCE, decodeStartup(startup(80877103, new byte[0])));
        assertSame(GSSENCRequest.INSTANCE, decodeStartup(startup(80877104, new byte[0])));
        assertEquals(new CancelRequest(42, -7), decodeStartup(startup(80877102, new byte[]{0, 0, 0, 42, -1, -1, -1, -7})));
        assertArrayEquals(startup(80877102, new byte[]{0, 0, 0, 42, -1, -1, -1, -7}), drain(new CancelRequest(42, -7).encode(ALLOC)));
        assertArrayEquals(startup(80877103, new byte[0]), Bytes.drain(SSLRequest.encode().retain()));
    }

    static Stream<Object[]> malformedStartups() {
        return Stream.of(
                new Object[]{startup(196608, params("database", "x")), "no \"user\""},
                new Object[]{startup(196608, "user\0bob\0".getBytes(StandardCharsets.UTF_8)), "overrun"},
                new Object[]{startup(196608, "user\0bob".getBytes(StandardCharsets.UTF_8)), "does not end with a zero byte"},
                new Object[]{startup(196608, "user\0a\0\0x\0\0".getBytes(StandardCharsets.UTF_8)), "empty parameter name"},
                new Object[]{startup(2 << 16, params("user", "a")), "unsupported frontend protocol 2.0"},
                new Object[]{startup(1234 << 16 | 9999, new byte[0]), "unsupported frontend protocol 1234.9999"},
                new Object[]{startup(80877103, new byte[4]), "SSLRequest must be 8 bytes, was 12"},
                new Object[]{startup(80877104, new byte[1]), "GSSENCRequest must be 8 bytes, was 9"},
                new Object[]{startup(80877102, new byte[4]), "CancelRequest must be 16 bytes, was 12"});
    }

    @ParameterizedTest
    @MethodSource("malformedStartups")
    void malformedStartupPacketsNameWhatIsWrong(byte[] packet, String expected) {
        StartupPacket.Invalid invalid = assertInstanceOf(StartupPacket.Invalid.class, decodeStartup(packet));
        assertEquals("08P01", invalid.violation().sqlState());
        assertTrue(invalid.violation().message().contains(expected), invalid.violation().message());
    }

    @Test
    void repeatedParameterKeepsItsLastValue() {
        // As PostgreSQL: a repeated startup parameter is accepted and the last value wins.
        StartupMessage m = (StartupMessage) decodeStartup(startup(196608, params("user", "a", "application_name", "x", "user", "b")));
        assertEquals(List.of("user", "application_name"), List.copyOf(m.parameters().keySet()));
        assertEquals("b", m.parameters().get("user"));
    }

    @Test
    void minorVersionAndProtocolOptionsAreStrippedForUpstream() {
        StartupMessage m = (StartupMessage) decodeStartup(startup(3 << 16 | 2, params("user", "u", "_pq_.x", "1")));
        assertEquals(2, m.minor());
        assertEquals(List.of("_pq_.x"), m.protocolOptions());
        assertEquals(new StartupMessage(196608, Map.of("user", "u")), m.asVersion30());
    }

    @Test
    void queryAndParseRoundTrip() {
        byte[] q = message('Q', "select 1\0".getBytes(StandardCharsets.UTF_8));
        assertEquals(new Query.Ok(new Query("select 1")), Query.decode(Unpooled.wrappedBuffer(q)));
        assertArrayEquals(q, drain(new Query("select 1").encode(ALLOC)));

        byte[] p = message('P', concat("s1\0select $1\0".getBytes(StandardCharsets.UTF_8), new byte[]{0, 1, 0, 0, 0, 23}));
        Parse parse = new Parse("s1", "select $1", new int[]{23});
        assertEquals(new Parse.Ok(parse), Parse.decode(Unpooled.wrappedBuffer(p)));
        assertArrayEquals(p, drain(parse.encode(ALLOC)));
    }

    @Test
    void malformedQueryAndParseAreValues() {
        assertInstanceOf(Query.Malformed.class, Query.decode(Unpooled.wrappedBuffer(message('Q', "no terminator".getBytes(StandardCharsets.UTF_8)))));
        assertInstanceOf(Query.Malformed.class, Query.decode(Unpooled.wrappedBuffer(message('Q', "a\0b\0".getBytes(StandardCharsets.UTF_8)))));
        Parse.Malformed m = assertInstanceOf(Parse.Malformed.class, Parse.decode(Unpooled.wrappedBuffer(
                message('P', concat("\0select 1\0".getBytes(StandardCharsets.UTF_8), new byte[]{0, 2, 0, 0, 0, 23})))));
        assertTrue(m.violation().message().contains("declares 2 parameter types but carries 4 bytes"), m.violation().message());
    }

    @Test
    void constantMessagesAreExact() {
        assertArrayEquals(new byte[]{'S', 0, 0, 0, 4}, drain(Sync.encode().retain()));
        assertArrayEquals(new byte[]{'X', 0, 0, 0, 4}, drain(Terminate.encode().retain()));
        assertArrayEquals(new byte[]{'Z', 0, 0, 0, 5, 'T'}, drain(new ReadyForQuery(ReadyForQuery.IN_TRANSACTION).encode(ALLOC)));
    }

    @Test
    void errorResponseIsExactAndItsSqlStateCanBeFound() {
        byte[] e = drain(new ErrorResponse("FATAL", "08P01", "bad").encode(ALLOC));
        byte[] expected = message('E', "SFATAL\0VFATAL\0C08P01\0Mbad\0\0".getBytes(StandardCharsets.UTF_8));
        assertArrayEquals(expected, e);
        byte[] body = java.util.Arrays.copyOfRange(e, 5, e.length);
        assertEquals("08P01", ErrorResponse.sqlStateOf(body, body.length));
        assertEquals(ErrorResponse.UNKNOWN_SQLSTATE, ErrorResponse.sqlStateOf(body, 16));
    }

    @Test
    void negotiateProtocolVersionIsExact() {
        // The version field is 3 << 16 | minor (196608 = 0x00030000 for 3.0), as PostgreSQL 15 sends it.
        byte[] v = drain(new NegotiateProtocolVersion(0, List.of("_pq_.a")).encode(ALLOC));
        assertArrayEquals(message('v', concat(new byte[]{0, 3, 0, 0, 0, 0, 0, 1}, "_pq_.a\0".getBytes(StandardCharsets.UTF_8))), v);
        byte[] none = drain(new NegotiateProtocolVersion(0, List.of()).encode(ALLOC));
        assertArrayEquals(message('v', new byte[]{0, 3, 0, 0, 0, 0, 0, 0}), none);
    }
}
