package io.fenceline.control.history;

import io.fenceline.config.manifest.ManifestOptions;
import io.fenceline.testing.PostgresServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The history table's fences on a real PostgreSQL: once-only, epoch, and concurrent index builds. */
class HistoryTableIT {

    private static PostgresServer pg;

    @BeforeAll
    static void start() {
        pg = PostgresServer.builder().start();
    }

    @AfterAll
    static void stop() {
        if (pg != null) {
            pg.close();
        }
    }

    private static Connection fresh(String db) throws SQLException {
        pg.execute("CREATE DATABASE " + db);
        pg.executeIn(db, "CREATE TABLE t (id int PRIMARY KEY, a text); INSERT INTO t SELECT g, 'x' || g"
                + " FROM generate_series(1, 100) g");
        return pg.connect(db);
    }

    private static StepOutcome run(Connection c, long epoch, Direction direction, List<String> sql) throws SQLException {
        return HistoryTable.run(c, 1, "expand", "sum", epoch, direction, sql, ManifestOptions.NONE, () -> true, () -> { });
    }

    private static boolean query(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            return rs.next() && rs.getBoolean(1);
        }
    }

    @Test
    void aRetriedStepAppliesOnceAndAStaleEpochIsRefused() throws SQLException {
        try (Connection c = fresh("once")) {
            List<String> sql = List.of("ALTER TABLE t ADD COLUMN b text");
            assertInstanceOf(StepOutcome.Applied.class, run(c, 10, Direction.UP, sql));
            assertInstanceOf(StepOutcome.AlreadyApplied.class, run(c, 10, Direction.UP, sql));
            assertEquals(new StepOutcome.StaleEpoch(9, 10), run(c, 9, Direction.DOWN, List.of("ALTER TABLE t DROP COLUMN b")));
            assertTrue(query(c, "SELECT count(*) = 1 FROM information_schema.columns WHERE table_name = 't' AND column_name = 'b'"));
            assertEquals(10, HistoryTable.epoch(c));
            assertInstanceOf(StepOutcome.Applied.class, run(c, 11, Direction.DOWN, List.of("ALTER TABLE t DROP COLUMN b")));
            assertEquals(11, HistoryTable.epoch(c));
            assertEquals(0, HistoryTable.netApplied(HistoryTable.rows(c), 1, "expand"));
            assertEquals(2, HistoryTable.rows(c).size());
        }
    }

    @Test
    void aFailedStatementLeavesNothingAndTheLeaseIsCheckedBeforeCommit() throws SQLException {
        try (Connection c = fresh("atomic")) {
            StepOutcome failed = run(c, 1, Direction.UP, List.of("ALTER TABLE t ADD COLUMN b text", "ALTER TABLE nope ADD c int"));
            StepOutcome.Failed f = assertInstanceOf(StepOutcome.Failed.class, failed);
            assertEquals(1, f.statementIndex());
            assertEquals("42P01", f.sqlState());
            assertTrue(query(c, "SELECT count(*) = 0 FROM information_schema.columns WHERE column_name = 'b'"));
            assertEquals(0, HistoryTable.rows(c).size());

            int[] calls = {0};
            StepOutcome lost = HistoryTable.run(c, 1, "expand", "sum", 1, Direction.UP,
                    List.of("ALTER TABLE t ADD COLUMN b text"), ManifestOptions.NONE, () -> ++calls[0] == 1, () -> { });
            assertInstanceOf(StepOutcome.LeaseLost.class, lost);
            assertTrue(query(c, "SELECT count(*) = 0 FROM information_schema.columns WHERE column_name = 'b'"),
                    "rolled back when the lease was not writable at commit");
        }
    }

    @Test
    void anInvalidConcurrentIndexIsDroppedAndRebuilt() throws SQLException {
        try (Connection c = fresh("concurrent")) {
            // A concurrent unique build that failed on duplicates leaves an invalid index behind.
            pg.executeIn("concurrent", "UPDATE t SET a = 'dup' WHERE id IN (1, 2)");
            try (Statement st = c.createStatement()) {
                st.execute("CREATE UNIQUE INDEX CONCURRENTLY t_a ON t (a)");
            } catch (SQLException expected) {
                assertEquals("23505", expected.getSQLState());
            }
            assertTrue(query(c, "SELECT NOT indisvalid FROM pg_index WHERE indexrelid = 't_a'::regclass"));
            pg.executeIn("concurrent", "UPDATE t SET a = 'y' || id WHERE id IN (1, 2)");

            List<String> sql = List.of("ALTER TABLE t ADD COLUMN b text", "CREATE UNIQUE INDEX CONCURRENTLY t_a ON t (a)");
            assertInstanceOf(StepOutcome.Applied.class, run(c, 1, Direction.UP, sql));
            assertTrue(query(c, "SELECT indisvalid FROM pg_index WHERE indexrelid = 't_a'::regclass"));
            assertInstanceOf(StepOutcome.AlreadyApplied.class, run(c, 1, Direction.UP, sql));
            assertEquals(1, HistoryTable.rows(c).size());

            // Down: DROP INDEX CONCURRENTLY is made idempotent (IF EXISTS) and the column goes in its own step.
            assertInstanceOf(StepOutcome.Applied.class, run(c, 1, Direction.DOWN,
                    List.of("DROP INDEX CONCURRENTLY t_a", "ALTER TABLE t DROP COLUMN b")));
            assertTrue(query(c, "SELECT to_regclass('t_a') IS NULL"));
            // Up again after the down: a new generation of progress marks, so every statement runs again.
            assertInstanceOf(StepOutcome.Applied.class, run(c, 1, Direction.UP, sql));
            assertTrue(query(c, "SELECT indisvalid FROM pg_index WHERE indexrelid = 't_a'::regclass"));
            assertEquals(1, HistoryTable.netApplied(HistoryTable.rows(c), 1, "expand"));
        }
    }
}
