package io.fenceline.proxy;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.fenceline.config.file.ProxySettings;
import io.fenceline.testing.PostgresServer;
import io.netty.buffer.PooledByteBufAllocator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.postgresql.copy.CopyManager;
import org.postgresql.largeobject.LargeObject;
import org.postgresql.largeobject.LargeObjectManager;

import java.io.StringReader;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Real clients (pgJDBC with HikariCP, psql, pgbench) through the proxy to a real PostgreSQL: one server
 * and one TLS-capable proxy for the class.
 */
class ClientsThroughProxyIT {

    @TempDir
    static Path dir;
    static PostgresServer pg;
    static ProxyProcess proxy;

    @BeforeAll
    static void start() throws Exception {
        pg = PostgresServer.builder().setting("max_connections", "120")
                .hba("host all scram_user 127.0.0.1/32 scram-sha-256")
                .hba("host all md5_user 127.0.0.1/32 md5")
                .start();
        pg.execute("SET password_encryption = 'scram-sha-256'; CREATE ROLE scram_user LOGIN PASSWORD 'scram-secret'");
        pg.execute("SET password_encryption = 'md5'; CREATE ROLE md5_user LOGIN PASSWORD 'md5-secret'");
        pg.execute("CREATE DATABASE bench");
        ProxySettings.Tls tls = TestProxies.selfSignedCertificate(dir);
        proxy = ProxyProcess.start(TestProxies.settings(pg, Optional.of(tls), 64 << 20, Duration.ofSeconds(10), 200, Duration.ofSeconds(5)));
    }

    @AfterAll
    static void stop() {
        if (proxy != null) {
            proxy.close();
        }
        if (pg != null) {
            pg.close();
        }
    }

    static String url(String database, String extra) {
        return "jdbc:postgresql://127.0.0.1:" + proxy.server().address().getPort() + "/" + database + "?" + extra;
    }

