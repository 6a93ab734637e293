package io.fenceline.proxy;

import io.fenceline.config.file.ProxySettings;
import io.fenceline.proxy.net.ProxyServer;
import io.fenceline.testing.PostgresServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The admin endpoint's answers and meters, and graceful shutdown (what SIGTERM runs). */
class AdminAndShutdownIT {

    static PostgresServer pg;
    static final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void start() {
        pg = PostgresServer.builder().setting("client_connection_check_interval", "200ms").start();
        pg.execute("CREATE TABLE ledger (id int)");
    }

    @AfterAll
    static void stop() {
        if (pg != null) {
            pg.close();
        }
    }

    static HttpResponse<String> get(ProxyProcess p, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + p.adminPort().orElseThrow() + path))
                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
    }

    static Connection connect(ProxyProcess p) throws SQLException {
        Properties props = new Properties();
        props.setProperty("user", "postgres");
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + p.server().address().getPort()
                + "/postgres?sslmode=disable", props);
    }

    @Test
    void healthReadyAndMetrics() throws Exception {
        try (ProxyProcess p = ProxyProcess.start(TestProxies.settings(pg))) {
            assertEquals(200, get(p, "/health").statusCode());
            assertEquals("ok\n", get(p, "/health").body());
            assertEquals(200, get(p, "/ready").statusCode());
            assertEquals(404, get(p, "/nothing").statusCode());
            try (Connection c = connect(p); Statement s = c.createStatement()) {
                s.execute("SELECT 1");
                assertThrows(SQLException.class, () -> s.execute("SELECT * FROM missing_table"));
            }
            try (RawClient bad = new RawClient(p.server().address())) {
                // A StartupMessage without its final zero byte: FATAL 08P01, as PostgreSQL answers it (a bad length
                // would be closed on without a word).
                bad.send(RawClient.startup(196608, "user\0postgres".getBytes(java.nio.charset.StandardCharsets.UTF_8)));
                assertEquals('E', bad.read().type());
            }
            HttpResponse<String> metrics = get(p, "/metrics");
            assertEquals(200, metrics.statusCode());
            assertTrue(metrics.headers().firstValue("Content-Type").orElse("").startsWith("text/plain"));
            String body = metrics.body();
            for (String expected : new String[]{
                    "fenceline_proxy_connections_active ",
                    "fenceline_proxy_connections_opened_total 2.0",
                    "fenceline_proxy_messages_total ",
                    "fenceline_proxy_bytes_total{direction=\"frontend\"}",
                    "fenceline_proxy_bytes_total{direction=\"backend\"}",
                    "fenceline_proxy_errors_total{sqlstate=\"42P01\"} 1.0",
                    "fenceline_proxy_errors_total{sqlstate=\"08P01\"} 1.0",
                    "fenceline_proxy_relay_latency_seconds_bucket{le=",
                    "fenceline_proxy_relay_latency_seconds_count "}) {
                assertTrue(body.contains(expected), "missing " + expected + " in:\n" + body);
            }
        }
    }

    @Test
    void unreachableDatabaseIsReportedAs08006AndTheProxyKeepsServing() throws Exception {
        int closedPort;
        try (java.net.ServerSocket probe = new java.net.ServerSocket(0)) {
            closedPort = probe.getLocalPort();
        }
        ProxySettings good = TestProxies.settings(pg);
        ProxySettings nowhere = new ProxySettings(good.listen(), new ProxySettings.Upstream.Tcp("127.0.0.1", closedPort),
                Optional.empty(), good.limits(), good.admin(), Duration.ofSeconds(1));
        try (ProxyProcess p = ProxyProcess.start(nowhere)) {
            for (int i = 0; i < 2; i++) {
                SQLException e = assertThrows(SQLException.class, () -> connect(p).close());
                assertEquals("08006", e.getSQLState(), e.toString());
                assertTrue(e.getMessage().contains("127.0.0.1") && e.getMessage().contains(String.valueOf(closedPort)), e.getMessage());
            }
            ClientsThroughProxyIT.waitFor(() -> p.server().activeConnections() == 0);
            assertEquals(200, get(p, "/health").statusCode());
        }
    }

    @Test
    void connectionsBeyondTheLimitAreRefusedWith53300() throws Exception {
        ProxySettings s = TestProxies.settings(pg, Optional.empty(), 1 << 20, Duration.ofSeconds(10), 2, Duration.ofSeconds(1));
        try (ProxyProcess p = ProxyProcess.start(s); Connection a = connect(p); Connection b = connect(p)) {
            SQLException refused = assertThrows(SQLException.class, () -> connect(p).close());
            assertEquals("53300", refused.getSQLState(), refused.toString());
            a.close();
            ClientsThroughProxyIT.waitFor(() -> p.server().activeConnections() == 1);
            try (Connection c = connect(p)) {
                assertTrue(c.isValid(5), "a slot freed by a closed session is usable again");
            }
            assertTrue(b.isValid(5));
        }
    }

    @Test
    void shutdownLetsTransactionsFinishAndClosesIdleSessions() throws Exception {
        ProxySettings s = TestProxies.settings(pg, Optional.empty(), 1 << 20, Duration.ofSeconds(10), 50, Duration.ofSeconds(10));
        ProxyProcess p = ProxyProcess.start(s);
        Connection idle = connect(p);
        Connection busy = connect(p);
        busy.setAutoCommit(false);
        busy.createStatement().execute("INSERT INTO ledger VALUES (1)");
        ExecutorService exec = Executors.newSingleThreadExecutor();
        Future<ProxyServer.ShutdownReport> report = exec.submit(p::shutdown);
        ClientsThroughProxyIT.waitFor(() -> {
            try {
                return get(p, "/ready").statusCode() == 503;
            } catch (Exception e) {
                return false;
            }
        });
        // New clients are no longer accepted.
        assertThrows(SQLException.class, () -> connect(p).close());
        // The idle session was told why and closed.
        SQLException idleError = assertThrows(SQLException.class, () -> idle.createStatement().execute("SELECT 1"));
        assertTrue(idleError.getSQLState().startsWith("08") || "57P01".equals(idleError.getSQLState()), idleError.toString());
        // The transaction in flight may still finish; then its session is closed too.
        busy.createStatement().execute("INSERT INTO ledger VALUES (2)");
        busy.commit();
        ProxyServer.ShutdownReport r = report.get(15, TimeUnit.SECONDS);
        exec.shutdown();
        assertEquals(0, r.closedByForce(), r.toString());
        assertTrue(r.took().compareTo(Duration.ofSeconds(10)) < 0, r.toString());
        assertEquals("2", pg.queryValue("postgres", "SELECT count(*) FROM ledger"));
        idle.close();
        busy.close();
    }

    @Test
    void shutdownClosesSessionsStillBusyAfterTheGrace() throws Exception {
        ProxySettings s = TestProxies.settings(pg, Optional.empty(), 1 << 20, Duration.ofSeconds(10), 50, Duration.ofMillis(800));
        ProxyProcess p = ProxyProcess.start(s);
        try (Connection busy = connect(p)) {
            CompletableFuture<SQLException> sleeping = CompletableFuture.supplyAsync(() -> {
                try {
                    busy.createStatement().execute("SELECT pg_sleep(30)");
                    return null;
                } catch (SQLException e) {
                    return e;
                }
            });
            ClientsThroughProxyIT.waitFor(() -> "1".equals(pg.queryValue("postgres",
                    "SELECT count(*) FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(30)' AND state = 'active'")));
            ProxyServer.ShutdownReport r = p.shutdown();
            assertEquals(1, r.closedByForce(), r.toString());
            SQLException e = sleeping.get(10, TimeUnit.SECONDS);
            assertTrue(e != null && e.getSQLState().startsWith("08"), String.valueOf(e));
            // The server session ends with it (the backend saw the connection close).
            ClientsThroughProxyIT.waitFor(() -> "0".equals(pg.queryValue("postgres",
                    "SELECT count(*) FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(30)' AND state = 'active'")));
        }
    }
}
