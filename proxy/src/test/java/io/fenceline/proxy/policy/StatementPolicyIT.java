package io.fenceline.proxy.policy;

import io.fenceline.proxy.ProxyProcess;
import io.fenceline.proxy.RawClient;
import io.fenceline.proxy.TestProxies;
import io.fenceline.proxy.sql.TableName;
import io.fenceline.testing.PostgresServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.postgresql.core.BaseConnection;
import org.postgresql.core.TransactionState;
import org.postgresql.util.PSQLException;
import org.postgresql.util.ServerErrorMessage;

import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.sql.BatchUpdateException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A test-only policy that denies every statement touching table {@code forbidden} (and the Parse of any
 * statement reading {@code secret}), through a real proxy to a real PostgreSQL, driven by pgJDBC (simple,
 * prepared, batch) and by a raw client that pipelines. Each case checks the SQLSTATE and hint the client
 * gets, that the session stays usable, and that the transaction state is the one PostgreSQL itself has after
 * a failed statement — where it matters, by running the same sequence directly against PostgreSQL with a
 * statement that really fails and comparing.
 */
class StatementPolicyIT {

    static final String DENIED_STATE = "42501";
    static final String DENIED_MESSAGE = "table forbidden is fenced by the test policy";
    static final String DENIED_HINT = "use table allowed; it's $fl$ proof";

    /** Whether statements touching {@code held} may run now; until then they are held. */
    static volatile boolean released;
    /** When a held statement was first held (monotonic), or 0; it is denied with 57014 after {@link #holdBoundNanos}. */
    static final AtomicLong firstHeld = new AtomicLong();
    static volatile long holdBoundNanos;

    /**
     * Holds statements touching {@code held} until {@link #released} (then allows them) or until they have
     * waited {@link #holdBoundNanos} (then denies them with 57014), like a paused write gate; denies statements
     * touching {@code forbidden}; denies at Parse the statements reading {@code secret}.
     */
    static final StatementPolicy DENY_FORBIDDEN = (point, verdict, session) -> {
        if (verdict.tables().contains(TableName.of("held")) && point != StatementPolicy.Point.PARSE) {
            if (released) {
                return Decision.ALLOW;
            }
            long now = System.nanoTime();
            firstHeld.compareAndSet(0, now);
            long until = firstHeld.get() + holdBoundNanos;
            return now - until >= 0 ? new Decision.Deny("57014", "canceling statement: writes paused", "retry")
                    : new Decision.Hold(until);
        }
        if (point == StatementPolicy.Point.PARSE) {
            return verdict.tables().contains(TableName.of("secret"))
                    ? new Decision.Deny("42P01", "table secret is not in your version", "version 7 has it") : Decision.ALLOW;
        }
        return verdict.tables().contains(TableName.of("forbidden"))
                ? new Decision.Deny(DENIED_STATE, DENIED_MESSAGE, DENIED_HINT) : Decision.ALLOW;
    };

    static PostgresServer pg;
    static ProxyProcess proxy;

    @BeforeAll
    static void start() {
        pg = PostgresServer.builder().start();
        pg.execute("CREATE TABLE forbidden (v int); CREATE TABLE allowed (v int CHECK (v < 1000)); CREATE TABLE secret (v int); "
                + "CREATE TABLE held (v int)");
        proxy = ProxyProcess.start(TestProxies.settings(pg), DENY_FORBIDDEN);
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

    @BeforeEach
    void empty() {
        pg.execute("TRUNCATE forbidden, allowed, held");
        released = false;
        firstHeld.set(0);
        holdBoundNanos = TimeUnit.SECONDS.toNanos(30);
    }

    static Connection viaProxy(String extra) throws SQLException {
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + proxy.server().address().getPort()
                + "/postgres?user=" + pg.superuser() + "&" + extra);
    }

    static Connection direct(String extra) throws SQLException {
        return DriverManager.getConnection(pg.jdbcUrl("postgres") + "?user=" + pg.superuser() + "&" + extra);
    }

