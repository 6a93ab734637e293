package io.fenceline.proxy;

import io.fenceline.config.coordination.LeaseState;
import io.fenceline.config.coordination.MonotonicClock;
import io.fenceline.proxy.authority.WriteGate;
import io.fenceline.proxy.authority.WritePolicy;
import io.fenceline.proxy.metrics.ProxyMetrics;
import io.fenceline.proxy.net.ProxyServer;
import io.fenceline.testing.PostgresServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import static io.fenceline.proxy.RawClient.concat;
import static io.fenceline.proxy.RawClient.message;
import static io.fenceline.proxy.RawClient.query;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The session half of the fence through a real proxy whose write gate is closed (this cluster is not the writer;
 * one test loses the lease instead) in front of a real PostgreSQL that is <em>not</em> fenced: no database fence
 * runs at all, so only the proxy stands. The verdict is PostgreSQL's: a {@code test_decoding} slot on the
 * database must decode no change to {@code t} made through the proxy. Each case of issue 13 is tried in both
 * pgJDBC protocols where the driver can send it; the raw-wire cases use {@link RawClient}.
 *
 * <p>Where two layers stop a write (the proxy's verdict and the server's read-only), the test also says which one
 * did, so that taking either fix out fails it: the proxy's own denial says "not (yet) the writer", PostgreSQL's
 * says "in a read-only transaction".
 */
class SessionFenceIT {

    private static final String PROXY_DENIAL = "is not (yet) the writer";
    private static final String SERVER_DENIAL = "read-only transaction";

    private static PostgresServer pg;
    private static volatile LeaseState lease;
    private WriteGate gate;
    private ProxyServer proxy;

    @BeforeAll
    static void start() {
        pg = PostgresServer.builder().setting("wal_level", "logical").start();
        pg.execute("CREATE TABLE t (id serial PRIMARY KEY, note text)");
        pg.execute("INSERT INTO t (note) VALUES ('a'), ('b'), ('c')");
        pg.execute("CREATE TABLE flush (x int)");
        pg.execute("CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$ INSERT INTO t (note) VALUES ('f') RETURNING 1 $$");
        pg.execute("CREATE FUNCTION lift() RETURNS text LANGUAGE plpgsql AS "
                + "$$ BEGIN RETURN set_config('default_transaction_read_only', 'off', false); END $$");
        pg.execute("CREATE FUNCTION lift_and_write() RETURNS int LANGUAGE plpgsql AS "
                + "$$ BEGIN PERFORM set_config('default_transaction_read_only', 'off', false); "
                + "INSERT INTO t (note) VALUES ('g'); RETURN 1; END $$");
        pg.execute("SELECT pg_create_logical_replication_slot('oracle', 'test_decoding')");
    }

    @AfterAll
    static void stop() {
        if (pg != null) {
            pg.close();
        }
    }

    @BeforeEach
    void startProxy() {
        changes();
        lease = new LeaseState.Held(7, System.nanoTime() + 3_600_000_000_000L, 3, System.nanoTime());
        gate = new WriteGate("g", "a", MonotonicClock.SYSTEM, () -> lease, 2_000_000_000L);
        proxy = ProxyServer.start(TestProxies.settings(pg), ProxyMetrics.NOOP, MonotonicClock.SYSTEM, 1,
                new WritePolicy(gate, ProxyMetrics.NOOP));
    }

    @AfterEach
    void closeProxy() {
        proxy.close();
    }

    /** Rows changed in {@code t} since the last call, decoded by PostgreSQL from its WAL. */
    private static int changes() {
        // Decoding stops at the flushed WAL position; a synchronous commit flushes everything before it.
        pg.execute("SET synchronous_commit = on; INSERT INTO flush VALUES (1)");
        return Integer.parseInt(pg.queryValue("postgres", "SELECT count(*) FROM pg_logical_slot_get_changes("
                + "'oracle', NULL, NULL) WHERE data LIKE 'table public.t:%'"));
    }

