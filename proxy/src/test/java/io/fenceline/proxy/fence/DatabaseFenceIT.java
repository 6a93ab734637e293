package io.fenceline.proxy.fence;

import io.fenceline.config.group.ControlDatabase;
import io.fenceline.testing.PostgresServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The database-side fence against a real PostgreSQL 15, checked through direct connections that bypass any
 * proxy. Also records what PostgreSQL itself does: nextval() is refused in a read-only transaction (25006);
 * an INSERT inside a plpgsql function called by SELECT is refused; a transaction opened before the fence
 * commits its writes unless the fence deals with it.
 */
class DatabaseFenceIT {

    private static PostgresServer pg;
    private DatabaseFence fence;

    @BeforeAll
    static void startPostgres() {
        pg = PostgresServer.builder().start();
        pg.execute("CREATE TABLE t (id bigint PRIMARY KEY, note text)");
        pg.execute("CREATE SEQUENCE s");
        pg.execute("CREATE FUNCTION write_behind_select(n bigint) RETURNS bigint LANGUAGE plpgsql AS "
                + "$$ BEGIN INSERT INTO t VALUES (n, 'function'); RETURN n; END $$");
    }

    @AfterAll
    static void stopPostgres() {
        if (pg != null) {
            pg.close();
        }
    }

    @AfterEach
    void unfence() throws Exception {
        if (fence != null) {
            fence.writable("test cleanup").get(10, TimeUnit.SECONDS);
            fence.close();
        }
    }

    private DatabaseFence fence(DatabaseFence.OpenWriters openWriters) {
        fence = new DatabaseFence(new ControlDatabase(pg.jdbcUrl("postgres"), pg.superuser(), null, null,
                Duration.ofSeconds(2)), Set::of, openWriters);
        return fence;
    }

    private static String sqlState(Connection c, String sql) {
        SQLException e = assertThrows(SQLException.class, () -> {
            try (Statement s = c.createStatement()) {
                s.execute(sql);
            }
        }, sql + " should have been refused");
        return e.getSQLState();
    }

    private static long id() {
        return System.nanoTime();
    }

    @Test
    void fencedDatabaseRefusesDirectWritesAndWritesBehindSelectAndUnfenceRestoresThem() throws Exception {
        DatabaseFence f = fence(DatabaseFence.OpenWriters.CANCEL_AND_TERMINATE);
        f.readOnly("test").get(10, TimeUnit.SECONDS);
        assertEquals(Boolean.TRUE, f.verifiedReadOnly());
        try (Connection direct = pg.connect(); Statement s = direct.createStatement()) {
            assertEquals("25006", sqlState(direct, "INSERT INTO t VALUES (" + id() + ", 'direct')"));
            assertEquals("25006", sqlState(direct, "SELECT nextval('s')"), "PostgreSQL refuses nextval() too");
            assertEquals("25006", sqlState(direct, "SELECT write_behind_select(" + id() + ")"));
            assertTrue(s.executeQuery("SELECT count(*) FROM t").next(), "reads carry on");
        }
        f.writable("test").get(10, TimeUnit.SECONDS);
        assertEquals(Boolean.FALSE, f.verifiedReadOnly());
        try (Connection direct = pg.connect(); Statement s = direct.createStatement()) {
            assertEquals(1, s.executeUpdate("INSERT INTO t VALUES (" + id() + ", 'after unfence')"));
            s.execute("SELECT nextval('s'), write_behind_select(" + id() + ")");
        }
    }

    @Test
    void fencingTwiceChangesTheDatabaseOnce() throws Exception {
        DatabaseFence f = fence(DatabaseFence.OpenWriters.CANCEL_AND_TERMINATE);
        f.readOnly("first").get(10, TimeUnit.SECONDS);
        f.readOnly("second").get(10, TimeUnit.SECONDS);
        assertEquals(1, f.appliedChanges());
        f.writable("first").get(10, TimeUnit.SECONDS);
        f.writable("second").get(10, TimeUnit.SECONDS);
        assertEquals(2, f.appliedChanges());
    }

    @Test
    void aTransactionOpenedBeforeTheFenceCommitsIfLeftAlone() throws Exception {
        long row = id();
        try (Connection before = pg.connect()) {
            before.setAutoCommit(false);
            try (Statement s = before.createStatement()) {
                s.executeUpdate("INSERT INTO t VALUES (" + row + ", 'before the fence')");
            }
            fence(DatabaseFence.OpenWriters.LEAVE).readOnly("test").get(10, TimeUnit.SECONDS);
            before.commit();
        }
        assertEquals("1", pg.queryValue("postgres", "SELECT count(*) FROM t WHERE id = " + row),
                "default_transaction_read_only applies only to new transactions");
    }

