package io.fenceline.proxy.group;

import io.fenceline.testing.EtcdCluster;
import io.fenceline.testing.PostgresServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.postgresql.copy.CopyManager;
import org.postgresql.xa.PGXADataSource;

import javax.sql.XAConnection;
import javax.transaction.xa.XAResource;
import javax.transaction.xa.Xid;
import java.io.StringReader;
import java.io.StringWriter;
import java.sql.BatchUpdateException;
import java.sql.CallableStatement;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ParameterMetaData;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.SQLWarning;
import java.sql.Savepoint;
import java.sql.Statement;
import java.sql.Types;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * The fast subset of {@code bin/conformance} (docs/conformance.md): behaviours that pgJDBC's own test suite
 * exercises, each run as one scenario directly against PostgreSQL and then through a writer proxy (a child JVM with a
 * {@code group:} section, real etcd, inspection on), and the two transcripts compared; the read-only subset runs
 * against a non-writer's fenced database itself (read-only PostgreSQL) and then through that non-writer. A
 * scenario writes what a program would see — rows, update counts, SQLSTATEs, warnings, notifications — and
 * nothing that legitimately differs between connections (pids, OIDs, times).
 *
 * <p>The cases follow pgJDBC's test classes named in each method's comment. A scenario that writes nothing
 * fails (it would compare nothing), and so does the class when the child's leak detector reports a buffer.
 */
class DriverConformanceIT {

    private static EtcdCluster etcd;
    private static PostgresServer pg;
    private static ProxyChild proxy;
    /** The non-writer: its own cluster, fenced by a proxy that is not a candidate of its group. */
    private static PostgresServer readOnlyPg;
    private static ProxyChild nonWriter;

    @RegisterExtension
    static final ProxyLogsOnFailure LOGS = new ProxyLogsOnFailure();

    @BeforeAll
    static void start() throws Exception {
        etcd = EtcdCluster.start(1);
        pg = PostgresServer.builder().setting("max_prepared_transactions", "10").start();
        pg.execute("CREATE EXTENSION IF NOT EXISTS hstore");
        readOnlyPg = PostgresServer.builder().start();
        readOnlyPg.execute("CREATE EXTENSION IF NOT EXISTS hstore");
        readOnlyPg.execute("CREATE TABLE cf_ro (id int PRIMARY KEY, v text)");
        readOnlyPg.execute("INSERT INTO cf_ro SELECT g, 'v' || g FROM generate_series(1, 30) g");
        // Both children start before either is awaited: their JVMs' start-up overlaps.
        List<Integer> etcdPorts = List.of(etcd.member(0).clientPort());
        // A 20 s lease: a writer whose renewals stall past its lease on a very loaded machine (3 s did at a load
        // average of 54) rightly turns read-only, which is not what these cases compare.
        proxy = LOGS.watch(ProxyChild.start(ProxyChild.Spec.of(GroupRig.newGroup(), "a", null)
                .withLease(Duration.ofSeconds(20), Duration.ofSeconds(1)), pg, etcdPorts));
        // As bin/conformance's reader: cluster b of a group whose only candidate is a (which has no proxy), so
        // it never writes and fences its database, which is then the read-only baseline (PostgreSQL with
        // default_transaction_read_only = on, set by the fence) compared with the same database through it.
        ProxyChild.Spec readerSpec = new ProxyChild.Spec(GroupRig.newGroup(), "b", List.of("a"), "a", "manual",
                Duration.ofSeconds(3), Duration.ofMillis(500), null, Duration.ofSeconds(5), true);
        nonWriter = LOGS.watch(ProxyChild.start(readerSpec, readOnlyPg, etcdPorts));
        proxy.awaitServing(Duration.ofSeconds(120));
        GroupRig.await("the writer proxy lets a write through", Duration.ofSeconds(120), () -> {
            try (Connection c = proxy.connect(); Statement s = c.createStatement()) {
                s.execute("CREATE TABLE IF NOT EXISTS conformance_probe (id int); DROP TABLE conformance_probe");
                return true;
            } catch (SQLException e) {
                return false;
            }
        });
        nonWriter.awaitServing(Duration.ofSeconds(120));
        GroupRig.await("the non-writer refuses a write with 25006 and its database is read-only by itself",
                Duration.ofSeconds(120), () -> {
                    try (Connection c = nonWriter.connect(); Statement s = c.createStatement()) {
                        s.execute("CREATE TABLE conformance_probe (id int)");
                        return false;
                    } catch (SQLException e) {
                        if (!"25006".equals(e.getSQLState())) {
                            return false;
                        }
                    }
                    return "on".equals(readOnlyPg.queryValue("postgres", "SHOW default_transaction_read_only"));
                });
    }

