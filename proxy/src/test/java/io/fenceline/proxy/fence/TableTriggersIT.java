package io.fenceline.proxy.fence;

import io.fenceline.config.coordination.LeaseState;
import io.fenceline.config.coordination.MonotonicClock;
import io.fenceline.config.group.ControlDatabase;
import io.fenceline.config.group.FenceTriggers;
import io.fenceline.testing.PostgresServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.postgresql.PGConnection;

import java.io.StringReader;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The layer of the database fence that a session cannot lift, against a real PostgreSQL 15, through direct
 * connections of a role that is neither a superuser nor an owner of the tables ({@code app}). The verdict comes
 * from PostgreSQL: a {@code test_decoding} slot created before the attempts decodes no change of the guarded
 * tables, and their rows are unchanged. The lease is a value the test sets, so the test can renew it or stop.
 */
class TableTriggersIT {

    private static PostgresServer pg;
    private static PostgresServer subscriber;
    private final AtomicReference<LeaseState> lease = new AtomicReference<>(new LeaseState.Acquiring("test"));
    private DatabaseFence fence;

    @BeforeAll
    static void startPostgres() {
        pg = PostgresServer.builder().start();
        for (String sql : List.of(
                "CREATE TABLE g (id bigint PRIMARY KEY, note text)",
                "INSERT INTO g SELECT i, 'seed' FROM generate_series(1, 10) i",
                "CREATE TABLE parted (id bigint, note text) PARTITION BY RANGE (id)",
                "CREATE TABLE parted_1 PARTITION OF parted FOR VALUES FROM (0) TO (1000)",
                "CREATE VIEW gv AS SELECT id, note FROM g",
                "CREATE FUNCTION write_g(n bigint) RETURNS bigint LANGUAGE plpgsql AS"
                        + " $$ BEGIN INSERT INTO g VALUES (n, 'function'); RETURN n; END $$",
                "CREATE FUNCTION definer_write_g(n bigint) RETURNS bigint LANGUAGE plpgsql SECURITY DEFINER AS"
                        + " $$ BEGIN INSERT INTO g VALUES (n, 'definer'); RETURN n; END $$",
                "CREATE FUNCTION lift() RETURNS text LANGUAGE sql AS"
                        + " $$ SELECT set_config('default_transaction_read_only', 'off', false) $$",
                "CREATE ROLE app LOGIN",
                "GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON g, gv, parted, parted_1 TO app",
                "GRANT CREATE ON SCHEMA public TO app",
                "GRANT CREATE ON DATABASE postgres TO app")) {
            pg.execute(sql);
        }
    }

    @AfterAll
    static void stopPostgres() {
        for (PostgresServer p : new PostgresServer[] {subscriber, pg}) {
            if (p != null) {
                p.close();
            }
        }
    }

    @AfterEach
    void closeFence() throws Exception {
        if (fence != null) {
            fence.close();
        }
        pg.execute("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = 'oracle'");
    }

    /** As the superuser (exempt from the triggers), in a read-write transaction whatever the setting says. */
    private static void superuser(PostgresServer on, String sql) {
        on.execute("BEGIN READ WRITE; " + sql + "; COMMIT");
    }

    private DatabaseFence fence(PostgresServer on, FenceTriggers triggers) {
        fence = new DatabaseFence(new ControlDatabase(on.jdbcUrl("postgres"), on.superuser(), null, null,
                Duration.ofSeconds(2)), new DatabaseFence.Guard(triggers, "the writer fence of group it holds this"
                + " database read-only", lease::get, MonotonicClock.SYSTEM, 0.01, Duration.ofMillis(250)),
                Set::of, Set::of, pids -> { }, DatabaseFence.OpenWriters.CANCEL_AND_TERMINATE, 3);
        return fence;
    }

    private void holdLease(long id, Duration left) {
        lease.set(new LeaseState.Held(id, System.nanoTime() + left.toNanos(), 3, System.nanoTime()));
    }