    static void assertDenied(SQLException e) {
        assertEquals(DENIED_STATE, e.getSQLState(), e.toString());
        ServerErrorMessage m = ((PSQLException) e).getServerErrorMessage();
        assertEquals(DENIED_MESSAGE, m.getMessage());
        assertEquals(DENIED_HINT, m.getHint());
    }

    static int count(String table) throws SQLException {
        try (Connection c = direct(""); ResultSet rs = c.createStatement().executeQuery("SELECT count(*) FROM " + table)) {
            rs.next();
            return rs.getInt(1);
        }
    }

    static int one(Connection c, String sql) throws SQLException {
        try (ResultSet rs = c.createStatement().executeQuery(sql)) {
            rs.next();
            return rs.getInt(1);
        }
    }

    @Test
    void simpleQueryIsDeniedAndTheSessionCarriesOn() throws SQLException {
        try (Connection c = viaProxy("preferQueryMode=simple"); Statement s = c.createStatement()) {
            assertDenied(assertThrows(SQLException.class, () -> s.execute("INSERT INTO forbidden VALUES (1)")));
            assertEquals(TransactionState.IDLE, ((BaseConnection) c).getTransactionState());
            assertEquals(7, one(c, "SELECT 7"));
            s.execute("INSERT INTO allowed VALUES (1)");
        }
        assertEquals(0, count("forbidden"));
        assertEquals(1, count("allowed"));
    }

    @Test
    void deniedStatementFailsTheTransactionLikePostgresDoes() throws SQLException {
        for (String mode : List.of("simple", "extended")) {
            try (Connection c = viaProxy("preferQueryMode=" + mode)) {
                c.setAutoCommit(false);
                c.createStatement().execute("INSERT INTO allowed VALUES (5)");
                assertDenied(assertThrows(SQLException.class, () -> c.createStatement().execute("DELETE FROM forbidden")));
                assertEquals(TransactionState.FAILED, ((BaseConnection) c).getTransactionState(), mode);
                SQLException aborted = assertThrows(SQLException.class, () -> one(c, "SELECT 1"));
                assertEquals("25P02", aborted.getSQLState(), mode);
                c.rollback();
                assertEquals(TransactionState.IDLE, ((BaseConnection) c).getTransactionState(), mode);
                assertEquals(3, one(c, "SELECT 3"));
            }
            assertEquals(0, count("allowed"), mode + ": the denied statement's transaction was rolled back");
        }
    }

    @Test
    void preparedStatementsAreDeniedAtExecuteEveryTime() throws SQLException {
        // prepareThreshold=1: from the first execution on pgJDBC uses a named server-side statement.
        try (Connection c = viaProxy("prepareThreshold=1");
             PreparedStatement insert = c.prepareStatement("INSERT INTO forbidden VALUES (?)");
             PreparedStatement ok = c.prepareStatement("SELECT count(*) FROM allowed WHERE v > ?")) {
            for (int i = 0; i < 5; i++) {
                insert.setInt(1, i);
                assertDenied(assertThrows(SQLException.class, insert::executeUpdate));
                ok.setInt(1, i);
                try (ResultSet rs = ok.executeQuery()) {
                    assertTrue(rs.next());
                    assertEquals(0, rs.getInt(1));
                }
            }
            assertEquals(TransactionState.IDLE, ((BaseConnection) c).getTransactionState());
        }
        assertEquals(0, count("forbidden"));
    }

    @Test
    void deniedParseReportsThePolicysError() throws SQLException {
        try (Connection c = viaProxy("prepareThreshold=1");
             PreparedStatement read = c.prepareStatement("SELECT v FROM secret WHERE v = ?")) {
            read.setInt(1, 1);
            SQLException e = assertThrows(SQLException.class, read::executeQuery);
            assertEquals("42P01", e.getSQLState(), e.toString());
            assertEquals("version 7 has it", ((PSQLException) e).getServerErrorMessage().getHint());
            assertEquals(4, one(c, "SELECT 4"));
        }
    }