    @AfterAll
    static void stop() {
        List<String> leaks = new ArrayList<>();
        for (ProxyChild p : new ProxyChild[] {proxy, nonWriter}) {
            if (p != null) {
                leaks.addAll(p.leakReports());
                p.close();
            }
        }
        if (readOnlyPg != null) {
            readOnlyPg.close();
        }
        if (pg != null) {
            pg.close();
        }
        if (etcd != null) {
            etcd.close();
        }
        assertEquals(List.of(), leaks, "the proxy leaked Netty buffers (its detector runs at paranoid)");
    }

    /** One scenario, given a way to open connections (directly or through the proxy), writes its transcript. */
    @FunctionalInterface
    interface Scenario {
        void run(Connections connections, StringBuilder transcript) throws Exception;
    }

    /** Opens connections as the superuser with extra pgJDBC properties, directly or through the proxy. */
    record Connections(String url) {
        Connection open(String... properties) throws SQLException {
            Properties p = new Properties();
            p.setProperty("user", pg.superuser());
            for (int i = 0; i + 1 < properties.length; i += 2) {
                p.setProperty(properties[i], properties[i + 1]);
            }
            return DriverManager.getConnection(url, p);
        }
    }

    private void assertSameThroughProxy(Scenario scenario) throws Exception {
        String direct = transcript(new Connections(pg.jdbcUrl("postgres")), scenario);
        String proxied = transcript(new Connections(proxy.jdbcUrl()), scenario);
        assertFalse(direct.isBlank(), "the scenario wrote nothing directly: it compares nothing");
        assertEquals(direct, proxied, "the transcript through the writer proxy differs from PostgreSQL's own");
    }

    /** The scenario against the fenced database itself (the read-only baseline), then through the non-writer. */
    private void assertSameThroughNonWriter(Scenario scenario) throws Exception {
        String direct = transcript(new Connections(readOnlyPg.jdbcUrl("postgres")), scenario);
        String proxied = transcript(new Connections(nonWriter.jdbcUrl()), scenario);
        assertFalse(direct.isBlank(), "the scenario wrote nothing directly: it compares nothing");
        assertEquals(direct, proxied, "the transcript through the non-writer differs from read-only PostgreSQL's own");
    }

    /** Runs one statement and writes its rows or update count, or its SQLSTATE. */
    private static void attempt(Statement s, String sql, StringBuilder t) {
        t.append(sql).append(" -> ");
        try {
            if (s.execute(sql)) {
                t.append('\n');
                try (ResultSet rs = s.getResultSet()) {
                    rows(rs, t);
                }
            } else {
                t.append("count ").append(s.getUpdateCount()).append('\n');
            }
        } catch (SQLException e) {
            t.append(state(e));
        }
    }

    private static String transcript(Connections connections, Scenario scenario) throws Exception {
        StringBuilder t = new StringBuilder();
        scenario.run(connections, t);
        return t.toString();
    }

