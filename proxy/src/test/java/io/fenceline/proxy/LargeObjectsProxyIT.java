package io.fenceline.proxy;

import io.fenceline.config.coordination.LeaseState;
import io.fenceline.config.coordination.MonotonicClock;
import io.fenceline.proxy.authority.WriteGate;
import io.fenceline.proxy.authority.WritePolicy;
import io.fenceline.proxy.metrics.ProxyMetrics;
import io.fenceline.proxy.net.ProxyServer;
import io.fenceline.testing.PostgresServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postgresql.PGConnection;
import org.postgresql.largeobject.LargeObject;
import org.postgresql.largeobject.LargeObjectManager;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Large objects through real proxies in front of one real PostgreSQL that is <em>not</em> fenced (only the proxy
 * stands): a writer's proxy (its gate open) and a non-writer's (its gate closed), with the clients that use the
 * fast-path FunctionCall protocol — pgJDBC's {@link LargeObjectManager} and psql's {@code \lo_import} /
 * {@code \lo_export} (libpq's {@code lo_import}/{@code lo_export}) — and with SQL. The verdict is PostgreSQL's
 * catalogs, read directly by the superuser: {@code pg_largeobject_metadata} and {@code pg_largeobject} are
 * unchanged by everything sent through the non-writer, and changed by the writer.
 */
class LargeObjectsProxyIT {

    private static final String OBJECTS = "SELECT (SELECT count(*) FROM pg_largeobject_metadata) || ' '"
            + " || (SELECT coalesce(md5(string_agg(loid || ':' || pageno || ':' || encode(data, 'hex'), ','"
            + " ORDER BY loid, pageno)), '-') FROM pg_largeobject)";
    private static final byte[] SEED = "bytes of a large object made directly".getBytes(StandardCharsets.UTF_8);

    private static PostgresServer pg;
    private static ProxyServer writer;
    private static ProxyServer nonWriter;
    private static long seed;

    @BeforeAll
    static void start() throws SQLException {
        pg = PostgresServer.builder().start();
        pg.execute("CREATE ROLE app LOGIN");
        LeaseState lease = new LeaseState.Held(7, System.nanoTime() + 3_600_000_000_000L, 3, System.nanoTime());
        WriteGate open = new WriteGate("g", "a", MonotonicClock.SYSTEM, () -> lease, 2_000_000_000L);
        open.open(1, 7);
        WriteGate closed = new WriteGate("g", "b", MonotonicClock.SYSTEM, () -> lease, 2_000_000_000L);
        writer = ProxyServer.start(TestProxies.settings(pg), ProxyMetrics.NOOP, MonotonicClock.SYSTEM, 1,
                new WritePolicy(open, ProxyMetrics.NOOP));
        nonWriter = ProxyServer.start(TestProxies.settings(pg), ProxyMetrics.NOOP, MonotonicClock.SYSTEM, 1,
                new WritePolicy(closed, ProxyMetrics.NOOP));
        try (Connection c = direct("app")) {
            c.setAutoCommit(false);
            LargeObjectManager lom = c.unwrap(PGConnection.class).getLargeObjectAPI();
            seed = lom.createLO();
            LargeObject lo = lom.open(seed, LargeObjectManager.WRITE);
            lo.write(SEED);
            lo.close();
            c.commit();
        }
    }

    @AfterAll
    static void stop() {
        for (AutoCloseable c : new AutoCloseable[] {writer, nonWriter}) {
            if (c != null) {
                try {
                    c.close();
                } catch (Exception ignored) {
                    // closing
                }
            }
        }
        if (pg != null) {
            pg.close();
        }
    }

    private static Connection direct(String user) throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", user);
        return DriverManager.getConnection(pg.jdbcUrl("postgres"), p);
    }

    private static Connection through(ProxyServer proxy, String mode) throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", "app");
        p.setProperty("preferQueryMode", mode);
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + proxy.address().getPort()
                + "/postgres?sslmode=disable", p);
    }

    private static String objects() {
        return pg.queryValue("postgres", OBJECTS);
    }

    private interface Work {
        void run(LargeObjectManager lom) throws SQLException;
    }

    /** One transaction with pgJDBC's LargeObjectManager through {@code proxy}; the error that ended it, or null. */
    private static SQLException manager(ProxyServer proxy, Work work) throws SQLException {
        try (Connection c = through(proxy, "extended")) {
            c.setAutoCommit(false);
            try {
                work.run(c.unwrap(PGConnection.class).getLargeObjectAPI());
                c.commit();
                return null;
            } catch (SQLException e) {
                c.rollback();
                return e;
            }
        }
    }

    @Test
    void largeObjectManagerReadsOnANonWriterAndItsWritesAreRefusedWith25006() throws SQLException {
        String before = objects();
        byte[][] read = new byte[1][];
        assertEquals(null, manager(nonWriter, lom -> {
            LargeObject lo = lom.open(seed, LargeObjectManager.READ);
            read[0] = lo.read(SEED.length + 10);
            lo.seek(5);
            assertEquals(5, lo.tell());
            lo.close();
        }));
        assertArrayEquals(SEED, read[0], "a non-writer reads a large object through the fast path");

        List<String> outcomes = new ArrayList<>();
        List<Work> writes = List.of(
                lom -> lom.createLO(),
                lom -> lom.createLO(LargeObjectManager.READWRITE),
                lom -> {
                    LargeObject lo = lom.open(seed, LargeObjectManager.READWRITE);
                    lo.write(new byte[] {9, 9, 9});
                },
                lom -> {
                    LargeObject lo = lom.open(seed, LargeObjectManager.WRITE);
                    lo.truncate(1);
                },
                lom -> lom.unlink(seed));
        for (Work w : writes) {
            SQLException e = manager(nonWriter, w);
            outcomes.add(e == null ? "committed" : e.getSQLState());
        }
        assertEquals(List.of("25006", "25006", "25006", "25006", "25006"), outcomes);
        assertEquals(before, objects(), "pg_largeobject changed through a non-writer");

        // The same through the writer's proxy: each lands.
        long[] made = new long[1];
        assertEquals(null, manager(writer, lom -> {
            made[0] = lom.createLO();
            LargeObject lo = lom.open(made[0], LargeObjectManager.WRITE);
            lo.write("written through the writer".getBytes(StandardCharsets.UTF_8));
            lo.close();
        }));
        assertNotEquals(before, objects());
        assertEquals("written through the writer", pg.queryValue("postgres", "SELECT convert_from(lo_get("
                + made[0] + "), 'UTF8')"));
        assertEquals(null, manager(writer, lom -> lom.unlink(made[0])));
        assertEquals(before, objects());
    }

    @Test
    void sqlLargeObjectWritersAreRefusedOnANonWriterInBothProtocols() throws SQLException {
        String before = objects();
        for (String mode : List.of("simple", "extended")) {
            for (String sql : List.of("SELECT lo_create(0)", "SELECT lo_creat(-1)", "SELECT lo_from_bytea(0, 'x')",
                    "SELECT lo_put(" + seed + ", 0, 'x')", "SELECT lowrite(lo_open(" + seed + ", 131072), 'x')",
                    "SELECT lo_unlink(" + seed + ")", "SELECT lo_truncate(lo_open(" + seed + ", 393216), 0)")) {
                try (Connection c = through(nonWriter, mode); Statement s = c.createStatement()) {
                    SQLException e = assertThrows(SQLException.class, () -> s.execute(sql), sql);
                    assertEquals("25006", e.getSQLState(), mode + " " + sql + ": " + e.getMessage());
                }
            }
            try (Connection c = through(nonWriter, mode); Statement s = c.createStatement();
                 var rs = s.executeQuery("SELECT lo_get(" + seed + "), loread(lo_open(" + seed + ", 262144), 5)")) {
                rs.next();
                assertArrayEquals(SEED, rs.getBytes(1));
            }
        }
        assertEquals(before, objects());
    }

    @Test
    void psqlLoImportIsRefusedOnANonWriterAndLoExportWorks(@TempDir Path dir) throws Exception {
        String before = objects();
        Path in = dir.resolve("in.bin");
        Files.write(in, "imported by psql".getBytes(StandardCharsets.UTF_8));
        Path out = dir.resolve("out.bin");

        Psql imported = psql(nonWriter, dir, "\\lo_import " + in);
        assertTrue(imported.output.contains("25006"), "psql \\lo_import through a non-writer: " + imported.output);
        assertNotEquals(0, imported.exit, imported.output);
        assertEquals(before, objects(), "pg_largeobject changed by \\lo_import through a non-writer");

        Psql exported = psql(nonWriter, dir, "\\lo_export " + seed + " " + out);
        assertEquals(0, exported.exit, exported.output);
        assertArrayEquals(SEED, Files.readAllBytes(out), "\\lo_export through a non-writer");

        Psql written = psql(writer, dir, "\\lo_import " + in);
        assertEquals(0, written.exit, written.output);
        assertEquals("1", pg.queryValue("postgres", "SELECT count(*) FROM pg_largeobject_metadata m WHERE"
                + " convert_from(lo_get(m.oid), 'UTF8') = 'imported by psql'"), written.output);
        pg.execute("SELECT lo_unlink(m.oid) FROM pg_largeobject_metadata m WHERE convert_from(lo_get(m.oid), 'UTF8')"
                + " = 'imported by psql'");
        assertEquals(before, objects());
    }

    private record Psql(int exit, String output) {}

    private static Psql psql(ProxyServer proxy, Path dir, String command) throws Exception {
        Path script = Files.writeString(dir.resolve("script.sql"), "\\set VERBOSITY verbose\n" + command + "\n");
        Path log = dir.resolve("psql.log");
        ProcessBuilder pb = new ProcessBuilder("psql", "-X", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p",
                Integer.toString(proxy.address().getPort()), "-U", "app", "-d", "postgres", "-f", script.toString())
                .redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("PGSSLMODE", "disable");
        Process p = pb.start();
        p.getOutputStream().close();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("psql did not finish: " + Files.readString(log));
        }
        return new Psql(p.exitValue(), Files.readString(log));
    }
}
