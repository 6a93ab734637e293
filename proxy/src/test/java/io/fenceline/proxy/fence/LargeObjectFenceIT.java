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
import org.postgresql.largeobject.LargeObject;
import org.postgresql.largeobject.LargeObjectManager;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/**
 * The database fence against large objects ({@link LargeObjectGrants}) and young tables ({@link
 * NewTableTrigger}), with a real PostgreSQL 15 and direct connections of roles that are not superusers. The
 * verdict is PostgreSQL's catalogs: {@code pg_largeobject_metadata} and {@code pg_largeobject} (read by the
 * superuser) are unchanged by every attempt on a fenced database, the writers' ACLs are back exactly as they
 * were after unfencing, and a table is guarded in the transaction that creates it.
 */
class LargeObjectFenceIT {

    /** Every writer's ACL, exploded and sorted: what unfencing must give back exactly. */
    private static final String ACLS = "SELECT string_agg(g, ', ' ORDER BY g) FROM (SELECT p.oid::regprocedure"
            + " || ' ' || a.grantor::regrole || '>' || CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE"
            + " a.grantee::regrole::text END || CASE WHEN a.is_grantable THEN '*' ELSE '' END AS g FROM pg_proc p,"
            + " aclexplode(COALESCE(p.proacl, acldefault('f', p.proowner))) a WHERE p.oid IN (715, 764, 767, 955, 957,"
            + " 964, 1004, 3172, 3457, 3460)) acl";
    /** Large objects, their owners and their bytes. */
    private static final String OBJECTS = "SELECT (SELECT count(*) || ':' || coalesce(string_agg(oid || '/'"
            + " || lomowner::regrole, ',' ORDER BY oid), '') FROM pg_largeobject_metadata) || ' '"
            + " || (SELECT coalesce(md5(string_agg(loid || ':' || pageno || ':' || encode(data, 'hex'), ','"
            + " ORDER BY loid, pageno)), '-') FROM pg_largeobject)";

    private static PostgresServer pg;
    private static long seed;
    private final AtomicReference<LeaseState> lease = new AtomicReference<>(new LeaseState.Acquiring("test"));
    private DatabaseFence fence;

    @BeforeAll
    static void startPostgres() {
        pg = PostgresServer.builder().start();
        for (String sql : List.of(
                "CREATE ROLE app LOGIN",
                "CREATE ROLE other LOGIN",
                "CREATE ROLE definer",
                "GRANT CREATE ON SCHEMA public TO app, definer",
                // A grant of the deployment's own, by a grantor that is not the owner: restored exactly.
                "GRANT EXECUTE ON FUNCTION lo_put(oid, bigint, bytea) TO app WITH GRANT OPTION",
                "SET ROLE app; GRANT EXECUTE ON FUNCTION lo_put(oid, bigint, bytea) TO other; RESET ROLE",
                "CREATE FUNCTION make_lo() RETURNS oid LANGUAGE sql AS $$ SELECT lo_from_bytea(0, 'function') $$",
                "SET ROLE definer; CREATE FUNCTION definer_make_lo() RETURNS oid LANGUAGE sql SECURITY DEFINER"
                        + " AS $$ SELECT lo_create(0) $$; RESET ROLE")) {
            pg.execute(sql);
        }
        seed = Long.parseLong(queryAs("app", "SELECT lo_from_bytea(0, 'seed bytes')"));
        pg.execute("GRANT SELECT, UPDATE ON LARGE OBJECT " + seed + " TO other");
    }

    @AfterAll
    static void stopPostgres() {
        if (pg != null) {
            pg.close();
        }
    }

    @AfterEach
    void closeFence() throws Exception {
        if (fence != null) {
            fence.close();
            fence = null;
        }
        // Every test starts from an unfenced database, whatever the last one left.
        holdLease();
        fence(FenceTriggers.defaults(pg.superuser())).writable("reset").get(20, TimeUnit.SECONDS);
        fence.close();
        fence = null;
    }

