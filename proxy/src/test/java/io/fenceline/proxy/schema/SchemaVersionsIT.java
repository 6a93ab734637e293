package io.fenceline.proxy.schema;

import io.fenceline.config.coordination.Coordinator;
import io.fenceline.config.coordination.EtcdAccess;
import io.fenceline.config.coordination.EtcdSettings;
import io.fenceline.config.file.ProxySettings;
import io.fenceline.config.file.SchemaSettings;
import io.fenceline.config.group.ControlDatabase;
import io.fenceline.config.group.Failover;
import io.fenceline.config.group.GroupSettings;
import io.fenceline.config.records.ProxyStatus;
import io.fenceline.config.records.Catalog;
import io.fenceline.config.records.Window;
import io.fenceline.proxy.ProxyProcess;
import io.fenceline.proxy.TestProxies;
import io.fenceline.testing.EtcdCluster;
import io.fenceline.testing.PostgresServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.postgresql.util.PSQLException;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Schema-version enforcement through a real {@link ProxyProcess}, with the window and catalogs in a real etcd
 * and a real PostgreSQL behind, driven by pgJDBC clients of two versions at once. Version 1 has
 * {@code users(id, name)}; version 2 adds {@code users.email} and {@code orders}. The database holds both (the
 * state after expand). Each test uses its own group (fresh window and catalogs) and its own proxy.
 */
class SchemaVersionsIT {

    private static final AtomicInteger GROUPS = new AtomicInteger();
    private static final String CONTROL = "migrator";

    private static PostgresServer pg;
    private static EtcdCluster etcd;
    private static Coordinator control;

    private String group;
    private ProxyProcess proxy;

    @BeforeAll
    static void start() throws SQLException {
        pg = PostgresServer.builder().start();
        etcd = EtcdCluster.start(1);
        control = Coordinator.connect(EtcdSettings.defaults(etcd.endpoints()));
        pg.execute("CREATE ROLE " + CONTROL + " LOGIN");
        pg.execute("CREATE ROLE app LOGIN");
        pg.execute("GRANT CREATE ON SCHEMA public TO " + CONTROL);
        try (Connection c = DriverManager.getConnection(pg.jdbcUrl("postgres"), CONTROL, "");
             Statement s = c.createStatement()) {
            s.execute("CREATE TABLE users (id int PRIMARY KEY, name text, email text)");
            s.execute("CREATE TABLE orders (id int PRIMARY KEY, user_id int, total numeric)");
            s.execute("INSERT INTO users VALUES (1, 'ada', 'ada@example.com')");
            s.execute("GRANT SELECT, INSERT, UPDATE, DELETE ON users, orders TO app");
        }
    }

    @AfterAll
    static void stop() {
        if (control != null) {
            control.close();
        }
        if (etcd != null) {
            etcd.close();
        }
        if (pg != null) {
            pg.close();
        }
    }

    @BeforeEach
    void startProxy() {
        proxy = ProxyProcess.start(schemaSettings(TestProxies.settings(pg), Optional.empty()));
    }

    /** {@code base} with a fresh group's window {1, 2} and catalogs in etcd, and {@code schema:} following them. */
    private ProxySettings schemaSettings(ProxySettings base, Optional<ProxySettings.Group> authority) {
        group = "schema-it-" + GROUPS.incrementAndGet();
        publish(new Window(1, 2));
        control.store().put(control.keys().catalog(group, 1),
                new Catalog(1, "c1", Map.of("users", List.of("id", "name")))).join();
        control.store().put(control.keys().catalog(group, 2), new Catalog(2, "c2",
                Map.of("users", List.of("id", "name", "email"), "orders", List.of("id", "user_id", "total")))).join();
        return new ProxySettings(base.listen(), base.upstream(), base.tls(), base.limits(),
                base.admin(), base.shutdownGrace(), base.inspection(),
                Optional.of(new ProxySettings.Etcd(EtcdSettings.defaults(etcd.endpoints()), EtcdAccess.NONE)),
                authority, Optional.of(SchemaSettings.of(group, CONTROL)));
    }

    @AfterEach
    void stopProxy() {
        if (proxy != null) {
            proxy.close();
        }
    }

    private void publish(Window w) {
        control.store().put(control.keys().window(group), w).join();
    }