    private Connection connect(String mode, Properties extra) throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", pg.superuser());
        p.setProperty("preferQueryMode", mode);
        p.putAll(extra);
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + proxy.address().getPort()
                + "/postgres?sslmode=disable", p);
    }

    private SQLException refused(String mode, String... statements) throws SQLException {
        try (Connection c = connect(mode, new Properties()); Statement s = c.createStatement()) {
            SQLException e = null;
            for (String sql : statements) {
                try {
                    s.execute(sql);
                } catch (SQLException x) {
                    e = x;
                    if (!c.getAutoCommit() || sql.startsWith("BEGIN") || sql.startsWith("START")) {
                        s.execute("ROLLBACK");
                    }
                }
            }
            assertTrue(e != null, "one of " + List.of(statements) + " must be refused");
            assertEquals("25006", e.getSQLState(), e.getMessage());
            return e;
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"simple", "extended"})
    void beginReadWriteThenAWritingFunction(String mode) throws SQLException {
        SQLException e = refused(mode, "BEGIN READ WRITE; SELECT f(); COMMIT");
        assertTrue(e.getMessage().contains("read-write"), e.getMessage());
        assertEquals(0, changes());
    }

    @ParameterizedTest
    @ValueSource(strings = {"simple", "extended"})
    void startTransactionReadWriteThenAWritingFunction(String mode) throws SQLException {
        refused(mode, "START TRANSACTION READ WRITE; SELECT f(); COMMIT");
        assertEquals(0, changes());
    }

    @ParameterizedTest
    @ValueSource(strings = {"simple", "extended"})
    void setDefaultOffThenAWritingFunction(String mode) throws SQLException {
        refused(mode, "SET default_transaction_read_only = off; SELECT f()");
        refused(mode, "SET default_transaction_read_only = off", "SELECT f()");
        assertEquals(0, changes());
    }

    @ParameterizedTest
    @ValueSource(strings = {"simple", "extended"})
    void setConfigThenAWritingFunction(String mode) throws SQLException {
        refused(mode, "SELECT set_config('default_transaction_read_only','off',false); SELECT f()");
        assertEquals(0, changes());
    }

    @ParameterizedTest
    @ValueSource(strings = {"simple", "extended"})
    void aFunctionThatCallsSetConfigThenWritesMeetsTheServersReadOnly(String mode) throws SQLException {
        SQLException e = refused(mode, "SELECT lift_and_write()");
        assertTrue(e.getMessage().contains(SERVER_DENIAL), e.getMessage());
        // The proxy cannot see set_config inside lift(); the server reports the new default and the proxy
        // makes the session read-only again before the next statement runs.
        e = refused(mode, "SELECT lift()", "SELECT f()");
        assertTrue(e.getMessage().contains(SERVER_DENIAL), e.getMessage());
        e = refused(mode, "SELECT lift()", "BEGIN", "SELECT f()");
        assertTrue(e.getMessage().contains(SERVER_DENIAL), e.getMessage());
        assertEquals(0, changes());
    }

    @Test
    void aLiftPipelinedBeforeAWriteIsReassertedBetweenThem() throws Exception {
        try (RawClient c = new RawClient(proxy.address()).startTrusted(pg.superuser(), "postgres")) {
            c.send(concat(query("SELECT lift()"), query("SELECT f()"), query("COMMIT; SELECT f()")));
            c.readUntilReady();
            assertEquals('E', firstError(c.readUntilReady()), "f() after the pipelined lift");
            assertEquals('E', firstError(c.readUntilReady()));
        }
        assertEquals(0, changes());
    }

    /**
     * Found by bin/fuzz-fence (seed 3002, session 19675): DISCARD ALL resets the proxy's read-only default and, in
     * the extended protocol, commits at once, so a write behind a read later in the same batch ran read-write.
     */
    @Test
    void aDiscardAllBeforeAWriteInTheSameBatchIsRefused() throws Exception {
        try (RawClient c = new RawClient(proxy.address()).startTrusted(pg.superuser(), "postgres")) {
            c.send(concat(parse("", "DISCARD ALL"), bind("", ""), execute(""),
                    parse("s2", "SELECT f()"), bind("", "s2"), execute(""), sync()));
            assertEquals("25006", errorOf(c.readUntilReady()).get('C'), "f() after DISCARD ALL in one batch");
            // RESET ALL leaves the running transaction read-only, so the server refuses this f() by itself too:
            // this checks the verdict, not the proxy's rule (kept as defence in depth; no path is known where
            // a transaction begins after RESET ALL in one request without a COMMIT, ROLLBACK or DISCARD ALL).
            c.send(concat(parse("", "RESET ALL"), bind("", ""), execute(""),
                    parse("", "SELECT f()"), bind("", ""), execute(""), sync()));
            assertEquals("25006", errorOf(c.readUntilReady()).get('C'), "f() after RESET ALL in one batch");
            c.send(query("DISCARD ALL"));
            assertEquals(0, firstError(c.readUntilReady()), "DISCARD ALL alone runs, as a pool sends it");
            c.send(query("SELECT f()"));
            assertEquals("25006", errorOf(c.readUntilReady()).get('C'), "the next request is read-only again");
        }
        assertEquals(0, changes());
    }

    @Test
    void startupOptionsThatLiftReadOnlyAreRefused() {
        Properties p = new Properties();
        p.setProperty("options", "-c default_transaction_read_only=off");
        SQLException e = assertThrows(SQLException.class, () -> connect("extended", p).close());
        assertEquals("25006", e.getSQLState(), e.getMessage());
        assertEquals(0, changes());
    }

    @Test
    void standardConformingStringsOffIsLexedAsTheServerLexesIt() throws Exception {
        try (RawClient c = new RawClient(proxy.address()).startTrusted(pg.superuser(), "postgres")) {
            c.send(query("SET standard_conforming_strings = off"));
            assertEquals(0, firstError(c.readUntilReady()));
            c.send(query("SELECT 'x\\'' ; DELETE FROM t; --'"));
            Map<Character, String> error = errorOf(c.readUntilReady());
            assertTrue(error.get('M').contains(PROXY_DENIAL), "the proxy saw the DELETE: " + error);
            c.send(query("SELECT 'it\\'s', E'\\\\'"));
            assertEquals(0, firstError(c.readUntilReady()), "a read with backslash escapes still runs");
        }
        assertEquals(0, changes());
    }

    @Test
    void aFailedParseOfAnExistingNameKeepsTheFirstStatementsVerdict() throws Exception {
        try (RawClient c = new RawClient(proxy.address()).startTrusted(pg.superuser(), "postgres")) {
            c.send(concat(parse("s", "DELETE FROM t"), sync()));
            assertEquals(0, firstError(c.readUntilReady()));
            c.send(concat(parse("s", "SELECT 1"), sync()));
            assertEquals("42P05", errorOf(c.readUntilReady()).get('C'));
            c.send(concat(bind("", "s"), execute(""), sync()));
            Map<Character, String> error = errorOf(c.readUntilReady());
            assertTrue(error.get('M').contains(PROXY_DENIAL), "the proxy judged the DELETE the server kept: " + error);
            // Pipelined: the second Parse is unanswered when the Bind is judged; either statement may run.
            c.send(concat(parse("s", "SELECT 1"), sync(), bind("", "s"), execute(""), sync()));
            assertEquals("42P05", errorOf(c.readUntilReady()).get('C'));
            assertTrue(errorOf(c.readUntilReady()).get('M').contains(PROXY_DENIAL));
        }
        assertEquals(0, changes());
    }

    @Test
    void pipelinedBatchesKeepTheirPortalsAcrossAnEarlierReadyForQuery() throws Exception {
        try (RawClient c = new RawClient(proxy.address()).startTrusted(pg.superuser(), "postgres")) {
            ByteArrayOutputStream batches = new ByteArrayOutputStream();
            for (int k = 0; k < 200; k++) {
                batches.writeBytes(concat(parse("", "SELECT " + k), sync(), bind("p", ""), execute("p"), sync()));
            }
            c.send(batches.toByteArray());
            for (int k = 0; k < 400; k++) {
                assertEquals(0, firstError(c.readUntilReady()), "batch " + k);
            }
        }
    }

    @Test
    void aShiftJisTrailingBackslashIsRefusedNotGuessed() throws Exception {
        try (RawClient c = new RawClient(proxy.address()).startTrusted(pg.superuser(), "postgres")) {
            c.send(query("SET client_encoding = 'SJIS'"));
            assertEquals(0, firstError(c.readUntilReady()));
            // 0x95 0x5C is one Shift-JIS character: the server sees the string end at the quote after it.
            byte[] text = concat("SELECT E'".getBytes(StandardCharsets.US_ASCII), new byte[]{(byte) 0x95, 0x5C},
                    "' ; DELETE FROM t; --'".getBytes(StandardCharsets.US_ASCII), new byte[]{0});
            c.send(message('Q', text));
            Map<Character, String> error = errorOf(c.readUntilReady());
            assertEquals("0A000", error.get('C'), error.toString());
            assertTrue(error.get('M').contains("SJIS"), error.toString());
            c.send(query("SET client_encoding = 'UTF8'"));
            assertEquals(0, firstError(c.readUntilReady()), "an ASCII text is readable in any encoding");
        }
        assertEquals(0, changes());
    }

    @Test
    void theProxysDenialsLookLikePostgresqlErrors() throws Exception {
        try (RawClient c = new RawClient(proxy.address()).startTrusted(pg.superuser(), "postgres")) {
            c.send(query("INSERT INTO t (note) VALUES ('x')"));
            Map<Character, String> error = errorOf(c.readUntilReady());
            assertEquals("25006", error.get('C'));
            assertTrue(error.get('M').contains(PROXY_DENIAL), error.toString());
            assertFalse(error.containsKey('W'), "no PL/pgSQL CONTEXT: " + error);
            assertFalse(error.containsKey('s'), "no schema field: " + error);
            assertTrue(error.containsKey('H'), error.toString());
        }
        assertEquals(0, changes());
    }

    @Test
    void theWriterWritesAndTheFenceComesAndGoesWithTheGate() throws Exception {
        try (Connection c = connect("extended", new Properties()); Statement s = c.createStatement()) {
            assertThrows(SQLException.class, () -> s.execute("SELECT f()"));
            gate.open(1, 7);
            // Writer again: the proxy lifts its own read-only before the next statement.
            s.execute("SELECT f()");
            c.setAutoCommit(false);
            s.execute("INSERT INTO t (note) VALUES ('w')");
            c.commit();
            assertEquals(2, changes());
            // The lease is lost in the middle of a transaction: the open block becomes read-only at the server.
            s.execute("SELECT 1");
            lease = new LeaseState.Lost(7, "test", System.nanoTime());
            SQLException e = assertThrows(SQLException.class, () -> s.execute("SELECT f()"));
            assertEquals("25006", e.getSQLState());
            assertTrue(e.getMessage().contains(SERVER_DENIAL), e.getMessage());
            c.rollback();
            c.setAutoCommit(true);
            e = assertThrows(SQLException.class, () -> s.execute("SELECT f()"));
            assertTrue(e.getMessage().contains(SERVER_DENIAL), e.getMessage());
        }
        assertEquals(0, changes());
    }

    @ParameterizedTest
    @ValueSource(strings = {"simple", "extended"})
    void theWritersOrdinaryWorkloadRuns(String mode) throws SQLException {
        gate.open(1, 7);
        try (Connection c = connect(mode, new Properties()); Statement s = c.createStatement()) {
            for (int k = 0; k < 20; k++) {
                s.execute("INSERT INTO t (note) VALUES ('" + k + "')");
            }
            c.setAutoCommit(false);
            try (var ps = c.prepareStatement("UPDATE t SET note = ? WHERE id = ?")) {
                for (int k = 1; k <= 3; k++) {
                    ps.setString(1, "u" + k);
                    ps.setInt(2, k);
                    ps.executeUpdate();
                }
            }
            c.commit();
            s.execute("SET default_transaction_read_only = off");
            try (ResultSet rs = s.executeQuery("SELECT count(*) FROM t")) {
                assertTrue(rs.next());
            }
            c.commit();
        }
        assertEquals(23, changes());
    }

    // ---- wire ----

    private static byte[] z(String s) {
        return (s + "\0").getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] parse(String name, String sql) {
        return message('P', concat(z(name), z(sql), new byte[]{0, 0}));
    }

    private static byte[] bind(String portal, String statement) {
        return message('B', concat(z(portal), z(statement), new byte[]{0, 0, 0, 0, 0, 0}));
    }

    private static byte[] execute(String portal) {
        return message('E', concat(z(portal), new byte[]{0, 0, 0, 0}));
    }

    private static byte[] sync() {
        return message('S', new byte[0]);
    }

    private static char firstError(List<RawClient.Message> messages) {
        return messages.stream().anyMatch(m -> m.type() == 'E') ? 'E' : 0;
    }

    private static Map<Character, String> errorOf(List<RawClient.Message> messages) {
        return messages.stream().filter(m -> m.type() == 'E').findFirst()
                .orElseThrow(() -> new AssertionError("no ErrorResponse in " + messages)).errorFields();
    }
}
