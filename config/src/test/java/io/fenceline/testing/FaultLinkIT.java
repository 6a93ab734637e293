package io.fenceline.testing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The fault link between a client and a small echo server, and between pgJDBC and a real PostgreSQL. */
class FaultLinkIT {

    /** How long "nothing arrives" is observed before concluding the link holds the bytes. */
    private static final int QUIET_MILLIS = 400;

    private static ServerSocket echoServer;
    private static ExecutorService echoThreads;
    private static PostgresServer postgres;
    private FaultLink link;

    @BeforeAll
    static void startTargets() throws IOException {
        echoServer = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        echoThreads = Executors.newCachedThreadPool();
        echoThreads.submit(() -> {
            while (!echoServer.isClosed()) {
                Socket socket;
                try {
                    socket = echoServer.accept();
                } catch (IOException closed) {
                    return null;
                }
                echoThreads.submit(() -> echo(socket));
            }
            return null;
        });
        postgres = PostgresServer.builder().start();
    }

    private static Void echo(Socket socket) throws IOException {
        try (socket; InputStream in = socket.getInputStream(); OutputStream out = socket.getOutputStream()) {
            byte[] buffer = new byte[8192];
            int n;
            while ((n = in.read(buffer)) >= 0) {
                out.write(buffer, 0, n);
                out.flush();
            }
        } catch (SocketException reset) {
            // the link reset this connection on purpose
        }
        return null;
    }

    @AfterAll
    static void stopTargets() throws IOException {
        try {
            echoServer.close();
            echoThreads.shutdownNow();
        } finally {
            postgres.close();
        }
    }

    @BeforeEach
    void startLink() {
        link = FaultLink.start("127.0.0.1", echoServer.getLocalPort());
    }

    @AfterEach
    void closeLink() {
        link.close();
    }

    @Test
    void passForwardsBothWays() throws IOException {
        try (Socket client = connect(link)) {
            assertArrayEquals(bytes("hello"), roundTrip(client, "hello"));
            assertEquals(1, link.openConnections());
        }
    }

    @Test
    void blackholeHoldsBytesAndPassResumesTheSameConnection() throws IOException {
        try (Socket client = connect(link)) {
            assertArrayEquals(bytes("before"), roundTrip(client, "before"));
            link.blackhole();
            client.getOutputStream().write(bytes("during"));
            client.getOutputStream().flush();
            client.setSoTimeout(QUIET_MILLIS);
            assertThrows(SocketTimeoutException.class, () -> client.getInputStream().read(),
                    "nothing may come back through a blackholed link");

            link.pass();
            client.setSoTimeout(5_000);
            assertArrayEquals(bytes("during"), client.getInputStream().readNBytes(6), "held bytes delivered after pass");
            assertArrayEquals(bytes("after"), roundTrip(client, "after"));
        }
    }

    @Test
    void blackholeAcceptsNewConnectionsAndConnectsThemOnPass() throws IOException {
        link.blackhole();
        try (Socket client = connect(link)) {
            client.getOutputStream().write(bytes("waiting"));
            client.setSoTimeout(QUIET_MILLIS);
            assertThrows(SocketTimeoutException.class, () -> client.getInputStream().read());
            link.pass();
            client.setSoTimeout(5_000);
            assertArrayEquals(bytes("waiting"), client.getInputStream().readNBytes(7));
        }
    }

    @Test
    void delayAddsLatencyAndKeepsOrder() throws IOException {
        try (Socket client = connect(link)) {
            link.delay(Duration.ofMillis(200));
            long start = System.nanoTime();
            OutputStream out = client.getOutputStream();
            for (int i = 0; i < 5; i++) {
                out.write(bytes("chunk" + i + ";"));
                out.flush();
            }
            byte[] back = client.getInputStream().readNBytes(35);
            long elapsedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertEquals("chunk0;chunk1;chunk2;chunk3;chunk4;", new String(back, StandardCharsets.US_ASCII));
            assertTrue(elapsedMillis >= 400, "two delayed hops take at least 400 ms, took " + elapsedMillis);
            link.pass();
            assertArrayEquals(bytes("quick"), roundTrip(client, "quick"));
        }
    }

