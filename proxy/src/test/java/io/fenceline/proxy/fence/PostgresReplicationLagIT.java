package io.fenceline.proxy.fence;

import io.fenceline.config.group.ControlDatabase;
import io.fenceline.testing.PostgresServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The writer's own WAL position with asynchronous commits (finding 3 of issue 14): a commit acknowledged with
 * {@code synchronous_commit = off} lies beyond the write position until the WAL writer runs (here every 10 s), so
 * a position read then must be the insert position, and a pause waits until that position is flushed.
 */
class PostgresReplicationLagIT {

    private static PostgresServer pg;
    private static DatabaseFence fence;

    @BeforeAll
    static void start() {
        pg = PostgresServer.builder().setting("synchronous_commit", "off").setting("wal_writer_delay", "10s")
                .start();
        pg.execute("CREATE TABLE t (id bigint PRIMARY KEY)");
        fence = new DatabaseFence(new ControlDatabase(pg.jdbcUrl("postgres"), pg.superuser(), null, null,
                Duration.ofSeconds(2)), Set::of, DatabaseFence.OpenWriters.LEAVE);
    }

    @AfterAll
    static void stop() {
        if (fence != null) {
            fence.close();
        }
        if (pg != null) {
            pg.close();
        }
    }

    @Test
    void thePublishedPositionCoversEveryAcknowledgedAsynchronousCommitAndIsAwaitedUntilFlushed() throws Exception {
        PostgresReplicationLag lag = new PostgresReplicationLag(fence.dataSource(), null, 2);
        long committedEnd;
        try (Connection c = pg.connect(); Statement s = c.createStatement()) {
            s.executeUpdate("INSERT INTO t VALUES (" + System.nanoTime() + ")");
            // Right after the acknowledged commit, its record ends at or before this session's insert position.
            try (ResultSet rs = s.executeQuery("SELECT pg_current_wal_insert_lsn() - '0/0'::pg_lsn,"
                    + " pg_current_wal_lsn() - '0/0'::pg_lsn")) {
                rs.next();
                committedEnd = rs.getLong(1);
                System.out.println("[lag] after an asynchronous commit: insert " + committedEnd + ", write "
                        + rs.getLong(2));
            }
        }
        long published = lag.localWalLsn();
        assertTrue(published >= committedEnd, "published " + published + " lies before the acknowledged commit ending "
                + "at " + committedEnd);
        lag.awaitFlushed(published, Duration.ofSeconds(40));
        long flushed = Long.parseLong(pg.queryValue("postgres", "SELECT pg_current_wal_flush_lsn() - '0/0'::pg_lsn"));
        assertTrue(flushed >= published, "flushed " + flushed + " < " + published);
    }

    @Test
    void aPauseDoesNotWaitForeverOnTheRecordsOfAnOpenTransaction() throws Exception {
        PostgresReplicationLag lag = new PostgresReplicationLag(fence.dataSource(), null, 2);
        try (Connection c = pg.connect(); Statement s = c.createStatement()) {
            c.setAutoCommit(false);
            s.executeUpdate("INSERT INTO t VALUES (" + System.nanoTime() + ")");
            // Its records are inserted, not committed: the WAL writer does not flush them by itself.
            long position = lag.localWalLsn();
            lag.awaitFlushed(position, Duration.ofSeconds(5));
            c.rollback();
        }
    }

    @Test
    void afterASwitchToANewSegmentThePositionIsItsStartWhichIsFlushed() {
        PostgresReplicationLag lag = new PostgresReplicationLag(fence.dataSource(), null, 2);
        pg.execute("SELECT pg_switch_wal()");
        long position = lag.localWalLsn();
        assertTrue(position % (16 * 1024 * 1024) == 0, "not a segment start: " + position + " (the insert position"
                + " points past the new segment's page header, where nothing is written or sent)");
        lag.awaitFlushed(position, Duration.ofSeconds(5));
        assertTrue(PostgresReplicationLag.endOfWal(8192 * 3 + 24, 8192, 16 << 20) == 8192 * 3);
        assertTrue(PostgresReplicationLag.endOfWal(8192 * 3 + 100, 8192, 16 << 20) == 8192 * 3 + 100);
    }
}