    private Connection connect(String user, Integer version) throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", user);
        if (version != null) {
            p.setProperty("options", "-c fenceline.schema_version=" + version);
        }
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + proxy.server().address().getPort() + "/postgres", p);
    }

    private static String value(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            assertTrue(rs.next(), sql);
            return rs.getString(1);
        }
    }

    private static PSQLException refused(Connection c, String sql, String sqlState) {
        PSQLException e = assertThrows(PSQLException.class, () -> value(c, sql), sql);
        assertEquals(sqlState, e.getSQLState(), e.getMessage());
        return e;
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within 10 s: " + what);
            }
            Thread.sleep(10);
        }
    }

    private Map<Integer, Integer> counts() {
        return proxy.versionsInUse().get();
    }

    @Test
    void twoVersionsAtOnceEachSeeExactlyTheirCatalog() throws Exception {
        try (Connection v1 = connect("app", 1); Connection v2 = connect("app", 2)) {
            assertEquals("1", value(v1, "SHOW fenceline.schema_version"), "PostgreSQL took the placeholder setting");
            assertEquals("ada", value(v1, "SELECT name FROM users WHERE id = 1"));
            PSQLException column = refused(v1, "SELECT email FROM users WHERE id = 1", "42703");
            assertTrue(column.getServerErrorMessage().getHint().contains("schema version 2"),
                    column.getServerErrorMessage().getHint());
            refused(v1, "SELECT count(*) FROM orders", "42P01");
            try (PreparedStatement ps = v1.prepareStatement("UPDATE users SET email = ? WHERE id = ?")) {
                ps.setString(1, "x");
                ps.setInt(2, 1);
                assertEquals("42703", assertThrows(PSQLException.class, ps::executeUpdate).getSQLState());
            }
            assertEquals("ada", value(v1, "SELECT name FROM users WHERE id = 1"), "the session stays usable");

            assertEquals("ada@example.com", value(v2, "SELECT email FROM users WHERE id = 1"));
            assertEquals("0", value(v2, "SELECT count(*) FROM orders"));
            try (PreparedStatement ps = v2.prepareStatement("SELECT u.email FROM users u WHERE u.id = ?")) {
                for (int i = 0; i < 6; i++) {
                    // Past pgJDBC's prepareThreshold: a named server-side statement.
                    ps.setInt(1, 1);
                    try (ResultSet rs = ps.executeQuery()) {
                        assertTrue(rs.next());
                    }
                }
            }
            assertEquals("pg_type", value(v1, "SELECT relname FROM pg_class WHERE relname = 'pg_type'"),
                    "system catalogs are not checked");
            assertEquals(Map.of(1, 1, 2, 1), counts());
            String metrics = proxy.scrape();
            assertTrue(metrics.contains("fenceline_proxy_schema_connections{version=\"1\"} 1.0"), metrics);
            assertTrue(metrics.contains("fenceline_proxy_schema_refused_total{reason=\"column\"} 2.0"), metrics);
            assertTrue(metrics.contains("fenceline_proxy_schema_refused_total{reason=\"table\"} 1.0"), metrics);
        }
        await("the counts drop to nothing", () -> counts().isEmpty());
    }

    @Test
    void setFollowsPostgresqlsTransactionRules() throws Exception {
        try (Connection c = connect("app", null)) {
            assertEquals("ada@example.com", value(c, "SELECT email FROM users WHERE id = 1"), "undeclared gets the newest, 2");
            assertEquals(Map.of(2, 1), counts());
            try (Statement s = c.createStatement()) {
                s.execute("SET fenceline.schema_version = 1");
            }
            refused(c, "SELECT email FROM users WHERE id = 1", "42703");
            assertEquals(Map.of(1, 1), counts());

            c.setAutoCommit(false);
            try (Statement s = c.createStatement()) {
                s.execute("SET fenceline.schema_version = 2");
            }
            assertEquals("ada@example.com", value(c, "SELECT email FROM users WHERE id = 1"));
            c.rollback();
            refused(c, "SELECT email FROM users WHERE id = 1", "42703");
            c.rollback();
            assertEquals("1", value(c, "SHOW fenceline.schema_version"), "PostgreSQL agrees: the SET rolled back");
            try (Statement s = c.createStatement()) {
                s.execute("SET fenceline.schema_version = 2");
            }
            c.commit();
            assertEquals("ada@example.com", value(c, "SELECT email FROM users WHERE id = 1"));
            c.commit();
            c.setAutoCommit(true);

            PSQLException outside = assertThrows(PSQLException.class,
                    () -> c.createStatement().execute("SET fenceline.schema_version = 3"));
            assertEquals("22023", outside.getSQLState());
            assertEquals("2", value(c, "SHOW fenceline.schema_version"));
            try (Statement s = c.createStatement()) {
                s.execute("RESET fenceline.schema_version");
            }
            assertEquals("ada@example.com", value(c, "SELECT email FROM users WHERE id = 1"), "back to the default, 2");
        }
    }

    @Test
    void whenTheWindowMovesOldConnectionsAreRefusedAtTheirNextTransactionBoundary() throws Exception {
        try (Connection old = connect("app", 1); Connection current = connect("app", 2)) {
            old.setAutoCommit(false);
            assertEquals("ada", value(old, "SELECT name FROM users WHERE id = 1"));

            publish(new Window(2, 2));
            await("the proxy sees the window {2}", () -> new Window(2, 2).equals(proxy.schema().orElseThrow().view().window()));

            assertEquals("ada", value(old, "SELECT name FROM users WHERE id = 1"), "mid-transaction it goes on");
            old.commit();
            PSQLException refused = refused(old, "SELECT name FROM users WHERE id = 1", "08004");
            assertTrue(refused.getMessage().contains("{2}"), refused.getMessage());
            old.rollback();
            assertEquals(Map.of(1, 1, 2, 1), counts(), "still counted until it leaves or declares 2");

            assertEquals("ada@example.com", value(current, "SELECT email FROM users WHERE id = 1"));
            PSQLException atStartup = assertThrows(PSQLException.class, () -> connect("app", 1));
            assertEquals("08004", atStartup.getSQLState(), atStartup.getMessage());

            old.setAutoCommit(true);
            try (Statement s = old.createStatement()) {
                s.execute("SET fenceline.schema_version = 2");
            }
            assertEquals("ada@example.com", value(old, "SELECT email FROM users WHERE id = 1"));
            assertEquals(Map.of(2, 2), counts());
        }
    }

    /**
     * With a {@code group:} as well, the write authority publishes the proxy's status record, and its
     * {@code versionsInUse} is what control sums before a contract step. Its own PostgreSQL: the authority
     * fences the database it fronts (read-only until it holds the lease).
     */
    @Test
    void theCountsReachEtcdInTheProxyStatus() throws Exception {
        proxy.close();
        proxy = null;
        try (PostgresServer own = PostgresServer.builder().start()) {
            own.execute("CREATE ROLE app LOGIN");
            own.execute("CREATE TABLE users (id int PRIMARY KEY, name text, email text)");
            own.execute("GRANT SELECT ON users TO app");
            ProxySettings base = TestProxies.settings(own);
            String authorityGroup = "schema-it-" + (GROUPS.get() + 1);
            GroupSettings groupSettings = GroupSettings.of(authorityGroup, "a", "a-1", "a", List.of("a"), Failover.MANUAL)
                    .withBounds(GroupSettings.DEFAULT_MAX_LAG_BYTES, Duration.ofSeconds(2),
                            GroupSettings.DEFAULT_HANDOFF_TIMEOUT, Duration.ofMillis(200));
            ControlDatabase fence = new ControlDatabase(own.jdbcUrl("postgres"), own.superuser(), null, null,
                    Duration.ofSeconds(2));
            proxy = ProxyProcess.start(schemaSettings(base, Optional.of(new ProxySettings.Group(groupSettings, fence, 3))));
            assertEquals(authorityGroup, group);
            try (Connection a = connect("app", 1); Connection b = connect("app", 1); Connection c = connect("app", 2)) {
                assertEquals("0", value(a, "SELECT count(*) FROM users"));
                await("etcd holds versionsInUse {1=2, 2=1}", () -> published().equals(Map.of(1, 2, 2, 1)));
                b.close();
                await("etcd holds versionsInUse {1=1, 2=1}", () -> published().equals(Map.of(1, 1, 2, 1)));
                assertEquals(counts(), published());
            }
            await("etcd holds no connection", () -> published().isEmpty());
            proxy.close();
            proxy = null;
        }
    }

    /** The connections per version the group's proxy statuses carry. */
    private Map<Integer, Integer> published() {
        Map<?, ProxyStatus> statuses = control.store().proxyStatuses(group).join();
        return statuses.isEmpty() ? Map.of(-1, -1) : ProxyStatus.sumVersions(statuses.values());
    }

    @Test
    void ddlPassesOnlyFromControlsRole() throws Exception {
        try (Connection app = connect("app", 2)) {
            PSQLException e = assertThrows(PSQLException.class,
                    () -> app.createStatement().execute("ALTER TABLE users ADD COLUMN age int"));
            assertEquals("42501", e.getSQLState());
            assertTrue(e.getServerErrorMessage().getHint().contains("migration"), e.getServerErrorMessage().getHint());
            assertEquals("ada", value(app, "SELECT name FROM users WHERE id = 1"));
        }
        try (Connection migrator = connect(CONTROL, null); Statement s = migrator.createStatement()) {
            s.execute("ALTER TABLE users ADD COLUMN age int");
            s.execute("ALTER TABLE users DROP COLUMN age");
            assertEquals(Map.of(), counts(), "control's connections are not counted");
        }
    }
}