    static Connection connect(String extra) throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", "postgres");
        return DriverManager.getConnection(url("postgres", "sslmode=disable&" + extra), p);
    }

    @Test
    void hikariPoolRunsSimplePreparedAndBatchedStatements() throws Exception {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(url("postgres", "sslmode=disable&prepareThreshold=1"));
        config.setUsername("postgres");
        config.setMaximumPoolSize(4);
        try (HikariDataSource pool = new HikariDataSource(config)) {
            try (Connection c = pool.getConnection(); Statement s = c.createStatement()) {
                s.execute("CREATE TABLE pool_items (id int PRIMARY KEY, name text NOT NULL)");
            }
            try (Connection c = pool.getConnection();
                 PreparedStatement ps = c.prepareStatement("INSERT INTO pool_items VALUES (?, ?)")) {
                for (int i = 0; i < 1000; i++) {
                    ps.setInt(1, i);
                    ps.setString(2, "item-" + i);
                    ps.addBatch();
                }
                assertEquals(1000, ps.executeBatch().length);
            }
            ExecutorService workers = Executors.newFixedThreadPool(4);
            List<Future<Integer>> results = new ArrayList<>();
            for (int w = 0; w < 4; w++) {
                results.add(workers.submit(() -> {
                    int found = 0;
                    for (int i = 0; i < 250; i++) {
                        try (Connection c = pool.getConnection();
                             PreparedStatement ps = c.prepareStatement("SELECT name FROM pool_items WHERE id = ?")) {
                            ps.setInt(1, i);
                            try (ResultSet rs = ps.executeQuery()) {
                                if (rs.next() && rs.getString(1).equals("item-" + i)) {
                                    found++;
                                }
                            }
                        }
                    }
                    return found;
                }));
            }
            for (Future<Integer> f : results) {
                assertEquals(250, f.get(60, TimeUnit.SECONDS));
            }
            workers.shutdown();
            try (Connection c = pool.getConnection(); Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT count(*), sum(id) FROM pool_items")) {
                rs.next();
                assertEquals(1000, rs.getInt(1));
                assertEquals(499500, rs.getLong(2));
            }
        }
    }

    @Test
    void copyInAndOut() throws Exception {
        try (Connection c = connect("")) {
            c.createStatement().execute("CREATE TABLE copy_rows (id int, payload text)");
            StringBuilder in = new StringBuilder();
            for (int i = 0; i < 20_000; i++) {
                in.append(i).append('\t').append("row ").append(i).append('\n');
            }
            CopyManager copy = c.unwrap(PGConnection.class).getCopyAPI();
            assertEquals(20_000, copy.copyIn("COPY copy_rows FROM STDIN", new StringReader(in.toString())));
            StringWriter out = new StringWriter();
            assertEquals(20_000, copy.copyOut("COPY (SELECT * FROM copy_rows ORDER BY id) TO STDOUT", out));
            assertEquals(in.toString(), out.toString());
        }
    }

    @Test
    void statementCancelStopsPgSleep() throws Exception {
        try (Connection c = connect(""); Statement s = c.createStatement()) {
            ExecutorService runner = Executors.newSingleThreadExecutor();
            long start = System.nanoTime();
            Future<SQLException> outcome = runner.submit(() -> {
                try {
                    s.execute("SELECT pg_sleep(60)");
                    return null;
                } catch (SQLException e) {
                    return e;
                }
            });
            // Wait until the sleep is running on the server, then cancel through the proxy.
            waitFor(() -> "1".equals(pg.queryValue("postgres",
                    "SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND query = 'SELECT pg_sleep(60)'")));
            s.cancel();
            SQLException e = outcome.get(20, TimeUnit.SECONDS);
            runner.shutdown();
            assertEquals("57014", e == null ? null : e.getSQLState(), "the statement was cancelled");
            assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(20));
            try (ResultSet rs = s.executeQuery("SELECT 1")) {
                assertTrue(rs.next(), "the session stays usable after the cancel");
            }
        }
    }

    @Test
    void millionRowsStreamWithAFetchSizeWithoutBufferingInTheProxy() throws Exception {
        long directBefore = PooledByteBufAllocator.DEFAULT.metric().usedDirectMemory();
        long maxPending = 0;
        long maxDirect = 0;
        try (Connection c = connect("")) {
            c.setAutoCommit(false);
            try (Statement s = c.createStatement()) {
                s.setFetchSize(1000);
                long rows = 0;
                long sum = 0;
                try (ResultSet rs = s.executeQuery("SELECT i, repeat('x', 100) FROM generate_series(1, 1000000) i")) {
                    while (rs.next()) {
                        rows++;
                        sum += rs.getInt(1);
                        if (rows % 20_000 == 0) {
                            maxPending = Math.max(maxPending, proxy.server().pendingClientBytes());
                            maxDirect = Math.max(maxDirect, PooledByteBufAllocator.DEFAULT.metric().usedDirectMemory());
                        }
                    }
                }
                assertEquals(1_000_000, rows);
                assertEquals(500_000_500_000L, sum);
            }
            c.commit();
        }
        // About 110 MB went through; the proxy held at most its water mark plus a read at any time.
        assertTrue(maxPending < 1 << 20, "pending bytes to the client peaked at " + maxPending);
        assertTrue(maxDirect - directBefore < 32 << 20, "direct memory grew by " + (maxDirect - directBefore));
    }

    @Test
    void slowReaderIsBackpressuredNotBuffered() throws Exception {
        long maxPending = 0;
        try (RawClient client = new RawClient(proxy.server().address())) {
            client.startTrusted("postgres", "postgres");
            client.socket().setReceiveBufferSize(64 * 1024);
            client.send(RawClient.query("SELECT i, repeat('x', 100) FROM generate_series(1, 1000000) i"));
            byte[] chunk = new byte[16 * 1024];
            long read = 0;
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
            while (System.nanoTime() < until) {
                int n = client.input().read(chunk);
                assertTrue(n > 0);
                read += n;
                maxPending = Math.max(maxPending, proxy.server().pendingClientBytes());
                Thread.sleep(2);
            }
            assertTrue(read > 0 && read < 100 << 20, "the client read " + read + " bytes");
        }
        assertTrue(maxPending <= (256 + 128) * 1024, "pending bytes to the slow client peaked at " + maxPending);
        try (Connection c = connect(""); ResultSet rs = c.createStatement().executeQuery("SELECT 42")) {
            assertTrue(rs.next());
            assertEquals(42, rs.getInt(1));
        }
    }

    @Test
    void tlsWithSslmodeRequire() throws Exception {
        Properties p = new Properties();
        p.setProperty("user", "postgres");
        try (Connection c = DriverManager.getConnection(url("postgres", "sslmode=require"), p);
             ResultSet rs = c.createStatement().executeQuery("SELECT 'over tls'")) {
            assertTrue(rs.next());
            assertEquals("over tls", rs.getString(1));
        }
        // The same client against a proxy without TLS is refused by the driver: TLS was really required.
        try (ProxyProcess plain = ProxyProcess.start(TestProxies.settings(pg))) {
            String plainUrl = "jdbc:postgresql://127.0.0.1:" + plain.server().address().getPort() + "/postgres?sslmode=require";
            SQLException e = assertThrows(SQLException.class, () -> DriverManager.getConnection(plainUrl, p).close());
            assertTrue(e.getMessage().contains("SSL"), e.getMessage());
        }
    }

    @Test
    void scramAndMd5UsersAuthenticateThrough() throws Exception {
        for (String[] user : new String[][]{{"scram_user", "scram-secret"}, {"md5_user", "md5-secret"}}) {
            Properties p = new Properties();
            p.setProperty("user", user[0]);
            p.setProperty("password", user[1]);
            try (Connection c = DriverManager.getConnection(url("postgres", "sslmode=disable"), p);
                 ResultSet rs = c.createStatement().executeQuery("SELECT current_user")) {
                assertTrue(rs.next());
                assertEquals(user[0], rs.getString(1));
            }
            p.setProperty("password", "wrong");
            SQLException e = assertThrows(SQLException.class,
                    () -> DriverManager.getConnection(url("postgres", "sslmode=disable"), p).close());
            assertEquals("28P01", e.getSQLState(), e.getMessage());
        }
    }

    @Test
    void psqlRunsAScript() throws Exception {
        Path script = dir.resolve("script.sql");
        Files.writeString(script, """
                \\set ON_ERROR_STOP on
                CREATE TABLE psql_t (id int, v text);
                INSERT INTO psql_t SELECT g, 'v' || g FROM generate_series(1, 100) g;
                \\copy psql_t TO STDOUT
                BEGIN;
                UPDATE psql_t SET v = 'changed' WHERE id <= 10;
                COMMIT;
                SELECT 'changed=' || count(*) FROM psql_t WHERE v = 'changed';
                """);
        String out = run(List.of("psql", "-X", "-h", "127.0.0.1", "-p", String.valueOf(proxy.server().address().getPort()),
                "-U", "postgres", "-d", "postgres", "-f", script.toString()));
        assertTrue(out.contains("100\tv100"), out);
        assertTrue(out.contains("changed=10"), out);
    }

    @Test
    void pgbenchInitialisesAndRuns() throws Exception {
        String port = String.valueOf(proxy.server().address().getPort());
        run(List.of("pgbench", "-i", "-s", "1", "-q", "-h", "127.0.0.1", "-p", port, "-U", "postgres", "bench"));
        for (String mode : List.of("prepared", "simple", "extended")) {
            String out = run(List.of("pgbench", "-c", "4", "-j", "2", "-T", "2", "-M", mode,
                    "-h", "127.0.0.1", "-p", port, "-U", "postgres", "bench"));
            assertTrue(out.contains("number of failed transactions: 0"), out);
            assertTrue(out.contains("tps = "), out);
        }
    }

    @Test
    void listenNotify() throws Exception {
        try (Connection listener = connect(""); Connection notifier = connect("")) {
            listener.createStatement().execute("LISTEN fence_events");
            notifier.createStatement().execute("NOTIFY fence_events, 'hello through the proxy'");
            PGNotification[] got = listener.unwrap(PGConnection.class).getNotifications(10_000);
            assertEquals(1, got.length);
            assertEquals("fence_events", got[0].getName());
            assertEquals("hello through the proxy", got[0].getParameter());
        }
    }

    @Test
    void largeObjects() throws Exception {
        byte[] data = new byte[3 << 20];
        new Random(7).nextBytes(data);
        try (Connection c = connect("")) {
            c.setAutoCommit(false);
            LargeObjectManager lom = c.unwrap(PGConnection.class).getLargeObjectAPI();
            long oid = lom.createLO();
            try (LargeObject lo = lom.open(oid, LargeObjectManager.WRITE)) {
                lo.write(data);
            }
            c.commit();
            try (LargeObject lo = lom.open(oid, LargeObjectManager.READ)) {
                assertArrayEquals(data, lo.read(data.length));
            }
            lom.delete(oid);
            c.commit();
        }
    }

    @Test
    void pipelinedMessagesAreAnsweredInOrder() throws Exception {
        try (RawClient client = new RawClient(proxy.server().address())) {
            client.startTrusted("postgres", "postgres");
            byte[] parse = RawClient.message('P', "\0SELECT $1::int * 2\0\0\0".getBytes(StandardCharsets.UTF_8));
            byte[] bind = RawClient.message('B', new byte[]{0, 0, 0, 0, 0, 1, 0, 0, 0, 2, '2', '1', 0, 0});
            byte[] execute = RawClient.message('E', new byte[]{0, 0, 0, 0, 0});
            byte[] sync = RawClient.message('S', new byte[0]);
            client.send(RawClient.concat(RawClient.query("SELECT 1"), RawClient.query("SELECT 2; SELECT 3"),
                    parse, bind, execute, sync, RawClient.query("SELECT 4")));
            List<String> values = new ArrayList<>();
            int ready = 0;
            while (ready < 4) {
                RawClient.Message m = client.read();
                if (m.type() == 'D') {
                    int len = ((m.body()[2] & 0xFF) << 24) | ((m.body()[3] & 0xFF) << 16) | ((m.body()[4] & 0xFF) << 8) | (m.body()[5] & 0xFF);
                    values.add(new String(m.body(), 6, len, StandardCharsets.UTF_8));
                } else if (m.type() == 'Z') {
                    ready++;
                } else {
                    assertTrue(m.type() != 'E', () -> "unexpected error: " + m.errorFields());
                }
            }
            assertEquals(List.of("1", "2", "3", "42", "4"), values);
        }
    }

    @Test
    void unixSocketUpstream() throws Exception {
        ProxySettings tcp = TestProxies.settings(pg);
        ProxySettings unix = new ProxySettings(tcp.listen(),
                new ProxySettings.Upstream.UnixSocket(pg.socketDir().resolve(".s.PGSQL." + pg.port())),
                Optional.empty(), tcp.limits(), Optional.empty(), Duration.ofSeconds(1));
        try (ProxyProcess viaSocket = ProxyProcess.start(unix)) {
            Properties p = new Properties();
            p.setProperty("user", "postgres");
            String u = "jdbc:postgresql://127.0.0.1:" + viaSocket.server().address().getPort() + "/postgres?sslmode=disable";
            try (Connection c = DriverManager.getConnection(u, p);
                 ResultSet rs = c.createStatement().executeQuery("SELECT coalesce(inet_client_addr()::text, 'unix socket')")) {
                assertTrue(rs.next());
                assertEquals("unix socket", rs.getString(1));
            }
        }
    }

    static String run(List<String> command) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().put("PGSSLMODE", "disable");
        pb.environment().put("PGCONNECT_TIMEOUT", "10");
        Process p = pb.start();
        byte[] out = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "timed out: " + command);
        String text = new String(out, StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), command + " failed:\n" + text);
        return text;
    }

    static void waitFor(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not met within 20 s");
            }
            Thread.sleep(20);
        }
    }
}
