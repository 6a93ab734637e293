package io.fenceline.proxy;

import io.fenceline.testing.PostgresServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;

import static io.fenceline.proxy.RawClient.concat;
import static io.fenceline.proxy.RawClient.message;
import static io.fenceline.proxy.RawClient.params;
import static io.fenceline.proxy.RawClient.query;
import static io.fenceline.proxy.RawClient.startup;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Hostile and broken clients against a TLS-capable proxy with small limits. Each case must be answered
 * with 08P01 naming the problem (or closed), affect only its own connection, and leave no session,
 * server backend or buffer behind (the leak check runs after the class).
 */
class HostileInputIT {

    private static final int MAX_MESSAGE = 64 * 1024;

    @TempDir
    static Path dir;
    static PostgresServer pg;
    static ProxyProcess proxy;
    static Connection bystander;
    static int bystanderPid;

    @BeforeAll
    static void start() throws Exception {
        pg = PostgresServer.builder().hba("host all scram_user 127.0.0.1/32 scram-sha-256").start();
        pg.execute("SET password_encryption = 'scram-sha-256'; CREATE ROLE scram_user LOGIN PASSWORD 'pw'");
        proxy = ProxyProcess.start(TestProxies.settings(pg, Optional.of(TestProxies.selfSignedCertificate(dir)),
                MAX_MESSAGE, Duration.ofSeconds(2), 50, Duration.ofSeconds(2)));
        Properties p = new Properties();
        p.setProperty("user", "postgres");
        bystander = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + proxy.server().address().getPort()
                + "/postgres?sslmode=disable", p);
        bystanderPid = pid(bystander);
    }

    @AfterAll
    static void stop() throws Exception {
        if (bystander != null) {
            bystander.close();
        }
        if (proxy != null) {
            proxy.close();
        }
        if (pg != null) {
            pg.close();
        }
    }

    /** The bystander's session is untouched, and nothing of the hostile connection is left. */
    @AfterEach
    void othersUnaffectedAndNothingLeft() throws Exception {
        assertEquals(bystanderPid, pid(bystander), "the other session keeps its server process");
        ClientsThroughProxyIT.waitFor(() -> proxy.server().activeConnections() == 1);
        ClientsThroughProxyIT.waitFor(() -> "1".equals(pg.queryValue("postgres",
                "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()")));
        assertEquals(1, proxy.server().cancelKeys());
    }

    private static int pid(Connection c) throws Exception {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT pg_backend_pid()")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    private static RawClient client() throws IOException {
        return new RawClient(proxy.server().address());
    }

    private static void assertRefused(RawClient c, String messagePart) throws IOException {
        RawClient.Message m = c.read();
        assertEquals('E', m.type(), "expected an ErrorResponse");
        Map<Character, String> f = m.errorFields();
        assertEquals("FATAL", f.get('S'));
        assertEquals("08P01", f.get('C'), f.toString());
        assertTrue(f.get('M').contains(messagePart), f.toString());
        assertTrue(c.closedByPeer(5000), "the proxy closes the connection");
    }

    /** PostgreSQL's way with bytes that are no startup packet: logged, closed, nothing written. */
    private static void assertClosedWithoutAReply(RawClient c) throws IOException {
        assertEquals(-1, c.readByte(), "closed with nothing written");
    }

    @Test
    void startupLengthBelowEight() throws Exception {
        try (RawClient c = client()) {
            c.send(new byte[]{0, 0, 0, 4});
            assertClosedWithoutAReply(c);
        }
    }

    @Test
    void startupLengthAboveTheLimit() throws Exception {
        try (RawClient c = client()) {
            c.send(new byte[]{0, 0, 0x4e, 0x21, 0, 3, 0, 0});
            assertClosedWithoutAReply(c);
        }
    }

    @Test
    void unknownProtocolVersion() throws Exception {
        try (RawClient c = client()) {
            c.send(startup(4 << 16, params("user", "postgres")));
            RawClient.Message m = c.read();
            assertEquals("0A000", m.errorFields().get('C'), m.errorFields().toString());
            assertTrue(m.errorFields().get('M').startsWith("unsupported frontend protocol 4.0"));
            assertTrue(c.closedByPeer(5000));
        }
    }

    @Test
    void startupWithoutUserOrTerminator() throws Exception {
        try (RawClient c = client()) {
            c.send(startup(196608, params("database", "postgres")));
            RawClient.Message m = c.read();
            assertEquals("28000", m.errorFields().get('C'), m.errorFields().toString());
            assertTrue(c.closedByPeer(5000));
        }
        try (RawClient c = client()) {
            c.send(startup(196608, "user\0postgres".getBytes(StandardCharsets.UTF_8)));
            assertRefused(c, "invalid startup packet layout: expected terminator as last byte");
        }
    }

    @Test
    void plaintextPiggyBackedOnSslRequest() throws Exception {
        try (RawClient c = client()) {
            c.send(concat(startup(80877103, new byte[0]), startup(196608, params("user", "postgres", "database", "postgres"))));
            assertEquals('N', c.readByte(), "answered first, as PostgreSQL does");
            assertRefused(c, "received unencrypted data after SSL request");
        }
    }

    @Test
    void newerMinorVersionIsNegotiatedNotRefused() throws Exception {
        try (RawClient c = client()) {
            c.send(startup(3 << 16 | 2, params("user", "postgres", "database", "postgres", "_pq_.something", "1")));
            RawClient.Message v = c.read();
            assertEquals('v', v.type());
            assertEquals(0, v.body()[3], "newest minor version supported");
            assertTrue(new String(v.body(), StandardCharsets.UTF_8).contains("_pq_.something"));
            RawClient.Message m;
            do {
                m = c.read();
                RawClient.Message seen = m;
                assertTrue(seen.type() != 'E', () -> "startup failed: " + seen.errorFields());
            } while (m.type() != 'Z');
            c.send(message('X', new byte[0]));
            assertTrue(c.closedByPeer(5000));
        }
    }

    @Test
    void messageLengthBelowFour() throws Exception {
        try (RawClient c = client()) {
            c.startTrusted("postgres", "postgres");
            c.send(new byte[]{'Q', 0, 0, 0, 2});
            assertRefused(c, "Query message length 2 is below 4");
        }
    }

    @Test
    void messageAboveTheMaximumIsReadToItsEndThenRefused() throws Exception {
        try (RawClient c = client()) {
            c.startTrusted("postgres", "postgres");
            // Refused only once the client has sent it all (issue 15): closing earlier, while the client is still
            // sending, makes its kernel answer with a reset that discards the error unread.
            c.send(new byte[]{'Q', 0, 0x10, 0, 0});
            c.send(new byte[(1 << 20) - 4]);
            assertRefused(c, "Query message length 1048576 exceeds the maximum of " + MAX_MESSAGE + " bytes");
        }
    }

    @Test
    void queryDuringAuthentication() throws Exception {
        try (RawClient c = client()) {
            c.send(startup(196608, params("user", "scram_user", "database", "postgres")));
            RawClient.Message auth = c.read();
            assertEquals('R', auth.type(), "AuthenticationSASL");
            c.send(query("SELECT 1"));
            assertRefused(c, "Query is not valid during authentication");
        }
    }

    @Test
    void unknownTypeAndPasswordMessageAfterAuthentication() throws Exception {
        try (RawClient c = client()) {
            c.startTrusted("postgres", "postgres");
            c.send(message('!', new byte[0]));
            assertRefused(c, "unknown message type '!' is not valid after authentication");
        }
        try (RawClient c = client()) {
            c.startTrusted("postgres", "postgres");
            c.send(message('p', "secret\0".getBytes(StandardCharsets.UTF_8)));
            assertRefused(c, "PasswordMessage is not valid after authentication");
        }
    }

    @Test
    void slowSenderWithinTheTimeoutIsServed() throws Exception {
        try (RawClient c = client()) {
            byte[] startup = startup(196608, params("user", "postgres", "database", "postgres"));
            for (byte b : startup) {
                c.send(new byte[]{b});
                Thread.sleep(15);
            }
            c.readUntilReady();
            byte[] q = query("SELECT 'slow but fine'");
            for (byte b : q) {
                c.send(new byte[]{b});
                Thread.sleep(5);
            }
            boolean sawRow = false;
            for (RawClient.Message m : c.readUntilReady()) {
                sawRow |= m.type() == 'D' && new String(m.body(), StandardCharsets.UTF_8).contains("slow but fine");
            }
            assertTrue(sawRow);
        }
    }

    @Test
    void stalledStartupTimesOut() throws Exception {
        try (RawClient c = client()) {
            c.send(new byte[]{0, 0, 0});
            assertClosedWithoutAReply(c);
        }
        try (RawClient c = client()) {
            // Stalled in authentication: the server waits for a SCRAM response that never comes.
            c.send(startup(196608, params("user", "scram_user", "database", "postgres")));
            assertEquals('R', c.read().type());
            assertRefused(c, "startup did not complete within 2000 ms (phase AUTHENTICATING)");
        }
    }

    @Test
    void peerDisconnectingMidMessage() throws Exception {
        try (RawClient c = client()) {
            c.startTrusted("postgres", "postgres");
            byte[] q = query("SELECT 'never completed'");
            c.send(java.util.Arrays.copyOf(q, q.length / 2));
        }
        try (RawClient c = client()) {
            byte[] s = startup(196608, params("user", "postgres", "database", "postgres"));
            c.send(java.util.Arrays.copyOf(s, 11));
        }
    }
}