    private DatabaseFence fence(FenceTriggers triggers) {
        fence = new DatabaseFence(new ControlDatabase(pg.jdbcUrl("postgres"), pg.superuser(), null, null,
                Duration.ofSeconds(2)), new DatabaseFence.Guard(triggers, "the writer fence holds this database"
                + " read-only", lease::get, MonotonicClock.SYSTEM, 0.01, Duration.ofMillis(250)),
                Set::of, Set::of, pids -> { }, DatabaseFence.OpenWriters.CANCEL_AND_TERMINATE, 3);
        return fence;
    }

    private void holdLease() {
        lease.set(new LeaseState.Held(1, System.nanoTime() + Duration.ofMinutes(5).toNanos(), 3, System.nanoTime()));
    }

    private static Connection as(String role, String options) throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", role);
        if (options != null) {
            p.setProperty("options", options);
        }
        return DriverManager.getConnection(pg.jdbcUrl("postgres"), p);
    }

    private static String queryAs(String role, String sql) {
        try (Connection c = as(role, null); Statement s = c.createStatement(); var rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        } catch (SQLException e) {
            throw new IllegalStateException(sql, e);
        }
    }

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

    /** Statements in one read-write transaction of {@code role} (the session's read-only lifted). */
    private static Attempt sql(String role, String... statements) {
        return () -> {
            try (Connection c = as(role, "-c default_transaction_read_only=off"); Statement s = c.createStatement()) {
                s.execute("BEGIN READ WRITE");
                for (String sql : statements) {
                    s.execute(sql);
                }
                s.execute("COMMIT");
            }
        };
    }

    /** pgJDBC's LargeObjectManager: the fast-path FunctionCall protocol, straight to PostgreSQL. */
    private static Attempt manager(String what) {
        return () -> {
            try (Connection c = as("app", "-c default_transaction_read_only=off")) {
                c.setAutoCommit(false);
                LargeObjectManager lom = c.unwrap(PGConnection.class).getLargeObjectAPI();
                switch (what) {
                    case "create" -> lom.createLO(LargeObjectManager.READWRITE);
                    case "write" -> {
                        LargeObject lo = lom.open(seed, LargeObjectManager.WRITE);
                        lo.write(new byte[] {1, 2, 3});
                        lo.close();
                    }
                    case "truncate" -> {
                        LargeObject lo = lom.open(seed, LargeObjectManager.WRITE);
                        lo.truncate(1);
                        lo.close();
                    }
                    case "unlink" -> lom.unlink(seed);
                    default -> throw new IllegalArgumentException(what);
                }
                c.commit();
            }
        };
    }

    private static Map<String, Attempt> writes() {
        Map<String, Attempt> w = new LinkedHashMap<>();
        w.put("lo_create", sql("app", "SELECT lo_create(0)"));
        w.put("lo_creat", sql("app", "SELECT lo_creat(-1)"));
        w.put("lo_from_bytea", sql("app", "SELECT lo_from_bytea(0, 'x')"));
        w.put("lo_put (granted with grant option)", sql("app", "SELECT lo_put(" + seed + ", 0, 'x')"));
        w.put("lo_put by the grantee of a non-owner", sql("other", "SELECT lo_put(" + seed + ", 0, 'y')"));
        w.put("lowrite via SQL", sql("app", "SELECT lowrite(lo_open(" + seed + ", 131072), 'z')"));
        w.put("lo_truncate via SQL", sql("app", "SELECT lo_truncate(lo_open(" + seed + ", 131072), 0)"));
        w.put("lo_truncate64 via SQL", sql("app", "SELECT lo_truncate64(lo_open(" + seed + ", 131072), 0)"));
        w.put("lo_unlink of its own", sql("app", "SELECT lo_unlink(" + seed + ")"));
        w.put("lo_import (server file)", sql("app", "SELECT lo_import('/etc/hostname')"));
        w.put("an SQL function", sql("app", "SELECT make_lo()"));
        w.put("a DO block", sql("app", "DO $$ BEGIN PERFORM lo_create(0); END $$"));
        w.put("SECURITY DEFINER of a non-superuser", sql("app", "SELECT definer_make_lo()"));
        w.put("LargeObjectManager.createLO", manager("create"));
        w.put("LargeObjectManager write", manager("write"));
        w.put("LargeObjectManager truncate", manager("truncate"));
        w.put("LargeObjectManager.unlink", manager("unlink"));
        return w;
    }

    @Test
    void aFencedDatabaseRefusesEveryLargeObjectWriteAndUnfencingGivesBackExactlyTheGrants() throws Exception {
        String aclsBefore = pg.queryValue("postgres", ACLS);
        holdLease();
        DatabaseFence f = fence(FenceTriggers.defaults(pg.superuser()));
        f.writable("writer").get(20, TimeUnit.SECONDS);
        assertEquals(aclsBefore, pg.queryValue("postgres", ACLS), "unfencing a database never fenced changes no ACL");
        f.readOnly("not the writer").get(20, TimeUnit.SECONDS);
        // Fencing again (a repeated request; a restarted proxy below) keeps the first record.
        f.readOnly("again").get(20, TimeUnit.SECONDS);
        String objects = pg.queryValue("postgres", OBJECTS);

        Map<String, String> outcomes = new LinkedHashMap<>();
        writes().forEach((name, attempt) -> outcomes.put(name, outcome(attempt)));
        System.out.println("[lo-fence] outcomes on a fenced database: " + outcomes);
        assertEquals(List.of(), outcomes.entrySet().stream().filter(e -> e.getValue().equals("committed"))
                .map(Map.Entry::getKey).toList(), "large-object writes that committed: " + outcomes);
        outcomes.forEach((name, state) -> assertEquals("42501", state, name + ": " + outcomes));
        assertEquals(objects, pg.queryValue("postgres", OBJECTS), "pg_largeobject changed on a fenced database");
        String recorded = pg.queryValue("postgres", "SELECT string_agg(writer || grants::text, ';' ORDER BY writer)"
                + " FROM fenceline.large_object_grants");

        // Reads still work on a fenced database (a non-writer serves them).
        assertEquals("seed bytes", queryAs("app", "SELECT convert_from(lo_get(" + seed + "), 'UTF8')"));

        // A fenced database restarted stays fenced, and a fence started anew (the proxy restarted) keeps the record.
        f.close();
        fence = null;
        pg.stop();
        pg.start();
        assertEquals("42501", outcome(sql("app", "SELECT lo_create(0)")), "after a restart");
        assertEquals("42501", outcome(manager("create")), "after a restart, fast path");
        DatabaseFence g = fence(FenceTriggers.defaults(pg.superuser()));
        g.readOnly("restarted proxy, not the writer").get(20, TimeUnit.SECONDS);
        assertEquals(recorded, pg.queryValue("postgres", "SELECT string_agg(writer || grants::text, ';' ORDER BY"
                + " writer) FROM fenceline.large_object_grants"), "a second fence overwrote the record");
        assertEquals(objects, pg.queryValue("postgres", OBJECTS));

        g.writable("writer again").get(20, TimeUnit.SECONDS);
        assertEquals(aclsBefore, pg.queryValue("postgres", ACLS), "the writers' grants after unfencing");
        assertEquals("0", pg.queryValue("postgres", "SELECT count(*) FROM fenceline.large_object_grants"));
        Map<String, String> after = new LinkedHashMap<>();
        for (String name : List.of("lo_create", "lo_from_bytea", "lo_put (granted with grant option)",
                "lo_put by the grantee of a non-owner", "lowrite via SQL", "an SQL function", "a DO block",
                "SECURITY DEFINER of a non-superuser", "LargeObjectManager.createLO", "LargeObjectManager write")) {
            after.put(name, outcome(writes().get(name)));
        }
        after.values().forEach(v -> assertEquals("committed", v, "after unfencing: " + after));
        assertNotEquals(objects, pg.queryValue("postgres", OBJECTS), "the writes after unfencing landed");
    }

    @Test
    void withoutTheLayerEveryLargeObjectWriterCommitsOnAReadOnlyDatabase() throws Exception {
        // What PostgreSQL does by itself: default_transaction_read_only = on stops none of them.
        holdLease();
        DatabaseFence f = fence(FenceTriggers.off());
        f.readOnly("fence of before").get(20, TimeUnit.SECONDS);
        try (Connection c = as("app", null); Statement s = c.createStatement()) {
            s.execute("SELECT lo_unlink(lo_from_bytea(0, 'read-only?'))");
            s.execute("SELECT lo_create(0)");
            try (var rs = s.executeQuery("SHOW transaction_read_only")) {
                rs.next();
                assertEquals("on", rs.getString(1));
            }
        }
        f.writable("writer").get(20, TimeUnit.SECONDS);
    }

    @Test
    void aTableIsGuardedInTheTransactionThatCreatesIt() throws Exception {
        holdLease();
        DatabaseFence f = fence(FenceTriggers.defaults(pg.superuser()));
        f.readOnly("not the writer").get(20, TimeUnit.SECONDS);
        try (Connection c = as("app", "-c default_transaction_read_only=off"); Statement s = c.createStatement()) {
            c.setAutoCommit(false);
            s.execute("CREATE TABLE young (id int)");
            s.execute("CREATE TABLE young_as AS SELECT 1 AS id");
            s.execute("SELECT 1 AS id INTO young_into");
            s.execute("CREATE TABLE young_parted (id int) PARTITION BY RANGE (id)");
            s.execute("CREATE TABLE young_part PARTITION OF young_parted FOR VALUES FROM (0) TO (10)");
            s.execute("CREATE UNLOGGED TABLE young_unlogged (id int)");
            s.execute("CREATE TEMP TABLE young_temp (id int)");
            try (var rs = s.executeQuery("SELECT string_agg(tgrelid::regclass::text, ',' ORDER BY tgrelid::regclass::text COLLATE \"C\") FROM pg_trigger"
                    + " WHERE tgname = 'fenceline_fence' AND tgrelid::regclass::text LIKE 'young%'")) {
                rs.next();
                // Before its COMMIT: the cover, a second later, could not even see these tables.
                assertEquals("young,young_as,young_into,young_part,young_parted,young_unlogged", rs.getString(1));
            }
            s.execute("GRANT INSERT ON young TO other");
            c.commit();
        }
        // A non-owner's write right after the creator's COMMIT.
        assertEquals("25006", outcome(sql("other", "INSERT INTO young VALUES (1)")));
        assertEquals("0", pg.queryValue("postgres", "SELECT count(*) FROM young"));
        // The function cannot be called by anybody, and the event trigger cannot be dropped by a non-superuser.
        assertEquals("42501", outcome(sql("app", "DROP EVENT TRIGGER fenceline_fence_new_tables")));
        assertFalse(outcome(sql("app", "SELECT fenceline.fence_new_tables()")).equals("committed"));
        // Repaired when disabled: at the fence's next check of its objects (every 10 s).
        pg.execute("BEGIN READ WRITE; ALTER EVENT TRIGGER fenceline_fence_new_tables DISABLE; COMMIT");
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        String enabled;
        do {
            Thread.sleep(100);
            enabled = pg.queryValue("postgres", "SELECT evtenabled FROM pg_event_trigger"
                    + " WHERE evtname = 'fenceline_fence_new_tables'");
        } while (!"O".equals(enabled) && System.nanoTime() < end);
        assertEquals("O", enabled, "the event trigger enabled again");
        pg.execute("BEGIN READ WRITE; DROP TABLE young, young_as, young_into, young_parted, young_unlogged; COMMIT");
        f.writable("writer").get(20, TimeUnit.SECONDS);
    }
}