    private static void rows(ResultSet rs, StringBuilder t) throws SQLException {
        ResultSetMetaData md = rs.getMetaData();
        while (rs.next()) {
            List<String> row = new ArrayList<>();
            for (int i = 1; i <= md.getColumnCount(); i++) {
                row.add(md.getColumnLabel(i) + "=" + rs.getString(i));
            }
            t.append(row).append('\n');
        }
    }

    private static String state(SQLException e) {
        return "error " + e.getSQLState() + "\n";
    }

    // --- pgJDBC's PreparedStatementTest, ServerPrepareTest, PgStatementTest: named statements ---------------

    /** Server-prepared statements past the prepare threshold, then DEALLOCATE ALL and DISCARD ALL behind the
     *  driver's back: pgJDBC re-prepares on 26000 "prepared statement does not exist" and 0A000 "cached plan". */
    @Test
    void serverPreparedStatementsSurviveDeallocateAndDiscard() throws Exception {
        assertSameThroughProxy((c, t) -> {
            try (Connection conn = c.open("prepareThreshold", "2"); Statement s = conn.createStatement()) {
                s.execute("DROP TABLE IF EXISTS cf_prep; CREATE TABLE cf_prep (id int PRIMARY KEY, v text)");
                try (PreparedStatement ins = conn.prepareStatement("INSERT INTO cf_prep VALUES (?, ?)");
                     PreparedStatement sel = conn.prepareStatement("SELECT v FROM cf_prep WHERE id = ?")) {
                    for (int i = 0; i < 6; i++) {
                        ins.setInt(1, i);
                        ins.setString(2, "v" + i);
                        t.append("insert ").append(ins.executeUpdate()).append('\n');
                        if (i == 3) {
                            s.execute("DEALLOCATE ALL");
                        }
                        if (i == 4) {
                            s.execute("DISCARD ALL");
                        }
                        sel.setInt(1, i);
                        try (ResultSet rs = sel.executeQuery()) {
                            rows(rs, t);
                        }
                    }
                }
                s.execute("ALTER TABLE cf_prep ADD COLUMN extra int");
                try (PreparedStatement star = conn.prepareStatement("SELECT * FROM cf_prep WHERE id = ?")) {
                    star.setInt(1, 1);
                    try (ResultSet rs = star.executeQuery()) {
                        rows(rs, t);
                    }
                }
                s.execute("DROP TABLE cf_prep");
            }
        });
    }

    // --- pgJDBC's BatchExecuteTest, BatchedInsertReWriteEnabledTest, GeneratedKeysTest --------------------

    /** Batches with generated keys, rewritten batches, and a batch failing halfway (BatchUpdateException: the
     *  batch's implicit transaction is rolled back as a whole). */
    @Test
    void batchesWithGeneratedKeysAndAFailingBatch() throws Exception {
        assertSameThroughProxy((c, t) -> {
            for (String rewrite : List.of("false", "true")) {
                try (Connection conn = c.open("reWriteBatchedInserts", rewrite); Statement s = conn.createStatement()) {
                    s.execute("DROP TABLE IF EXISTS cf_batch; CREATE TABLE cf_batch (id serial PRIMARY KEY, v int UNIQUE)");
                    try (PreparedStatement ps = conn.prepareStatement("INSERT INTO cf_batch (v) VALUES (?)",
                            Statement.RETURN_GENERATED_KEYS)) {
                        for (int i = 0; i < 5; i++) {
                            ps.setInt(1, i);
                            ps.addBatch();
                        }
                        t.append("counts ").append(Arrays.toString(ps.executeBatch())).append('\n');
                        try (ResultSet keys = ps.getGeneratedKeys()) {
                            rows(keys, t);
                        }
                        for (int v : new int[] {10, 11, 3, 12}) {
                            ps.setInt(1, v);
                            ps.addBatch();
                        }
                        try {
                            ps.executeBatch();
                            t.append("no error\n");
                        } catch (BatchUpdateException e) {
                            t.append("batch error ").append(e.getSQLState()).append('\n');
                        }
                    }
                    try (ResultSet rs = s.executeQuery("SELECT count(*) FROM cf_batch")) {
                        rows(rs, t);
                    }
                    s.execute("DROP TABLE cf_batch");
                }
            }
        });
    }

