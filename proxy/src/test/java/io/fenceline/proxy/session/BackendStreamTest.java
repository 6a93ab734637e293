package io.fenceline.proxy.session;

import io.fenceline.proxy.wire.Bytes;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static io.fenceline.proxy.wire.Bytes.concat;
import static io.fenceline.proxy.wire.Bytes.message;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BackendStreamTest {

    private static final byte[] STREAM = concat(
            message('R', new byte[]{0, 0, 0, 0}),
            message('S', "client_encoding\0UTF8\0".getBytes(StandardCharsets.UTF_8)),
            message('K', new byte[]{0, 0, 0x30, 0x39, 1, 2, 3, 4}),
            message('Z', new byte[]{'I'}),
            message('D', new byte[200]),
            message('E', "SERROR\0VERROR\0C42P01\0Mrelation \"x\" does not exist\0\0".getBytes(StandardCharsets.UTF_8)),
            message('Z', new byte[]{'E'}),
            message('Z', new byte[]{'T'}));

    private static final List<String> EXPECTED = List.of("K12345/16909060", "Z I", "E 42P01", "Z E", "Z T");

    private static final class Recorder implements BackendStream.Listener {
        final List<String> events = new ArrayList<>();

        @Override
        public void readyForQuery(byte status) {
            events.add("Z " + (char) status);
        }

        @Override
        public void backendKeyData(int processId, int secretKey) {
            events.add("K" + processId + "/" + secretKey);
        }

        @Override
        public void errorResponse(String sqlState) {
            events.add("E " + sqlState);
        }
    }

    @Test
    void wholeStreamInOneBuffer() {
        Recorder r = new Recorder();
        BackendStream s = new BackendStream();
        assertNull(s.scan(Bytes.of(STREAM), r));
        assertEquals(EXPECTED, r.events);
        assertTrue(s.atBoundary());
        assertEquals(8, s.messages());
    }

    @Test
    void oneByteAtATime() {
        Recorder r = new Recorder();
        BackendStream s = new BackendStream();
        for (int i = 0; i < STREAM.length; i++) {
            ByteBuf one = Unpooled.wrappedBuffer(STREAM, i, 1);
            assertNull(s.scan(one, r));
            assertEquals(one.readerIndex(), 0, "scan must not move the reader index");
        }
        assertEquals(EXPECTED, r.events);
        assertTrue(s.atBoundary());
    }

    @Test
    void everySplitPoint() {
        for (int cut = 1; cut < STREAM.length; cut++) {
            Recorder r = new Recorder();
            BackendStream s = new BackendStream();
            assertNull(s.scan(Unpooled.wrappedBuffer(STREAM, 0, cut), r));
            assertNull(s.scan(Unpooled.wrappedBuffer(STREAM, cut, STREAM.length - cut), r));
            assertEquals(EXPECTED, r.events, "cut at " + cut);
        }
    }

    @Test
    void boundaryIsKnownMidMessage() {
        BackendStream s = new BackendStream();
        Recorder r = new Recorder();
        s.scan(Unpooled.wrappedBuffer(STREAM, 0, 3), r);
        assertFalse(s.atBoundary());
        s.scan(Unpooled.wrappedBuffer(STREAM, 3, 4), r);
        assertFalse(s.atBoundary());
    }

    @Test
    void lengthBelowFourIsReported() {
        String error = new BackendStream().scan(Unpooled.wrappedBuffer(new byte[]{'Z', 0, 0, 0, 3}), new Recorder());
        assertEquals("backend message type 0x5a has length 3 below 4", error);
    }
}