    @Test
    void resetClosesOpenAndNewConnectionsWithRst() throws IOException {
        try (Socket open = connect(link)) {
            assertArrayEquals(bytes("x"), roundTrip(open, "x"));
            link.reset();
            SocketException failure = assertThrows(SocketException.class, () -> {
                open.getOutputStream().write(bytes("y"));
                open.getInputStream().read();
            });
            assertTrue(failure.getMessage().toLowerCase().contains("reset"), failure.getMessage());
        }
        try (Socket fresh = connect(link)) {
            SocketException failure = assertThrows(SocketException.class, () -> fresh.getInputStream().read());
            assertTrue(failure.getMessage().toLowerCase().contains("reset"), failure.getMessage());
        }
        link.pass();
        try (Socket again = connect(link)) {
            assertArrayEquals(bytes("z"), roundTrip(again, "z"));
        }
    }

    @Test
    void bytesSentBeforeACloseAreDeliveredLateThenTheCloseFollows() throws IOException {
        try (ServerSocket farewell = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
             FaultLink toFarewell = FaultLink.start("127.0.0.1", farewell.getLocalPort())) {
            toFarewell.blackhole();
            try (Socket client = connect(toFarewell)) {
                client.setSoTimeout(QUIET_MILLIS);
                assertThrows(SocketTimeoutException.class, () -> client.getInputStream().read(),
                        "not even connected onwards while blackholed");
                toFarewell.delay(Duration.ofMillis(100));
                try (Socket server = farewell.accept()) {
                    server.getOutputStream().write(bytes("bye"));
                }
                client.setSoTimeout(5_000);
                assertArrayEquals(bytes("bye"), client.getInputStream().readNBytes(3));
                assertEquals(-1, client.getInputStream().read(), "the server's close follows its last bytes");
            }
        }
    }

    @Test
    void postgresQueryWaitsWhileBlackholedAndCompletesAfterPass() throws Exception {
        try (FaultLink pgLink = FaultLink.start(postgres.host(), postgres.port())) {
            Properties props = new Properties();
            props.setProperty("user", postgres.superuser());
            String url = "jdbc:postgresql://127.0.0.1:" + pgLink.port() + "/postgres";
            ExecutorService worker = Executors.newSingleThreadExecutor();
            try (Connection connection = DriverManager.getConnection(url, props)) {
                assertEquals(1, queryInt(connection, "select 1"));
                pgLink.blackhole();
                CompletableFuture<Integer> pending = CompletableFuture.supplyAsync(() -> queryInt(connection, "select 2"), worker);
                assertThrows(TimeoutException.class, () -> pending.get(QUIET_MILLIS, TimeUnit.MILLISECONDS));
                assertFalse(pending.isDone());
                pgLink.pass();
                assertEquals(2, pending.get(10, TimeUnit.SECONDS));
                assertEquals(3, queryInt(connection, "select 3"));
            } finally {
                worker.shutdownNow();
            }
        }
    }

    private static int queryInt(Connection connection, String sql) {
        try (Statement statement = connection.createStatement(); ResultSet rows = statement.executeQuery(sql)) {
            rows.next();
            return rows.getInt(1);
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(sql + " failed: " + e.getMessage(), e);
        }
    }

    private static Socket connect(FaultLink link) throws IOException {
        Socket socket = new Socket(InetAddress.getLoopbackAddress(), link.port());
        socket.setSoTimeout(5_000);
        return socket;
    }

    private static byte[] roundTrip(Socket socket, String text) throws IOException {
        byte[] sent = bytes(text);
        socket.getOutputStream().write(sent);
        socket.getOutputStream().flush();
        return socket.getInputStream().readNBytes(sent.length);
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.US_ASCII);
    }
}