    // --- pgJDBC's CursorFetchTest, RefCursorTest: portals read in batches -------------------------------

    /** A fetch size in a transaction (Execute with a row limit, PortalSuspended, the portal resumed), and a
     *  refcursor returned by a function and fetched from. */
    @Test
    void cursorFetchAndRefcursors() throws Exception {
        assertSameThroughProxy((c, t) -> {
            try (Connection conn = c.open(); Statement s = conn.createStatement()) {
                s.execute("CREATE OR REPLACE FUNCTION cf_cursor() RETURNS refcursor LANGUAGE plpgsql AS $$"
                        + " DECLARE r refcursor; BEGIN OPEN r FOR SELECT g FROM generate_series(1, 7) g; RETURN r; END $$");
                conn.setAutoCommit(false);
                try (PreparedStatement ps = conn.prepareStatement("SELECT g, g * g AS sq FROM generate_series(1, 25) g")) {
                    ps.setFetchSize(4);
                    try (ResultSet rs = ps.executeQuery()) {
                        rows(rs, t);
                    }
                }
                try (CallableStatement call = conn.prepareCall("{ ? = call cf_cursor() }")) {
                    call.registerOutParameter(1, Types.REF_CURSOR);
                    call.execute();
                    try (ResultSet rs = (ResultSet) call.getObject(1)) {
                        rows(rs, t);
                    }
                }
                conn.commit();
                conn.setAutoCommit(true);
                s.execute("DROP FUNCTION cf_cursor()");
            }
        });
    }

    // --- pgJDBC's CopyTest ------------------------------------------------------------------------------

    /** COPY FROM STDIN and COPY TO STDOUT through the CopyManager, and a COPY that fails on a bad row. */
    @Test
    void copyInAndOut() throws Exception {
        assertSameThroughProxy((c, t) -> {
            try (Connection conn = c.open(); Statement s = conn.createStatement()) {
                s.execute("DROP TABLE IF EXISTS cf_copy; CREATE TABLE cf_copy (id int, v text)");
                CopyManager copy = conn.unwrap(PGConnection.class).getCopyAPI();
                StringBuilder in = new StringBuilder();
                for (int i = 0; i < 1000; i++) {
                    in.append(i).append('\t').append("row ").append(i).append('\n');
                }
                t.append("copied in ").append(copy.copyIn("COPY cf_copy FROM STDIN", new StringReader(in.toString())))
                        .append('\n');
                try {
                    copy.copyIn("COPY cf_copy FROM STDIN", new StringReader("1\tok\nnot-a-number\tbad\n"));
                } catch (SQLException e) {
                    t.append(state(e));
                }
                StringWriter out = new StringWriter();
                t.append("copied out ").append(copy.copyOut("COPY (SELECT * FROM cf_copy ORDER BY id LIMIT 3) TO STDOUT", out))
                        .append('\n').append(out);
                try (ResultSet rs = s.executeQuery("SELECT count(*), sum(id) FROM cf_copy")) {
                    rows(rs, t);
                }
                s.execute("DROP TABLE cf_copy");
            }
        });
    }

    // --- pgJDBC's SavepointTest, AutoRollbackTestSuite (autosave) ---------------------------------------

