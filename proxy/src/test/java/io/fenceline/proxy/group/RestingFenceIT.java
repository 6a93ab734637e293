package io.fenceline.proxy.group;

import io.fenceline.testing.EtcdCluster;
import io.fenceline.testing.PostgresServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Fenced is the database's resting state: a real proxy process, the writer of its group, is killed with
 * SIGKILL (or frozen with SIGSTOP past its lease), and nobody acts afterwards; its database must refuse a
 * direct write of a non-owner role by itself (25006 from the fence's trigger, {@code default_transaction_read_only}
 * still off since nobody ran {@code ALTER SYSTEM}), and a {@code test_decoding} slot must decode nothing.
 */
class RestingFenceIT {

    private static EtcdCluster etcd;
    private static PostgresServer pg;
    private ProxyChild proxy;

    @BeforeAll
    static void start() {
        etcd = EtcdCluster.start(1);
        pg = PostgresServer.builder().start();
        pg.execute("CREATE TABLE writes (id bigint PRIMARY KEY, cluster text NOT NULL, client text NOT NULL)");
        pg.execute("CREATE ROLE app LOGIN");
        pg.execute("GRANT SELECT, INSERT, UPDATE, DELETE ON writes TO app");
    }

    @AfterAll
    static void stop() {
        if (pg != null) {
            pg.close();
        }
        if (etcd != null) {
            etcd.close();
        }
    }

    @AfterEach
    void closeProxy() {
        if (proxy != null) {
            proxy.close();
        }
        pg.execute("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = 'oracle'");
    }

    private ProxyChild writer() throws Exception {
        List<Integer> ports = new ArrayList<>();
        for (int i = 0; i < etcd.size(); i++) {
            ports.add(etcd.member(i).clientPort());
        }
        proxy = ProxyChild.start(ProxyChild.Spec.of(GroupRig.newGroup(), "a", null), pg, ports);
        proxy.awaitServing(Duration.ofSeconds(60));
        long id = System.nanoTime();
        await("the proxy is the writer and has opened its database", Duration.ofSeconds(60),
                () -> "committed".equals(direct("INSERT INTO writes VALUES (" + id + ", 'a', 'direct')")));
        // The proxy opens its database before it lets its own sessions write: wait for both, or the slow
        // statement below can meet a session the proxy still runs read-only.
        long viaProxy = System.nanoTime();
        await("the proxy lets its sessions write", Duration.ofSeconds(60),
                () -> "committed".equals(throughProxy("INSERT INTO writes VALUES (" + viaProxy + ", 'a', 'proxy')")));
        return proxy;
    }

    /** A direct write of the application's role, bypassing the proxy: "committed" or the SQLSTATE. */
    private static String direct(String... statements) {
        Properties p = new Properties();
        p.setProperty("user", "app");
        p.setProperty("options", "-c default_transaction_read_only=off");
        return outcome(() -> DriverManager.getConnection(pg.jdbcUrl("postgres"), p), statements);
    }

    /** A write through the proxy: "committed" or the SQLSTATE. */
    private String throughProxy(String sql) {
        return outcome(proxy::connect, sql);
    }

    private interface Connector {
        Connection open() throws SQLException;
    }

    private static String outcome(Connector connector, String... statements) {
        try (Connection c = connector.open(); Statement s = c.createStatement()) {
            for (String sql : statements) {
                s.execute(sql);
            }
            return "committed";
        } catch (SQLException e) {
            return e.getSQLState();
        }
    }

    private static String rows() {
        return pg.queryValue("postgres", "SELECT count(*) || ':' || md5(string_agg(id || client, ',' ORDER BY id))"
                + " FROM writes");
    }

    private void awaitClosedByItself(String fault, long faultAt) throws Exception {
        // A probe that changes no row still fires the statement trigger: it writes nothing either way.
        await("the database of a " + fault + " proxy refusing writes by itself", Duration.ofSeconds(60),
                () -> "25006".equals(direct("UPDATE writes SET client = client WHERE false")));
        System.out.printf("[fence] %s proxy (lease TTL 3 s): its database refused direct writes %d ms after the"
                + " fault%n", fault, (System.nanoTime() - faultAt) / 1_000_000);
        assertEquals("off", pg.queryValue("postgres", "SHOW default_transaction_read_only"),
                "nobody ran ALTER SYSTEM: the triggers closed by themselves");
        pg.execute("SELECT pg_create_logical_replication_slot('oracle', 'test_decoding')");
        String before = rows();
        long id = System.nanoTime();
        assertEquals("25006", direct("INSERT INTO writes VALUES (" + id + ", 'a', 'late')"));
        assertEquals("25006", direct("BEGIN READ WRITE", "UPDATE writes SET client = 'late'", "COMMIT"));
        assertEquals("25006", direct("DELETE FROM writes"));
        assertEquals(before, rows());
        assertEquals("0", pg.queryValue("postgres", "SELECT count(*) FROM pg_logical_slot_get_changes('oracle', NULL,"
                + " NULL) WHERE data LIKE 'table public.writes%'"), "changes decoded after the fence closed");
    }

    @Test
    void aWriterKilledWithSigkillLeavesItsDatabaseFencedAfterItsDeadline() throws Exception {
        ProxyChild p = writer();
        // A statement through the proxy that outlives it: without client_connection_check_interval its backend
        // would only notice the closed socket after the statement, and its autocommit would commit, 8 s after
        // the kill and well past the lease.
        long slow = System.nanoTime();
        Thread client = new Thread(() -> {
            try (Connection c = p.connect(); Statement s = c.createStatement()) {
                s.execute("INSERT INTO writes SELECT " + slow + ", 'a', 'slow' FROM (SELECT pg_sleep(8)) s");
            } catch (SQLException expected) {
                // the proxy dies under it
            }
        }, "slow-client");
        client.setDaemon(true);
        client.start();
        await("the slow statement running on the database", Duration.ofSeconds(30), () -> !"0".equals(pg.queryValue(
                "postgres", "SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%pg_sleep(8)%'"
                        + " AND state = 'active' AND pid <> pg_backend_pid()")));
        assertEquals("on", pg.queryValue("postgres", "SELECT CASE WHEN current_setting('client_connection_check_interval')"
                + " <> '0' THEN 'on' ELSE 'off' END"), "the fence set client_connection_check_interval");
        long killedAt = System.nanoTime();
        p.kill();
        awaitClosedByItself("SIGKILLed", killedAt);
        await("the slow statement's backend gone", Duration.ofSeconds(60), () -> "0".equals(pg.queryValue("postgres",
                "SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%pg_sleep(8)%' AND pid <> pg_backend_pid()")));
        assertEquals("0", pg.queryValue("postgres", "SELECT count(*) FROM writes WHERE id = " + slow),
                "the statement of a killed proxy's client committed after the proxy was gone");
    }

    @Test
    void aWriterFrozenWithSigstopLeavesItsDatabaseFencedAndOpensItAgainWhenItResumes() throws Exception {
        ProxyChild p = writer();
        long stoppedAt = System.nanoTime();
        p.pause();
        try {
            awaitClosedByItself("SIGSTOPped", stoppedAt);
        } finally {
            p.resume();
        }
        long id = System.nanoTime();
        await("the resumed proxy is the writer again and has reopened its database", Duration.ofSeconds(60),
                () -> "committed".equals(direct("INSERT INTO writes VALUES (" + id + ", 'a', 'resumed')")));
    }

    private static void await(String what, Duration timeout, java.util.function.BooleanSupplier condition)
            throws InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) {
                fail(what + ": not within " + timeout.toSeconds() + " s");
            }
            Thread.sleep(50);
        }
    }
}
