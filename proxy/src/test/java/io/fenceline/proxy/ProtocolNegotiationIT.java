package io.fenceline.proxy;

import io.fenceline.testing.PostgresServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static io.fenceline.proxy.RawClient.message;
import static io.fenceline.proxy.RawClient.params;
import static io.fenceline.proxy.RawClient.query;
import static io.fenceline.proxy.RawClient.startup;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * libpq 18's protocol negotiation where the machine has only libpq 15: a raw client asks for protocol 3.2
 * ({@code max_protocol_version=3.2} or {@code latest}) and for 3.9999 with a {@code _pq_.} option (libpq 19's
 * "grease"), directly to PostgreSQL 15 and through the proxy, and judges the answer as libpq 18's
 * {@code pqGetNegotiateProtocolVersion3} does: the NegotiateProtocolVersion's version must be at least 3.0 and at
 * most the one asked for, every option it lists must be one the client sent; then the session must work. The
 * proxy's answer must also equal PostgreSQL's own.
 */
class ProtocolNegotiationIT {

    static PostgresServer pg;
    static ProxyProcess proxy;

    @BeforeAll
    static void start() throws Exception {
        pg = PostgresServer.builder().start();
        proxy = ProxyProcess.start(TestProxies.settings(pg));
    }

    @AfterAll
    static void stop() throws Exception {
        if (proxy != null) {
            proxy.close();
        }
        if (pg != null) {
            pg.close();
        }
    }

    /** What a NegotiateProtocolVersion said. */
    record Negotiated(int version, List<String> options) {
    }

    @ParameterizedTest(name = "3.{0} with option [{1}]")
    @CsvSource({"2, ''", "2, _pq_.test_protocol_negotiation", "9999, _pq_.test_protocol_negotiation", "9999, ''"})
    void answeredAsLibpq18Accepts(int minor, String option) throws Exception {
        Negotiated direct = negotiate(new InetSocketAddress("127.0.0.1", pg.port()), minor, option);
        Negotiated proxied = negotiate(proxy.server().address(), minor, option);
        assertEquals(direct, proxied, "the proxy answers as PostgreSQL 15 does");
        assertEquals(3 << 16, proxied.version(), "3.0, the newest version both PostgreSQL 15 and the proxy speak");
    }

    /**
     * PostgreSQL accepts a startup parameter sent twice, and the last value wins (ProcessStartupPacket assigns
     * {@code user} and {@code database} again and applies the settings in order); so must the proxy.
     */
    @org.junit.jupiter.api.Test
    void repeatedStartupParameterLastValueWins() throws Exception {
        for (InetSocketAddress address : List.of(new InetSocketAddress("127.0.0.1", pg.port()), proxy.server().address())) {
            try (RawClient c = new RawClient(address)) {
                c.send(startup(3 << 16, params("user", "nobody_at_all", "database", "postgres",
                        "application_name", "first", "user", "postgres", "application_name", "second")));
                RawClient.Message m;
                do {
                    m = c.read();
                    RawClient.Message seen = m;
                    assertTrue(m.type() != 'E', () -> "startup at " + address + " failed: " + seen.errorFields());
                } while (m.type() != 'Z');
                c.send(query("SELECT current_user || '/' || current_setting('application_name')"));
                List<RawClient.Message> answer = c.readUntilReady();
                assertTrue(answer.stream().anyMatch(a -> a.type() == 'D'
                        && new String(a.body(), StandardCharsets.UTF_8).endsWith("postgres/second")),
                        "the last user and application_name win at " + address);
            }
        }
    }

    /** Asks for 3.{@code minor}, checks the answer as libpq 18 does, runs a query, and returns the answer. */
    private static Negotiated negotiate(InetSocketAddress address, int minor, String option) throws IOException {
        int requested = 3 << 16 | minor;
        List<String> sent = new ArrayList<>(List.of("user", "postgres", "database", "postgres"));
        if (!option.isEmpty()) {
            sent.addAll(List.of(option, "1"));
        }
        try (RawClient c = new RawClient(address)) {
            c.send(startup(requested, params(sent.toArray(String[]::new))));
            Negotiated negotiated = null;
            RawClient.Message m;
            do {
                m = c.read();
                if (m.type() == 'E') {
                    fail("startup at " + address + " failed: " + m.errorFields());
                }
                if (m.type() == 'v') {
                    byte[] body = m.body();
                    negotiated = decode(body);
                    // libpq 18: "server only supports protocol version %d.%d, but min_protocol_version was set to
                    // 3.0" below 3.0; "received invalid protocol negotiation message: server requested downgrade
                    // to a higher-numbered version" above the request.
                    assertTrue(negotiated.version() >= 3 << 16, () -> "version below 3.0: " + versionText(body));
                    assertTrue(negotiated.version() <= requested, () -> "not a downgrade: " + versionText(body));
                    for (String o : negotiated.options()) {
                        assertTrue(o.startsWith("_pq_.") && sent.contains(o), "listed an option not requested: " + o);
                    }
                }
            } while (m.type() != 'Z');
            assertTrue(negotiated != null, "a NegotiateProtocolVersion answers 3." + minor);
            c.send(query("SELECT 41 + 1"));
            List<RawClient.Message> answer = c.readUntilReady();
            assertTrue(answer.stream().anyMatch(a -> a.type() == 'D'
                    && new String(a.body(), StandardCharsets.UTF_8).endsWith("42")), "the session works");
            c.send(message('X', new byte[0]));
            assertTrue(c.closedByPeer(5000));
            return negotiated;
        }
    }

    private static Negotiated decode(byte[] body) {
        ByteBuffer b = ByteBuffer.wrap(body);
        int version = b.getInt();
        int n = b.getInt();
        List<String> options = new ArrayList<>();
        int at = 8;
        for (int i = 0; i < n; i++) {
            int end = at;
            while (body[end] != 0) {
                end++;
            }
            options.add(new String(body, at, end - at, StandardCharsets.UTF_8));
            at = end + 1;
        }
        assertEquals(body.length, at, "nothing after the options");
        return new Negotiated(version, options);
    }

    private static String versionText(byte[] body) {
        int v = ByteBuffer.wrap(body).getInt();
        return (v >>> 16) + "." + (v & 0xFFFF);
    }
}