    /** Savepoints, and autosave=always: the driver's own SAVEPOINT/RELEASE around each statement, so an error
     *  does not abort the transaction. */
    @Test
    void savepointsAndAutosave() throws Exception {
        assertSameThroughProxy((c, t) -> {
            try (Connection conn = c.open("autosave", "always"); Statement s = conn.createStatement()) {
                s.execute("DROP TABLE IF EXISTS cf_sp; CREATE TABLE cf_sp (id int PRIMARY KEY)");
                conn.setAutoCommit(false);
                s.execute("INSERT INTO cf_sp VALUES (1)");
                Savepoint sp = conn.setSavepoint("before_two");
                s.execute("INSERT INTO cf_sp VALUES (2)");
                conn.rollback(sp);
                try {
                    s.execute("INSERT INTO cf_sp VALUES (1)");
                } catch (SQLException e) {
                    t.append(state(e));
                }
                s.execute("INSERT INTO cf_sp VALUES (3)");
                conn.commit();
                conn.setAutoCommit(true);
                try (ResultSet rs = s.executeQuery("SELECT id FROM cf_sp ORDER BY id")) {
                    rows(rs, t);
                }
                s.execute("DROP TABLE cf_sp");
            }
        });
    }

    // --- pgJDBC's XADataSourceTest ---------------------------------------------------------------------

    /** Two-phase commit: PREPARE TRANSACTION, then COMMIT PREPARED and ROLLBACK PREPARED from another
     *  connection, as an XA transaction manager does. */
    @Test
    void twoPhaseCommit() throws Exception {
        assertSameThroughProxy((c, t) -> {
            try (Connection setup = c.open(); Statement s = setup.createStatement()) {
                s.execute("DROP TABLE IF EXISTS cf_xa; CREATE TABLE cf_xa (id int)");
            }
            PGXADataSource ds = new PGXADataSource();
            ds.setUrl(c.url());
            ds.setUser(pg.superuser());
            for (int branch = 1; branch <= 2; branch++) {
                XAConnection xa = ds.getXAConnection();
                try {
                    XAResource r = xa.getXAResource();
                    Xid xid = new TestXid(branch);
                    r.start(xid, XAResource.TMNOFLAGS);
                    try (Statement s = xa.getConnection().createStatement()) {
                        s.execute("INSERT INTO cf_xa VALUES (" + branch + ")");
                    }
                    r.end(xid, XAResource.TMSUCCESS);
                    t.append("prepare ").append(r.prepare(xid)).append('\n');
                } finally {
                    xa.close();
                }
                XAConnection other = ds.getXAConnection();
                try {
                    XAResource r = other.getXAResource();
                    t.append("recovered ").append(r.recover(XAResource.TMSTARTRSCAN | XAResource.TMENDRSCAN).length)
                            .append('\n');
                    if (branch == 1) {
                        r.commit(new TestXid(branch), false);
                    } else {
                        r.rollback(new TestXid(branch));
                    }
                } finally {
                    other.close();
                }
            }
            try (Connection check = c.open(); Statement s = check.createStatement()) {
                try (ResultSet rs = s.executeQuery("SELECT id FROM cf_xa ORDER BY id")) {
                    rows(rs, t);
                }
                s.execute("DROP TABLE cf_xa");
            }
        });
    }

    /** An Xid of this test's own format. */
    record TestXid(int branch) implements Xid {
        @Override
        public int getFormatId() {
            return 4242;
        }

        @Override
        public byte[] getGlobalTransactionId() {
            return ("conformance-" + ProcessHandle.current().pid()).getBytes(java.nio.charset.StandardCharsets.UTF_8);
        }

        @Override
        public byte[] getBranchQualifier() {
            return new byte[] {(byte) branch};
        }
    }

    // --- pgJDBC's ParameterMetaDataTest, ResultSetMetaDataTest, HStoreTest, ArrayTest -----------------