    /** The batch runs as one implicit transaction: a denied statement rolls back the rows before it, as a real error does. */
    @Test
    void batchWithADeniedStatementEndsLikeABatchWithAFailingOne() throws SQLException {
        int[] counts = new int[2];
        for (int run = 0; run < 2; run++) {
            boolean viaProxy = run == 0;
            try (Connection c = viaProxy ? viaProxy("") : direct("");
                 Statement s = c.createStatement()) {
                s.addBatch("INSERT INTO allowed VALUES (1)");
                // Through the proxy the policy denies this; directly, the CHECK constraint fails it.
                s.addBatch(viaProxy ? "INSERT INTO forbidden VALUES (2)" : "INSERT INTO allowed VALUES (2000)");
                s.addBatch("INSERT INTO allowed VALUES (3)");
                BatchUpdateException e = assertThrows(BatchUpdateException.class, s::executeBatch);
                if (viaProxy) {
                    assertDenied(e.getNextException());
                }
                assertEquals(TransactionState.IDLE, ((BaseConnection) c).getTransactionState());
                assertEquals(9, one(c, "SELECT 9"));
            }
            counts[run] = count("allowed");
            pg.execute("TRUNCATE allowed");
        }
        assertEquals(counts[1], counts[0], "rows left by the batch: proxy with a denial vs PostgreSQL with a failure");
    }

    @Test
    void multiStatementQueryRunsThePrefixThenFailsLikePostgres() throws Exception {
        try (RawClient raw = rawClient()) {
            // Implicit transaction: the insert before the denied statement is rolled back, nothing after it runs.
            List<RawClient.Message> r = raw.send(RawClient.query(
                    "INSERT INTO allowed VALUES (10); INSERT INTO forbidden VALUES (1); INSERT INTO allowed VALUES (11)")).readUntilReady();
            assertEquals("CEZ", types(r));
            assertDeniedMessage(r.get(1));
            assertEquals('I', r.get(2).body()[0]);
            // Explicit block opened in the same text: the client sees the block failed ('E').
            r = raw.send(RawClient.query("BEGIN; INSERT INTO allowed VALUES (12); UPDATE forbidden SET v = 1")).readUntilReady();
            assertEquals("CCEZ", types(r));
            assertEquals('E', r.get(3).body()[0]);
            r = raw.send(RawClient.query("ROLLBACK")).readUntilReady();
            assertEquals('I', r.get(r.size() - 1).body()[0]);
        }
        assertEquals(0, count("allowed"));
    }

    @Test
    void pipelinedRequestsGetTheServersAnswersFirstThenTheDenial() throws Exception {
        try (RawClient raw = rawClient()) {
            // Simple protocol: a slow query, the denied one and a third, in one write.
            raw.send(RawClient.concat(RawClient.query("SELECT 1 FROM pg_sleep(0.3)"),
                    RawClient.query("INSERT INTO forbidden VALUES (1)"), RawClient.query("SELECT 2")));
            assertEquals("TDCZ", types(raw.readUntilReady()));
            List<RawClient.Message> denied = raw.readUntilReady();
            assertEquals("EZ", types(denied));
            assertDeniedMessage(denied.get(0));
            assertEquals("TDCZ", types(raw.readUntilReady()));

            // Extended protocol: slow Execute, denied Execute, an Execute that PostgreSQL skips, Sync; then a fresh cycle.
            raw.send(RawClient.concat(
                    parse("", "SELECT 1 FROM pg_sleep(0.3)"), bind("", ""), execute(""),
                    parse("ins", "INSERT INTO forbidden VALUES (1)"), bind("p", "ins"), execute("p"),
                    parse("", "INSERT INTO allowed VALUES (7)"), bind("", ""), execute(""), sync(),
                    parse("", "SELECT 3"), bind("", ""), execute(""), sync()));
            List<RawClient.Message> first = raw.readUntilReady();
            assertEquals("12DC12EZ", types(first));
            assertDeniedMessage(first.get(6));
            assertEquals('I', first.get(7).body()[0]);
            assertEquals("12DCZ", types(raw.readUntilReady()));

            // The denied statement stays prepared on the server, and is denied again when executed again.
            raw.send(RawClient.concat(bind("", "ins"), execute(""), sync()));
            List<RawClient.Message> again = raw.readUntilReady();
            assertEquals("2EZ", types(again));
            assertDeniedMessage(again.get(1));
        }
        assertEquals(0, count("forbidden"));
        assertEquals(0, count("allowed"));
    }

