package io.fenceline.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Two real PostgreSQL servers at once, and logical replication from one to the other. */
class PostgresServerIT {

    private static PostgresServer east;
    private static PostgresServer west;

    @BeforeAll
    static void startServers() {
        east = PostgresServer.builder().start();
        west = PostgresServer.builder().start();
    }

    @AfterAll
    static void stopServers() {
        try {
            if (east != null) {
                east.close();
            }
        } finally {
            if (west != null) {
                west.close();
            }
        }
    }

    @Test
    void queriesTwoServersAtOnce() throws Exception {
        assertNotEquals(east.port(), west.port());
        try (Connection a = east.connect(); Connection b = west.connect();
             Statement sa = a.createStatement(); Statement sb = b.createStatement();
             ResultSet ra = sa.executeQuery("select current_setting('port')::int, current_setting('wal_level')");
             ResultSet rb = sb.executeQuery("select current_setting('port')::int, current_setting('wal_level')")) {
            assertTrue(ra.next());
            assertTrue(rb.next());
            assertEquals(east.port(), ra.getInt(1));
            assertEquals(west.port(), rb.getInt(1));
            assertEquals("logical", ra.getString(2));
            assertEquals("logical", rb.getString(2));
        }
    }

    @Test
    void replicatesLogicallyFromOneServerToTheOther() throws Exception {
        east.execute("create table orders (id int primary key, item text)");
        west.execute("create table orders (id int primary key, item text)");
        east.execute("create publication orders_pub for table orders");
        west.execute("create subscription orders_sub connection 'host=127.0.0.1 port=" + east.port()
                + " dbname=postgres user=postgres' publication orders_pub");
        east.execute("insert into orders values (1, 'lamp')");

        String item = awaitValue(west, "select item from orders where id = 1", Duration.ofSeconds(30));
        assertEquals("lamp", item);
        west.execute("drop subscription orders_sub");
    }

    @Test
    void serverLogAndSettingsAreInPlace() {
        assertEquals("off", east.queryValue("postgres", "show fsync"));
        assertTrue(java.nio.file.Files.exists(east.socketDir().resolve(".s.PGSQL." + east.port())),
                "unix socket in " + east.socketDir());
        assertTrue(east.logTail(50).contains("database system is ready to accept connections"), east.logTail(50));
    }

    /** Polls a query until it returns a row, failing with the server log when it never does. */
    static String awaitValue(PostgresServer server, String sql, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            String value = server.queryValue("postgres", sql);
            if (value != null) {
                return value;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("no row for [" + sql + "] on " + server + " after " + timeout + "; log:\n"
                + server.logTail(30));
    }
}