    /** Describe of a statement (parameter types), binary transfer of arrays and hstore, and result metadata. */
    @Test
    void describeTypesAndBinaryTransfer() throws Exception {
        assertSameThroughProxy((c, t) -> {
            try (Connection conn = c.open("prepareThreshold", "-1", "binaryTransfer", "true")) {
                try (PreparedStatement ps = conn.prepareStatement(
                        "SELECT ?::int4 + 1 AS n, ?::text[] AS arr, 'a=>1,b=>2'::hstore AS h, ?::numeric * 2 AS num")) {
                    ParameterMetaData pmd = ps.getParameterMetaData();
                    for (int i = 1; i <= pmd.getParameterCount(); i++) {
                        t.append("param ").append(i).append(' ').append(pmd.getParameterTypeName(i)).append('\n');
                    }
                    ps.setInt(1, 41);
                    ps.setArray(2, conn.createArrayOf("text", new Object[] {"x", null, "z"}));
                    ps.setBigDecimal(3, new java.math.BigDecimal("1.25"));
                    try (ResultSet rs = ps.executeQuery()) {
                        rows(rs, t);
                    }
                }
            }
        });
    }

    // --- pgJDBC's NotifyTest, ServerErrorTest, StatementTest (warnings, errors, timeouts) ---------------

    /** RAISE NOTICE as SQLWarnings, LISTEN/NOTIFY between two connections, an error's fields, and a statement
     *  cancelled by setQueryTimeout (57014: the proxy relays the driver's CancelRequest). */
    @Test
    void noticesNotificationsErrorsAndQueryTimeouts() throws Exception {
        assertSameThroughProxy((c, t) -> {
            try (Connection listener = c.open(); Connection notifier = c.open();
                 Statement ls = listener.createStatement(); Statement ns = notifier.createStatement()) {
                ls.execute("DO $$ BEGIN RAISE NOTICE 'hello %', 42; RAISE WARNING 'careful'; END $$");
                for (SQLWarning w = ls.getWarnings(); w != null; w = w.getNextWarning()) {
                    t.append("warning ").append(w.getSQLState()).append(' ').append(w.getMessage()).append('\n');
                }
                ls.execute("LISTEN cf_channel");
                ns.execute("NOTIFY cf_channel, 'one'");
                try (PreparedStatement notify = notifier.prepareStatement("SELECT pg_notify('cf_channel', ?)")) {
                    notify.setString(1, "two");
                    notify.execute();
                }
                List<String> got = new ArrayList<>();
                long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                while (got.size() < 2 && System.nanoTime() < deadline) {
                    PGNotification[] some = listener.unwrap(PGConnection.class).getNotifications(1_000);
                    for (PGNotification n : some == null ? new PGNotification[0] : some) {
                        got.add("notification " + n.getName() + " " + n.getParameter());
                    }
                }
                t.append(String.join("\n", got)).append('\n');
                try {
                    ns.execute("SELECT 1 / 0");
                } catch (SQLException e) {
                    t.append(state(e));
                }
                ns.setQueryTimeout(1);
                try {
                    ns.execute("SELECT pg_sleep(30)");
                    t.append("not cancelled\n");
                } catch (SQLException e) {
                    t.append(state(e));
                }
                try (ResultSet rs = ns.executeQuery("SELECT 'still usable'")) {
                    rows(rs, t);
                }
            }
        });
    }

    // --- The read-only subset, through a non-writer ------------------------------------------------------