    @Test
    void heldStatementWaitsWithEverythingBehindItUntilThePolicyIsAskedAgain() throws Exception {
        try (RawClient raw = rawClient(); Connection other = viaProxy("")) {
            raw.send(RawClient.concat(RawClient.query("INSERT INTO held VALUES (1)"), RawClient.query("SELECT 2"),
                    parse("", "INSERT INTO held VALUES (2)"), bind("", ""), execute(""), sync()));
            // Held: nothing answered, nothing reached the server; other sessions carry on meanwhile.
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(300);
            while (System.nanoTime() < deadline) {
                assertEquals(5, one(other, "SELECT 5"));
            }
            assertEquals(0, raw.input().available(), "no answer while held");
            assertEquals(0, count("held"));
            released = true;
            proxy.server().recheckHeld();
            assertEquals("CZ", types(raw.readUntilReady()));
            assertEquals("TDCZ", types(raw.readUntilReady()));
            assertEquals("12CZ", types(raw.readUntilReady()));
        }
        assertEquals(2, count("held"));
    }

    @Test
    void heldStatementIsDeniedWhenThePolicysBoundPasses() throws Exception {
        holdBoundNanos = TimeUnit.MILLISECONDS.toNanos(200);
        try (Connection c = viaProxy("")) {
            c.setAutoCommit(false);
            long start = System.nanoTime();
            SQLException e = assertThrows(SQLException.class, () -> c.createStatement().execute("UPDATE held SET v = 1"));
            long waitedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertEquals("57014", e.getSQLState(), e.toString());
            assertTrue(waitedMillis >= 190, "waited " + waitedMillis + " ms");
            assertEquals(TransactionState.FAILED, ((BaseConnection) c).getTransactionState());
            c.rollback();
            assertEquals(6, one(c, "SELECT 6"));
        }
    }

    RawClient rawClient() throws Exception {
        return new RawClient(new InetSocketAddress("127.0.0.1", proxy.server().address().getPort())).startTrusted(pg.superuser(), "postgres");
    }

    static void assertDeniedMessage(RawClient.Message m) {
        assertEquals('E', m.type());
        Map<Character, String> f = m.errorFields();
        assertEquals(DENIED_STATE, f.get('C'), f.toString());
        assertEquals(DENIED_MESSAGE, f.get('M'));
        assertEquals(DENIED_HINT, f.get('H'));
        assertEquals("ERROR", f.get('S'));
    }

    static String types(List<RawClient.Message> messages) {
        StringBuilder sb = new StringBuilder();
        for (RawClient.Message m : messages) {
            if (m.type() != 'N' && m.type() != 'S') {
                sb.append(m.type());
            }
        }
        return sb.toString();
    }

    static byte[] cstr(String s) {
        return (s + "\0").getBytes(StandardCharsets.UTF_8);
    }

    static byte[] parse(String name, String sql) {
        return RawClient.message('P', RawClient.concat(cstr(name), cstr(sql), new byte[]{0, 0}));
    }

    static byte[] bind(String portal, String statement) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes(cstr(portal));
        b.writeBytes(cstr(statement));
        b.writeBytes(new byte[]{0, 0, 0, 0, 0, 0});
        return RawClient.message('B', b.toByteArray());
    }

    static byte[] execute(String portal) {
        return RawClient.message('E', RawClient.concat(cstr(portal), ByteBuffer.allocate(4).putInt(0).array()));
    }

    static byte[] sync() {
        return RawClient.message('S', new byte[0]);
    }
}
