package io.fenceline.proxy.session;

import io.fenceline.proxy.metrics.ProxyMetrics;
import io.fenceline.proxy.wire.frontend.FrontendType;
import io.fenceline.proxy.wire.frontend.StartupMessage;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static io.fenceline.proxy.wire.Bytes.concat;
import static io.fenceline.proxy.wire.Bytes.message;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SessionTest {

    private final List<String> events = new ArrayList<>();
    private final List<Long> latencies = new ArrayList<>();
    private final List<String> errors = new ArrayList<>();
    private long now = 1_000;

    private final Session session = new Session(new ProxyMetrics() {
        @Override
        public void relayLatency(long nanos) {
            latencies.add(nanos);
        }

        @Override
        public void error(String sqlState) {
            errors.add(sqlState);
        }
    }, () -> now, new Session.Events() {
        @Override
        public void ready() {
            events.add("ready");
        }

        @Override
        public void cancelKey(CancelKey key) {
            events.add("key " + key.processId() + "/" + key.secretKey());
        }
    });

    private void backend(byte[] bytes) {
        assertNull(session.backendReceived(Unpooled.wrappedBuffer(bytes)));
    }

    @Test
    void startupAuthenticationAndReady() {
        assertSame(Phase.STARTUP, session.phase());
        assertTrue(session.admitFrontend(FrontendType.QUERY) != null);
        StartupMessage startup = new StartupMessage(StartupMessage.PROTOCOL_3_0, Map.of("user", "u"));
        session.startupForwarded(startup);
        assertSame(Phase.AUTHENTICATING, session.phase());
        assertSame(startup, session.startup());
        assertNull(session.admitFrontend(FrontendType.PASSWORD));
        assertTrue(session.admitFrontend(FrontendType.QUERY) != null);
        backend(concat(message('R', new byte[]{0, 0, 0, 0}), message('K', new byte[]{0, 0, 0, 7, 0, 0, 0, 9}),
                message('Z', new byte[]{'I'})));
        assertSame(Phase.READY, session.phase());
        assertEquals(List.of("key 7/9", "ready"), events);
        assertEquals(new CancelKey(7, 9), session.cancelKey());
        assertNull(session.admitFrontend(FrontendType.QUERY));
        assertTrue(session.admitFrontend(FrontendType.PASSWORD) != null);
        assertTrue(session.isIdle());
        assertThrows(IllegalStateException.class, () -> session.startupForwarded(startup));
    }

    @Test
    void pipelinedRequestsAreCountedAndTimedInOrder() {
        session.startupForwarded(new StartupMessage(StartupMessage.PROTOCOL_3_0, Map.of("user", "u")));
        backend(message('Z', new byte[]{'I'}));
        session.frontendForwarded(FrontendType.QUERY);
        now += 100;
        session.frontendForwarded(FrontendType.PARSE);
        session.frontendForwarded(FrontendType.SYNC);
        assertEquals(2, session.outstanding());
        assertFalse(session.isIdle());
        now += 50;
        backend(concat(message('C', "BEGIN\0".getBytes(StandardCharsets.UTF_8)), message('Z', new byte[]{'T'})));
        assertEquals(1, session.outstanding());
        assertEquals('T', session.transactionStatus());
        now += 25;
        backend(concat(message('E', "SERROR\0VERROR\0C22012\0Mdivision by zero\0\0".getBytes(StandardCharsets.UTF_8)),
                message('Z', new byte[]{'E'})));
        assertEquals(0, session.outstanding());
        assertEquals('E', session.transactionStatus());
        assertEquals(List.of(150L, 75L), latencies);
        assertEquals(List.of("22012"), errors);
        assertFalse(session.isIdle(), "a failed transaction is not idle");
        session.frontendForwarded(FrontendType.QUERY);
        backend(message('Z', new byte[]{'I'}));
        assertTrue(session.isIdle());
    }

    @Test
    void idleNeedsTheServerStreamAtABoundary() {
        session.startupForwarded(new StartupMessage(StartupMessage.PROTOCOL_3_0, Map.of("user", "u")));
        backend(message('Z', new byte[]{'I'}));
        backend(new byte[]{'N', 0, 0});
        assertFalse(session.backendAtBoundary());
        assertFalse(session.isIdle());
        session.close();
        assertSame(Phase.CLOSED, session.phase());
        assertTrue(session.admitFrontend(FrontendType.SYNC) != null);
    }
}