    /** Reads in the extended protocol on a read-only database: server-prepared statements past the threshold,
     *  a fetch-size portal in a transaction, parameter metadata and binary transfer (pgJDBC's
     *  PreparedStatementTest, CursorFetchTest, ParameterMetaDataTest, as they pass on read-only PostgreSQL). */
    @Test
    void readsPassThroughTheNonWriter() throws Exception {
        assertSameThroughNonWriter((c, t) -> {
            try (Connection conn = c.open("prepareThreshold", "2", "binaryTransfer", "true")) {
                try (PreparedStatement sel = conn.prepareStatement("SELECT v FROM cf_ro WHERE id = ?")) {
                    for (int i = 1; i <= 6; i++) {
                        sel.setInt(1, i);
                        try (ResultSet rs = sel.executeQuery()) {
                            rows(rs, t);
                        }
                    }
                }
                conn.setAutoCommit(false);
                try (PreparedStatement ps = conn.prepareStatement("SELECT id, v FROM cf_ro WHERE id > ? ORDER BY id")) {
                    ps.setFetchSize(4);
                    ps.setInt(1, 10);
                    try (ResultSet rs = ps.executeQuery()) {
                        rows(rs, t);
                    }
                }
                conn.commit();
                conn.setAutoCommit(true);
                try (PreparedStatement ps = conn.prepareStatement(
                        "SELECT ?::int4 + 1 AS n, ?::text[] AS arr, 'a=>1'::hstore AS h")) {
                    ParameterMetaData pmd = ps.getParameterMetaData();
                    for (int i = 1; i <= pmd.getParameterCount(); i++) {
                        t.append("param ").append(i).append(' ').append(pmd.getParameterTypeName(i)).append('\n');
                    }
                    ps.setInt(1, 41);
                    ps.setArray(2, conn.createArrayOf("text", new Object[] {"x", null}));
                    try (ResultSet rs = ps.executeQuery()) {
                        rows(rs, t);
                    }
                }
                // pgJDBC's PGObjectGetTest reads "select null::interval": the non-writer refused it with 25006
                // (the inspector did not understand "::interval") until the normaliser quoted the type name.
                try (PreparedStatement ps = conn.prepareStatement(
                        "SELECT null::interval AS i, ?::interval AS j, '2 days'::interval * 2 AS k")) {
                    ps.setString(1, "1 day");
                    try (ResultSet rs = ps.executeQuery()) {
                        rows(rs, t);
                    }
                }
            }
        });
    }

    /** Writes are refused with 25006 as read-only PostgreSQL refuses them, in autocommit and in a transaction
     *  (which is then aborted: 25P02 until ROLLBACK), and with autosave the driver's savepoint keeps the
     *  transaction usable; a read-only connection (pgJDBC's readOnly=true) and a query timeout's cancel behave
     *  alike (pgJDBC's ConnectionTest.readOnly_always, AutoRollbackTest, StatementTest). */
    @Test
    void writesAreRefusedAsReadOnlyPostgresRefusesThem() throws Exception {
        assertSameThroughNonWriter((c, t) -> {
            try (Connection conn = c.open(); Statement s = conn.createStatement()) {
                attempt(s, "SHOW default_transaction_read_only", t);
                attempt(s, "INSERT INTO cf_ro VALUES (100, 'x')", t);
                attempt(s, "UPDATE cf_ro SET v = 'y' WHERE id = 1", t);
                attempt(s, "SELECT count(*) FROM cf_ro", t);
                conn.setAutoCommit(false);
                attempt(s, "SELECT v FROM cf_ro WHERE id = 2", t);
                attempt(s, "DELETE FROM cf_ro WHERE id = 2", t);
                attempt(s, "SELECT 1 AS after_error", t);
                conn.rollback();
                attempt(s, "SELECT 2 AS after_rollback", t);
                conn.commit();
                conn.setAutoCommit(true);
                s.setQueryTimeout(1);
                attempt(s, "SELECT pg_sleep(30)", t);
                s.setQueryTimeout(0);
                attempt(s, "SELECT 'still usable' AS state", t);
            }
            try (Connection conn = c.open("autosave", "always"); Statement s = conn.createStatement()) {
                conn.setAutoCommit(false);
                attempt(s, "SELECT v FROM cf_ro WHERE id = 3", t);
                attempt(s, "INSERT INTO cf_ro VALUES (101, 'x')", t);
                attempt(s, "SELECT v FROM cf_ro WHERE id = 4", t);
                conn.commit();
            }
            try (Connection conn = c.open("readOnly", "true", "readOnlyMode", "always");
                 Statement s = conn.createStatement()) {
                t.append("readOnly ").append(conn.isReadOnly()).append('\n');
                attempt(s, "SELECT v FROM cf_ro WHERE id = 5", t);
                attempt(s, "INSERT INTO cf_ro VALUES (102, 'x')", t);
            }
        });
    }
}