    private static Connection app(PostgresServer on, String options) throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", "app");
        if (options != null) {
            p.setProperty("options", options);
        }
        return DriverManager.getConnection(on.jdbcUrl("postgres"), p);
    }

    /** The changes to guarded tables the slot decodes since the last call. */
    private static List<String> decodedChanges() {
        List<String> changes = new ArrayList<>();
        try (Connection c = pg.connect(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT data FROM pg_logical_slot_get_changes('oracle', NULL, NULL)"
                     + " WHERE data LIKE 'table public.%'")) {
            while (rs.next()) {
                changes.add(rs.getString(1));
            }
        } catch (SQLException e) {
            throw new AssertionError("cannot read the slot", e);
        }
        return changes;
    }

    private static String rows(PostgresServer on) {
        return on.queryValue("postgres", "SELECT count(*) || ':' || coalesce(md5(string_agg(id || note, ',' ORDER BY id)),"
                + " '') FROM g") + "/" + on.queryValue("postgres", "SELECT count(*) FROM parted");
    }

    /** Runs one attempt; returns "committed" or the SQLSTATE of the error that stopped it. */
    private interface Attempt {
        void run() throws Exception;
    }

    private static String outcome(Attempt a) {
        try {
            a.run();
            return "committed";
        } catch (SQLException e) {
            return e.getSQLState();
        } catch (Exception e) {
            return e.toString();
        }
    }

    private static Attempt sql(String options, String... statements) {
        return () -> {
            try (Connection c = app(pg, options); Statement s = c.createStatement()) {
                for (String sql : statements) {
                    s.execute(sql);
                }
            }
        };
    }

    @Test
    void aFencedDatabaseRefusesEveryWriteOfANonOwnerWhateverItSets() throws Exception {
        holdLease(1, Duration.ofMinutes(5));
        DatabaseFence f = fence(pg, FenceTriggers.defaults(pg.superuser()));
        f.writable("writer").get(20, TimeUnit.SECONDS);
        // A REPEATABLE READ transaction whose snapshot was taken while the database was open.
        Connection early = app(pg, null);
        early.setAutoCommit(false);
        early.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
        try (Statement s = early.createStatement()) {
            s.executeQuery("SELECT count(*) FROM g").close();
        }
        f.readOnly("not the writer").get(20, TimeUnit.SECONDS);
        pg.execute("SELECT pg_create_logical_replication_slot('oracle', 'test_decoding')");
        String before = rows(pg);

        Map<String, Attempt> writes = new LinkedHashMap<>();
        writes.put("INSERT", sql(null, "INSERT INTO g VALUES (100, 'x')"));
        writes.put("UPDATE", sql(null, "UPDATE g SET note = 'x'"));
        writes.put("DELETE", sql(null, "DELETE FROM g"));
        writes.put("TRUNCATE", sql(null, "TRUNCATE g"));
        writes.put("BEGIN READ WRITE", sql(null, "BEGIN READ WRITE", "INSERT INTO g VALUES (101, 'x')", "COMMIT"));
        writes.put("START TRANSACTION READ WRITE", sql(null, "START TRANSACTION READ WRITE", "DELETE FROM g", "COMMIT"));
        writes.put("SET default_transaction_read_only = off", sql(null, "SET default_transaction_read_only = off",
                "UPDATE g SET note = 'x'"));
        writes.put("SET SESSION CHARACTERISTICS", sql(null, "SET SESSION CHARACTERISTICS AS TRANSACTION READ WRITE",
                "INSERT INTO g VALUES (102, 'x')"));
        writes.put("SET transaction_read_only", sql(null, "BEGIN", "SET transaction_read_only = off",
                "INSERT INTO g VALUES (103, 'x')", "COMMIT"));
        writes.put("startup options", sql("-c default_transaction_read_only=off", "INSERT INTO g VALUES (104, 'x')"));
        writes.put("set_config in a function", sql(null, "SELECT lift()", "INSERT INTO g VALUES (105, 'x')"));
        writes.put("set_config transaction_read_only", sql(null, "BEGIN",
                "SELECT set_config('transaction_read_only', 'off', true)", "DELETE FROM g", "COMMIT"));
        writes.put("writing function", sql(null, "BEGIN READ WRITE", "SELECT write_g(106)", "COMMIT"));
        writes.put("SECURITY DEFINER function of the superuser", sql(null, "BEGIN READ WRITE",
                "SELECT definer_write_g(107)", "COMMIT"));
        writes.put("CTE with DELETE", sql(null, "BEGIN READ WRITE",
                "WITH d AS (DELETE FROM g RETURNING *) SELECT count(*) FROM d", "COMMIT"));
        writes.put("INSERT ON CONFLICT DO UPDATE", sql("-c default_transaction_read_only=off",
                "INSERT INTO g VALUES (1, 'x') ON CONFLICT (id) DO UPDATE SET note = 'conflict'"));
        writes.put("INSERT ON CONFLICT DO NOTHING", sql("-c default_transaction_read_only=off",
                "INSERT INTO g VALUES (108, 'x') ON CONFLICT DO NOTHING"));
        writes.put("MERGE", sql("-c default_transaction_read_only=off", "MERGE INTO g USING (SELECT 2 AS id) s"
                + " ON g.id = s.id WHEN MATCHED THEN UPDATE SET note = 'merged'"));
        writes.put("writable view", sql("-c default_transaction_read_only=off", "INSERT INTO gv VALUES (109, 'view')"));
        writes.put("view of its own", sql("-c default_transaction_read_only=off",
                "CREATE TEMP VIEW mine AS SELECT * FROM g", "UPDATE mine SET note = 'x'"));
        writes.put("partitioned table", sql("-c default_transaction_read_only=off", "INSERT INTO parted VALUES (1, 'x')"));
        writes.put("a partition directly", sql("-c default_transaction_read_only=off",
                "INSERT INTO parted_1 VALUES (2, 'x')"));
        writes.put("COPY FROM STDIN", () -> {
            try (Connection c = app(pg, "-c default_transaction_read_only=off")) {
                c.unwrap(PGConnection.class).getCopyAPI().copyIn("COPY g FROM STDIN", new StringReader("110\tcopy\n"));
            }
        });
        writes.put("REPEATABLE READ begun before the fence", () -> {
            try (Statement s = early.createStatement()) {
                s.execute("INSERT INTO g VALUES (111, 'early')");
            }
            early.commit();
        });
        Map<String, String> refusals = new LinkedHashMap<>();
        writes.put("setval of the fence's sequence", sql(null,
                "SELECT setval('fenceline.fence_open_until', 9000000000000)", "INSERT INTO g VALUES (112, 'x')"));
        writes.put("nextval of the fence's sequence", sql(null, "SELECT nextval('fenceline.fence_open_until')"));
        writes.put("ALTER SEQUENCE", sql("-c default_transaction_read_only=off", "ALTER SEQUENCE fenceline.fence_open_until RESTART WITH 9000000000000"));
        writes.put("replace the guard", sql("-c default_transaction_read_only=off", "CREATE OR REPLACE FUNCTION fenceline.fence_guard() RETURNS trigger"
                + " LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$"));
        writes.put("DROP TRIGGER", sql("-c default_transaction_read_only=off", "DROP TRIGGER fenceline_fence ON g"));
        writes.put("DISABLE TRIGGER", sql("-c default_transaction_read_only=off", "ALTER TABLE g DISABLE TRIGGER fenceline_fence"));
        writes.put("DISABLE TRIGGER ALL", sql("-c default_transaction_read_only=off", "ALTER TABLE g DISABLE TRIGGER ALL"));
        writes.put("session_replication_role = replica", sql(null, "SET session_replication_role = replica",
                "INSERT INTO g VALUES (113, 'x')"));
        writes.put("operators of its own first in search_path", sql("-c default_transaction_read_only=off",
                "CREATE SCHEMA IF NOT EXISTS evil",
                "CREATE OR REPLACE FUNCTION evil.yes(timestamptz, timestamptz) RETURNS boolean LANGUAGE sql"
                        + " AS 'SELECT true'",
                "DROP OPERATOR IF EXISTS evil.< (timestamptz, timestamptz)",
                "CREATE OPERATOR evil.< (LEFTARG = timestamptz, RIGHTARG = timestamptz, FUNCTION = evil.yes)",
                "SET search_path = evil, pg_catalog, public", "INSERT INTO g VALUES (114, 'x')"));
        writes.forEach((name, attempt) -> refusals.put(name, outcome(attempt)));
        early.close();

        List<String> committed = refusals.entrySet().stream().filter(e -> e.getValue().equals("committed"))
                .map(Map.Entry::getKey).toList();
        System.out.println("[fence] outcomes on a fenced database, role app: " + refusals);
        assertEquals(List.of(), committed, "attempts that committed: " + refusals);
        assertEquals(List.of(), decodedChanges(), "the slot decoded changes of the app's sessions: " + refusals);
        assertEquals(before, rows(pg), "rows of the guarded tables changed");
        for (String lifted : List.of("BEGIN READ WRITE", "SET default_transaction_read_only = off", "startup options",
                "writing function", "REPEATABLE READ begun before the fence", "COPY FROM STDIN", "MERGE")) {
            assertEquals("25006", refusals.get(lifted), lifted + ": " + refusals);
        }
        for (String privileged : List.of("setval of the fence's sequence", "nextval of the fence's sequence",
                "DROP TRIGGER", "DISABLE TRIGGER", "DISABLE TRIGGER ALL", "ALTER SEQUENCE", "replace the guard",
                "session_replication_role = replica")) {
            assertEquals("42501", refusals.get(privileged), privileged + ": " + refusals);
        }
        assertEquals("0", pg.queryValue("postgres", "SELECT count(*) FROM pg_trigger WHERE tgname = 'fenceline_fence'"
                + " AND tgenabled <> 'O'"), "every guard trigger still enabled");
    }

    @Test
    void unfencingRestoresWritesExactlyAndATableCreatedAfterTheFenceIsCovered() throws Exception {
        holdLease(2, Duration.ofMinutes(5));
        DatabaseFence f = fence(pg, FenceTriggers.defaults(pg.superuser()));
        f.readOnly("not the writer").get(20, TimeUnit.SECONDS);
        superuser(pg, "CREATE TABLE IF NOT EXISTS later (id bigint PRIMARY KEY)");
        superuser(pg, "GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON later TO app");
        await("the trigger on a table created after the fence", Duration.ofSeconds(30), () -> "1".equals(
                pg.queryValue("postgres", "SELECT count(*) FROM pg_trigger WHERE tgname = 'fenceline_fence'"
                        + " AND tgrelid = 'later'::regclass")));
        assertEquals("25006", outcome(sql("-c default_transaction_read_only=off", "INSERT INTO later VALUES (1)")));
        // An exempt role (control's: here the fence's own superuser) still applies what it must.
        superuser(pg, "INSERT INTO later VALUES (2) ON CONFLICT DO NOTHING");

        f.writable("writer again").get(20, TimeUnit.SECONDS);
        long id = 1000 + (System.nanoTime() & 0xffff);
        for (String sql : List.of("INSERT INTO later VALUES (" + id + ")", "UPDATE later SET id = id WHERE id = " + id,
                "INSERT INTO g VALUES (" + id + ", 'open') ON CONFLICT (id) DO UPDATE SET note = 'open'",
                "UPDATE g SET note = note WHERE id = " + id, "DELETE FROM later WHERE id = " + id,
                "DELETE FROM g WHERE id = " + id, "TRUNCATE later")) {
            assertEquals("committed", outcome(sql(null, sql)), sql);
        }
        assertEquals("off", pg.queryValue("postgres", "SHOW default_transaction_read_only"));
    }

    @Test
    void aFenceThatStopsRenewingLeavesItsDatabaseFencedAtTheDeadlineWithoutAnyoneActing() throws Exception {
        holdLease(3, Duration.ofSeconds(3));
        DatabaseFence f = fence(pg, FenceTriggers.defaults(pg.superuser()));
        f.writable("writer").get(20, TimeUnit.SECONDS);
        long renewedUntil = System.nanoTime() + Duration.ofSeconds(6).toNanos();
        // Renewals: the lease keeper's deadline moves on, the fence follows it past the first deadline.
        while (System.nanoTime() < renewedUntil) {
            holdLease(3, Duration.ofSeconds(3));
            assertEquals("committed", outcome(sql(null, "UPDATE g SET note = note WHERE id = 1")),
                    "a write while the lease is renewed");
            Thread.sleep(200);
        }
        // The proxy dies: its fence is gone without fencing anything (no request, no worker).
        long deadline = lease.get() instanceof LeaseState.Held h ? h.deadlineNanos() : 0;
        f.close();
        fence = null;
        pg.execute("SELECT pg_create_logical_replication_slot('oracle', 'test_decoding')");
        String before = rows(pg);
        // Nobody acts from here on: the test only waits for the dead fence's deadline to pass, then writes.
        long closedBefore = 0;
        while (System.nanoTime() - deadline < 0) {
            // A statement that changes no row still fires the statement trigger: a probe that writes nothing.
            long probeAt = System.nanoTime();
            if (closedBefore == 0 && "25006".equals(outcome(sql(null, "UPDATE g SET note = 'late' WHERE false")))) {
                closedBefore = deadline - probeAt;
            }
            Thread.sleep(20);
        }
        System.out.printf("[fence] the dead fence's database refused a probe begun %s before its deadline%n",
                closedBefore == 0 ? "not measurably" : closedBefore / 1_000_000 + " ms");
        assertEquals("25006", outcome(sql(null, "UPDATE g SET note = 'late' WHERE id = 1")),
                "a direct write after the deadline of a fence that stopped renewing");
        assertEquals("off", pg.queryValue("postgres", "SHOW default_transaction_read_only"),
                "nobody fenced by ALTER SYSTEM: the trigger layer closed by itself");
        for (String options : new String[] {null, "-c default_transaction_read_only=off"}) {
            assertEquals("25006", outcome(sql(options, "BEGIN READ WRITE", "INSERT INTO g VALUES (200, 'dead')",
                    "COMMIT")));
        }
        assertEquals(List.of(), decodedChanges());
        assertEquals(before, rows(pg));
    }

    @Test
    void logicalReplicationStillAppliesOnAFencedSubscriber() throws Exception {
        subscriber = PostgresServer.builder().start();
        subscriber.execute("CREATE TABLE g (id bigint PRIMARY KEY, note text)");
        subscriber.execute("CREATE ROLE app LOGIN");
        subscriber.execute("GRANT SELECT, INSERT, UPDATE, DELETE ON g TO app");
        superuser(pg, "CREATE PUBLICATION pub_g FOR TABLE g");
        subscriber.execute("CREATE SUBSCRIPTION sub_g CONNECTION 'host=127.0.0.1 port=" + pg.port()
                + " user=postgres dbname=postgres' PUBLICATION pub_g");
        DatabaseFence f = fence(subscriber, FenceTriggers.defaults(subscriber.superuser()));
        f.readOnly("a subscriber").get(20, TimeUnit.SECONDS);
        assertEquals("1", subscriber.queryValue("postgres", "SELECT count(*) FROM pg_trigger"
                + " WHERE tgname = 'fenceline_fence' AND tgrelid = 'g'::regclass"), "the subscriber's g is guarded");
        long id = 5000 + (System.nanoTime() & 0xffff);
        superuser(pg, "INSERT INTO g VALUES (" + id + ", 'from the writer')");
        superuser(pg, "UPDATE g SET note = 'updated by the writer' WHERE id = 1");
        superuser(pg, "DELETE FROM g WHERE id = 2");
        await("rows from the writer on the fenced subscriber", Duration.ofSeconds(60), () -> "t".equals(
                subscriber.queryValue("postgres", "SELECT EXISTS (SELECT 1 FROM g WHERE id = " + id + ")"
                        + " AND EXISTS (SELECT 1 FROM g WHERE id = 1 AND note = 'updated by the writer')"
                        + " AND NOT EXISTS (SELECT 1 FROM g WHERE id = 2)")));
        try (Connection c = app(subscriber, "-c default_transaction_read_only=off"); Statement s = c.createStatement()) {
            s.execute("INSERT INTO g VALUES (" + (id + 1) + ", 'direct')");
            fail("a direct write on the fenced subscriber committed");
        } catch (SQLException e) {
            assertEquals("25006", e.getSQLState());
        }
        f.close();
        fence = null;
        subscriber.close();
        subscriber = null;
        await("the subscription's slot released", Duration.ofSeconds(30), () -> "0".equals(pg.queryValue("postgres",
                "SELECT count(*) FROM pg_replication_slots WHERE slot_name = 'sub_g' AND active")));
        pg.execute("SELECT pg_drop_replication_slot('sub_g')");
        superuser(pg, "DROP PUBLICATION pub_g");
    }

    private static void await(String what, Duration timeout, BooleanSupplier condition) throws InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) {
                fail(what + ": not within " + timeout.toSeconds() + " s");
            }
            Thread.sleep(50);
        }
    }
}