    @Test
    void theFenceTerminatesIdleWritingTransactionsAndCancelsRunningWrites() throws Exception {
        long idleRow = id();
        long runningRow = idleRow + 1;
        try (Connection idle = pg.connect(); Connection running = pg.connect()) {
            idle.setAutoCommit(false);
            try (Statement s = idle.createStatement()) {
                s.executeUpdate("INSERT INTO t VALUES (" + idleRow + ", 'idle in transaction')");
            }
            running.setAutoCommit(false);
            try (Statement s = running.createStatement()) {
                s.executeUpdate("INSERT INTO t VALUES (" + runningRow + ", 'running')");
            }
            CompletableFuture<String> runningOutcome = CompletableFuture.supplyAsync(() -> {
                try (Statement s = running.createStatement()) {
                    s.execute("SELECT pg_sleep(30)");
                    return "finished";
                } catch (SQLException e) {
                    return e.getSQLState();
                }
            });
            awaitActive();
            fence(DatabaseFence.OpenWriters.CANCEL_AND_TERMINATE).readOnly("test").get(10, TimeUnit.SECONDS);
            assertEquals("57014", runningOutcome.get(10, TimeUnit.SECONDS), "running write cancelled");
            running.commit(); // PostgreSQL answers ROLLBACK: the cancelled statement aborted the transaction
            SQLException e = assertThrows(SQLException.class, idle::commit);
            assertTrue(e.getSQLState().startsWith("08") || e.getSQLState().equals("57P01"), e.getSQLState());
        }
        assertEquals("0", pg.queryValue("postgres", "SELECT count(*) FROM t WHERE id IN (" + idleRow + ", "
                + runningRow + ")"));
    }

    /**
     * The proxy's own backends are left up, and reported: one idle in a transaction that wrote only through a
     * function (invisible to the proxy's inspector), and one running the proxy's own denial, which is not
     * cancelled (its client gets the denial's 25006, not 57014).
     */
    @Test
    void theProxysBackendsHoldingATransactionIdAreReportedAndItsDenialIsNotCancelled() throws Exception {
        long functionRow = id();
        long deniedRow = functionRow + 1;
        try (Connection viaFunction = pg.connect(); Connection denied = pg.connect()) {
            viaFunction.setAutoCommit(false);
            try (Statement s = viaFunction.createStatement()) {
                s.execute("SELECT write_behind_select(" + functionRow + ")");
            }
            denied.setAutoCommit(false);
            try (Statement s = denied.createStatement()) {
                s.executeUpdate("INSERT INTO t VALUES (" + deniedRow + ", 'then denied')");
            }
            int functionPid = pid(viaFunction);
            int deniedPid = pid(denied);
            CompletableFuture<String> denial = CompletableFuture.supplyAsync(() -> {
                try (Statement s = denied.createStatement()) {
                    // StatementPath.raiseBlock's shape, made slow so that the sweep finds it running.
                    s.execute("DO $fl$BEGIN RAISE EXCEPTION USING ERRCODE = '25006', "
                            + "MESSAGE = (SELECT 'denied by the proxy' FROM pg_sleep(2)); END $fl$");
                    return "finished";
                } catch (SQLException e) {
                    return e.getSQLState();
                }
            });
            awaitActive("DO $fl$%");
            Set<Integer> proxied = Set.of(functionPid, deniedPid);
            List<Set<Integer>> reported = new java.util.concurrent.CopyOnWriteArrayList<>();
            fence = new DatabaseFence(new ControlDatabase(pg.jdbcUrl("postgres"), pg.superuser(), null, null,
                    Duration.ofSeconds(2)), () -> proxied, Set::of, reported::add,
                    DatabaseFence.OpenWriters.CANCEL_AND_TERMINATE, 3);
            fence.readOnly("test").get(10, TimeUnit.SECONDS);
            assertEquals(List.of(proxied), reported, "both transactions hold a transaction id");
            assertEquals("25006", denial.get(10, TimeUnit.SECONDS), "the proxy's denial ran to its end");
            assertEquals("idle in transaction", pg.queryValue("postgres",
                    "SELECT state FROM pg_stat_activity WHERE pid = " + functionPid), "left to the proxy");
            viaFunction.rollback();
            denied.rollback();
        }
    }

