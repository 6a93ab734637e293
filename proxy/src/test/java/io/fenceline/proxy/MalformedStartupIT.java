package io.fenceline.proxy;

import io.fenceline.config.file.ProxySettings;
import io.fenceline.testing.PostgresServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

import static io.fenceline.proxy.RawClient.concat;
import static io.fenceline.proxy.RawClient.message;
import static io.fenceline.proxy.RawClient.params;
import static io.fenceline.proxy.RawClient.startup;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Malformed startups, each sent to PostgreSQL 15 itself and to the proxy on a raw socket; the proxy must answer
 * as the server does. Where PostgreSQL only logs and closes (a Terminate before the StartupMessage, a length below 8
 * or above 10004, a CancelRequest of the wrong size or with an unknown key, no startup packet within
 * {@code authentication_timeout}) the proxy must write nothing at all; where PostgreSQL answers, the proxy must
 * answer the same severity, SQLSTATE and message (PostgreSQL's file, line and routine fields aside), in the same
 * format (the pre-3.0 error text for codes 1.x and 2.x). Also: over the connection limit, an SSLRequest is answered
 * before the "too many clients" error, as PostgreSQL does.
 */
class MalformedStartupIT {

    private static final Duration TIMEOUT = Duration.ofSeconds(2);
    private static final int MAX_CONNECTIONS = 3;

    static PostgresServer pg;
    static ProxyProcess proxy;

    @BeforeAll
    static void start() throws Exception {
        pg = PostgresServer.builder().setting("authentication_timeout", TIMEOUT.toSeconds() + "s")
                .setting("max_connections", String.valueOf(MAX_CONNECTIONS))
                .setting("superuser_reserved_connections", "0").start();
        proxy = ProxyProcess.start(TestProxies.settings(pg, Optional.empty(), ProxySettings.Limits.DEFAULT_MAX_MESSAGE_LENGTH,
                TIMEOUT, 1, Duration.ofSeconds(2)));
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

    private static InetSocketAddress direct() {
        return new InetSocketAddress("127.0.0.1", pg.port());
    }

    private static byte[] code(int code) {
        return startup(code, new byte[0]);
    }

    static Stream<Object[]> cases() {
        byte[] user = params("user", "postgres", "database", "postgres");
        byte[] huge = ByteBuffer.allocate(10_005).putInt(10_005).putInt(196608).array();
        byte[] largestLength = ByteBuffer.allocate(10_004).putInt(10_004).putInt(196608).array();
        Arrays.fill(largestLength, 8, largestLength.length, (byte) 'a');
        return Stream.of(
                new Object[]{"Terminate before the StartupMessage", message('X', new byte[0])},
                new Object[]{"Terminate, then the StartupMessage", concat(message('X', new byte[0]), startup(196608, user))},
                new Object[]{"length 4", new byte[]{0, 0, 0, 4}},
                new Object[]{"length 7", new byte[]{0, 0, 0, 7, 0, 3, 0}},
                new Object[]{"length 10005", huge},
                new Object[]{"length 10004, no terminator", largestLength},
                new Object[]{"CancelRequest of 12 bytes", startup(80877102, new byte[4])},
                new Object[]{"CancelRequest with an unknown key", startup(80877102, new byte[]{0x7f, 1, 2, 3, 4, 5, 6, 7})},
                new Object[]{"code 1234.5681", code(80877105)},
                new Object[]{"protocol 0.0", code(0)},
                new Object[]{"protocol 0.5", startup(5, user)},
                new Object[]{"protocol 2.0", startup(2 << 16, user)},
                new Object[]{"protocol 4.0", startup(4 << 16, user)},
                new Object[]{"SSLRequest with plaintext after it", concat(code(80877103), startup(196608, user))},
                new Object[]{"no user", startup(196608, params("database", "postgres"))},
                new Object[]{"no final zero byte", startup(196608, "user\0postgres\0".getBytes(StandardCharsets.UTF_8))},
                new Object[]{"an empty name before the end", startup(196608, "user\0postgres\0\0x\0y\0\0".getBytes(StandardCharsets.UTF_8))});
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void answeredAsPostgresAnswers(String name, byte[] bytes) throws Exception {
        List<String> fromPostgres = answer(direct(), name, bytes);
        List<String> fromProxy = answer(proxy.server().address(), name, bytes);
        assertEquals(fromPostgres, fromProxy, name + ": the proxy answers as PostgreSQL 15 does");
    }

    /** A second SSLRequest after the first was declined is, to PostgreSQL, just an unknown protocol code. */
    @Test
    void sslRequestTwice() throws Exception {
        List<List<String>> answers = new ArrayList<>();
        for (InetSocketAddress at : List.of(direct(), proxy.server().address())) {
            try (RawClient c = new RawClient(at)) {
                c.send(code(80877103));
                assertEquals('N', c.readByte());
                c.send(code(80877103));
                answers.add(parse(readToEnd(c.input(), c), false));
            }
        }
        assertEquals(List.of("E FATAL FATAL 0A000 Munsupported frontend protocol 1234.5679: server supports 3.0 to 3.0"),
                answers.get(0), "PostgreSQL 15's answer");
        assertEquals(answers.get(0), answers.get(1));
    }

    /** PostgreSQL times a silent client out without a word (its authentication_timeout); so does the proxy. */
    @Test
    void silentOrIncompleteStartupTimesOutWithoutAReply() throws Exception {
        for (byte[] sent : List.of(new byte[0], new byte[]{0, 0}, startup(196608, params("user", "postgres")).clone())) {
            byte[] partial = sent.length > 8 ? Arrays.copyOf(sent, 12) : sent;
            for (InetSocketAddress at : List.of(direct(), proxy.server().address())) {
                try (RawClient c = new RawClient(at)) {
                    c.send(partial);
                    assertEquals("", hex(readToEnd(c.input(), c)), "nothing is written by " + at + " for "
                            + partial.length + " bytes");
                }
            }
        }
    }

    /** PostgreSQL reads an SSLRequest of 12 bytes as an SSLRequest (the length is not checked) and goes on. */
    @Test
    void longerSslRequestIsAnsweredAndTheStartupGoesOn() throws Exception {
        for (InetSocketAddress at : List.of(direct(), proxy.server().address())) {
            try (RawClient c = new RawClient(at)) {
                c.send(startup(80877103, new byte[4]));
                assertEquals('N', c.readByte(), "declined at " + at);
                c.startTrusted("postgres", "postgres");
            }
        }
    }

    /**
     * Over the limit, PostgreSQL answers the SSLRequest and only then writes "too many clients" (53300), at the
     * StartupMessage; so must the proxy (it wrote the error first, which a client that sent an SSLRequest reads
     * as a malformed one-byte answer).
     */
    @Test
    void overTheLimitTheSslRequestIsAnsweredFirst() throws Exception {
        List<Connection> held = new ArrayList<>();
        try {
            // Fill PostgreSQL's slots until it refuses (a backend of an earlier case may still be exiting).
            while (true) {
                try {
                    held.add(pg.connect());
                } catch (java.sql.SQLException e) {
                    assertEquals("53300", e.getSQLState(), e.toString());
                    break;
                }
                assertTrue(held.size() <= MAX_CONNECTIONS, "PostgreSQL admits at most max_connections");
            }
            List<String> fromPostgres = overLimit(direct());
            for (Connection c : held) {
                c.close();
            }
            held.clear();
            held.add(DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + proxy.server().address().getPort()
                    + "/postgres?user=postgres&sslmode=disable"));
            List<String> fromProxy = overLimit(proxy.server().address());
            assertEquals(List.of("N", "E FATAL FATAL 53300"), fromPostgres.stream().map(s -> s.replaceAll(" M.*", "")).toList());
            assertEquals(List.of("N", "E FATAL FATAL 53300"), fromProxy.stream().map(s -> s.replaceAll(" M.*", "")).toList());
        } finally {
            for (Connection c : held) {
                c.close();
            }
        }
    }

    private static List<String> overLimit(InetSocketAddress at) throws IOException {
        try (RawClient c = new RawClient(at)) {
            c.send(code(80877103));
            int first = c.readByte();
            c.send(startup(196608, params("user", "postgres", "database", "postgres")));
            List<String> answer = new ArrayList<>();
            answer.add(String.valueOf((char) first));
            answer.addAll(parse(readToEnd(c.input(), c), false));
            return answer;
        }
    }

    /** What {@code at} writes, until it closes, in answer to {@code bytes}, reduced to what the proxy must match. */
    private static List<String> answer(InetSocketAddress at, String name, byte[] bytes) throws IOException {
        try (RawClient c = new RawClient(at)) {
            c.send(bytes);
            return parse(readToEnd(c.input(), c), bytes.length >= 8 && ByteBuffer.wrap(bytes).getInt(4) == 80877103);
        }
    }

    /** Every byte until the peer closes (a reset counts as closing); fails if it keeps the connection open. */
    private static byte[] readToEnd(InputStream in, RawClient c) throws IOException {
        c.socket().setSoTimeout((int) TIMEOUT.multipliedBy(10).toMillis());
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        byte[] buf = new byte[4096];
        try {
            for (int n = in.read(buf); n >= 0; n = in.read(buf)) {
                all.write(buf, 0, n);
            }
        } catch (SocketTimeoutException e) {
            fail("still open after " + TIMEOUT.multipliedBy(10) + "; read " + hex(all.toByteArray()));
        } catch (IOException reset) {
            // closed with unread input: PostgreSQL resets a connection whose huge packet it did not read
        }
        return all.toByteArray();
    }

    /**
     * The answer as a list: a single encryption answer byte, "E S V C M" for a v3 ErrorResponse (PostgreSQL's F, L
     * and R fields left out), "old: text" for a pre-3.0 error, other messages by type byte.
     */
    private static List<String> parse(byte[] b, boolean answersEncryptionRequest) {
        List<String> out = new ArrayList<>();
        int i = 0;
        if (answersEncryptionRequest && b.length > 0) {
            out.add(String.valueOf((char) b[0]));
            i = 1;
        }
        while (i < b.length) {
            char type = (char) b[i];
            if (b.length - i < 5) {
                out.add("short: " + hex(Arrays.copyOfRange(b, i, b.length)));
                break;
            }
            int len = ByteBuffer.wrap(b, i + 1, 4).getInt();
            if (type == 'E' && (len < 4 || len > b.length - i - 1)) {
                // Pre-3.0 error: 'E', then a zero-terminated text.
                out.add("old: " + new String(b, i + 1, b.length - i - 2, StandardCharsets.UTF_8));
                break;
            }
            byte[] body = Arrays.copyOfRange(b, i + 5, i + 1 + len);
            if (type == 'E') {
                var f = new RawClient.Message('E', body).errorFields();
                // The message up to a parenthesis: the proxy may say more than PostgreSQL, never something else.
                out.add("E " + f.get('S') + " " + f.get('V') + " " + f.get('C') + " M" + f.get('M').replaceAll(" \\(.*", ""));
            } else {
                out.add(String.valueOf(type));
            }
            i += 1 + len;
        }
        return out;
    }

    private static String hex(byte[] b) {
        StringBuilder s = new StringBuilder();
        for (byte x : b) {
            s.append(String.format("%02x", x));
        }
        return s.toString();
    }
}