    private static int pid(Connection c) throws SQLException {
        try (Statement s = c.createStatement(); java.sql.ResultSet rs = s.executeQuery("SELECT pg_backend_pid()")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    @Test
    void drainLetsARunningWriteCommitThenFences() throws Exception {
        long row = id();
        CompletableFuture<String> running = CompletableFuture.supplyAsync(() -> {
            try (Connection c = pg.connect(); Statement s = c.createStatement()) {
                s.executeUpdate("INSERT INTO t SELECT " + row + ", 'slow' FROM pg_sleep(0.7)");
                return "committed";
            } catch (SQLException e) {
                return e.getSQLState();
            }
        });
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!"1".equals(pg.queryValue("postgres", "SELECT count(*) FROM pg_stat_activity WHERE state = 'active'"
                + " AND query LIKE 'INSERT INTO t SELECT " + row + "%'"))) {
            assertTrue(System.nanoTime() < end, "the slow insert never started");
            Thread.sleep(5);
        }
        DatabaseFence f = fence(DatabaseFence.OpenWriters.CANCEL_AND_TERMINATE);
        f.drain("test", Duration.ofSeconds(5)).get(10, TimeUnit.SECONDS);
        assertEquals("1", pg.queryValue("postgres", "SELECT count(*) FROM t WHERE id = " + row),
                "drain returned only after the running write committed");
        assertEquals("committed", running.get(10, TimeUnit.SECONDS));
        try (Connection direct = pg.connect()) {
            assertEquals("25006", sqlState(direct, "INSERT INTO t VALUES (" + id() + ", 'after drain')"));
        }
    }

    @Test
    void aDrainDoesNotWaitForABackendWhoseSessionTheProxyHolds() throws Exception {
        try (io.fenceline.proxy.RawClient raw = new io.fenceline.proxy.RawClient(
                new java.net.InetSocketAddress(pg.host(), pg.port()))) {
            raw.startTrusted(pg.superuser(), "postgres");
            raw.send(io.fenceline.proxy.RawClient.query("SELECT pg_backend_pid()"));
            int pid = -1;
            for (io.fenceline.proxy.RawClient.Message m : raw.readUntilReady()) {
                if (m.type() == 'D') {
                    pid = Integer.parseInt(new String(m.body(), 6, m.body().length - 6, java.nio.charset.StandardCharsets.UTF_8));
                }
            }
            // Parse and Bind of a write forwarded, its Execute held by the proxy: PostgreSQL shows the backend
            // active, in a transaction begun before any fence.
            raw.send(io.fenceline.proxy.RawClient.concat(
                    io.fenceline.proxy.RawClient.message('P', ("\0INSERT INTO t VALUES (" + id() + ", 'held')\0\0\0")
                            .getBytes(java.nio.charset.StandardCharsets.UTF_8)),
                    io.fenceline.proxy.RawClient.message('B', new byte[]{0, 0, 0, 0, 0, 0, 0, 0}),
                    io.fenceline.proxy.RawClient.message('H', new byte[0])));
            assertEquals('1', raw.read().type());
            assertEquals('2', raw.read().type());
            assertEquals("active", pg.queryValue("postgres", "SELECT state FROM pg_stat_activity WHERE pid = " + pid));

            Set<Integer> held = Set.of(pid);
            fence = new DatabaseFence(new ControlDatabase(pg.jdbcUrl("postgres"), pg.superuser(), null, null,
                    Duration.ofSeconds(2)), () -> held, () -> held, pids -> { }, DatabaseFence.OpenWriters.CANCEL_AND_TERMINATE, 3);
            long start = System.nanoTime();
            fence.drain("held", Duration.ofSeconds(3)).get(10, TimeUnit.SECONDS);
            long heldMs = (System.nanoTime() - start) / 1_000_000;
            assertTrue(heldMs < 2_000, "the drain waited " + heldMs + " ms for a held backend");
            fence.writable("again").get(10, TimeUnit.SECONDS);
            fence.close();

            // The same backend, not reported as held, is waited for until the drain's bound.
            fence = new DatabaseFence(new ControlDatabase(pg.jdbcUrl("postgres"), pg.superuser(), null, null,
                    Duration.ofSeconds(2)), () -> held, Set::of, pids -> { }, DatabaseFence.OpenWriters.CANCEL_AND_TERMINATE, 3);
            start = System.nanoTime();
            fence.drain("not held", Duration.ofMillis(1_500)).get(10, TimeUnit.SECONDS);
            long notHeldMs = (System.nanoTime() - start) / 1_000_000;
            assertTrue(notHeldMs >= 1_500, "the drain returned after " + notHeldMs + " ms");

            raw.send(io.fenceline.proxy.RawClient.message('S', new byte[0]));
            // ParameterStatus reports the changed default_transaction_read_only first.
            List<Character> answer = raw.readUntilReady().stream().map(io.fenceline.proxy.RawClient.Message::type)
                    .filter(t -> t != 'S').toList();
            assertEquals(List.of('Z'), answer, "the held session is still there");
        }
    }

    @Test
    void aFenceAskedForWhileTheDatabaseIsDownIsRetriedUntilItHolds() throws Exception {
        DatabaseFence f = fence(DatabaseFence.OpenWriters.CANCEL_AND_TERMINATE);
        pg.stop();
        CompletableFuture<Void> fenced;
        try {
            fenced = f.readOnly("database down");
            Thread.sleep(1500);
            assertFalse(fenced.isDone(), "cannot be fenced while down");
        } finally {
            pg.start();
        }
        fenced.get(15, TimeUnit.SECONDS);
        try (Connection direct = pg.connect()) {
            assertEquals("25006", sqlState(direct, "INSERT INTO t VALUES (" + id() + ", 'after restart')"));
        }
    }

    private static void awaitActive() throws InterruptedException {
        awaitActive("SELECT pg_sleep(30)%");
    }

    private static void awaitActive(String queryLike) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!"1".equals(pg.queryValue("postgres", "SELECT count(*) FROM pg_stat_activity WHERE state = 'active'"
                + " AND query LIKE '" + queryLike + "' AND backend_xid IS NOT NULL"))) {
            if (System.nanoTime() > end) {
                throw new AssertionError("the running write never showed up in pg_stat_activity");
            }
            Thread.sleep(10);
        }
    }
}
