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
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Batched backfill on a real PostgreSQL: one transaction per batch with the manifest's timeouts, until a
 * batch changes 0 rows; a resumed step continues with the next batch (no row changed twice, none skipped);
 * the history row is written once.
 */
class BackfillBatchesIT {

    private static final String BACKFILL = "UPDATE t SET b = upper(a), touched = touched + 1 WHERE id IN"
            + " (SELECT id FROM t WHERE b IS NULL ORDER BY id LIMIT :batch_size)";
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

    private static Connection fresh(String db, int rows) throws SQLException {
        pg.execute("CREATE DATABASE " + db);
        pg.executeIn(db, "CREATE TABLE t (id int PRIMARY KEY, a text, b text, touched int NOT NULL DEFAULT 0);"
                + " INSERT INTO t (id, a) SELECT g, 'x' || g FROM generate_series(1, " + rows + ") g");
        return pg.connect(db);
    }

    private static ManifestOptions batchOf(int size) {
        return new ManifestOptions(Duration.ofSeconds(5), Duration.ofMillis(300), size);
    }

    private static StepOutcome backfill(Connection c, long epoch, ManifestOptions options, BooleanSupplier writable,
                                        List<long[]> observed) throws SQLException {
        return HistoryTable.run(c, 2, "backfill", "sum", epoch, Direction.UP, List.of(BACKFILL), options, writable,
                () -> { }, (statement, batch, rows) -> observed.add(new long[]{statement, batch, rows}));
    }

    private static long value(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    @Test
    void runsOneTransactionPerBatchUntilABatchChangesNothingAndRecordsTheStepOnce() throws SQLException {
        try (Connection c = fresh("batches", 1050)) {
            List<long[]> observed = new ArrayList<>();
            assertInstanceOf(StepOutcome.Applied.class, backfill(c, 5, batchOf(100), () -> true, observed));
            List<long[]> batches = HistoryTable.batches(c, 2, "backfill", Direction.UP);
            assertEquals(12, batches.size(), "10 full batches, one of 50 rows, one of 0");
            for (int i = 0; i < 12; i++) {
                assertEquals(i + 1, batches.get(i)[1], "batch numbers are contiguous");
                assertEquals(i < 10 ? 100 : i == 10 ? 50 : 0, batches.get(i)[2]);
            }
            assertEquals(12, observed.size());
            assertEquals(0, value(c, "SELECT count(*) FROM t WHERE b IS NULL OR touched <> 1"));
            // Each batch committed on its own: the 11 batches that changed rows wrote them in 11 transactions.
            assertEquals(11, value(c, "SELECT count(DISTINCT xmin::text) FROM t"));
            assertEquals(1, HistoryTable.rows(c).size());
            assertEquals(1, HistoryTable.netApplied(HistoryTable.rows(c), 2, "backfill"));
            // A retried step does nothing.
            assertInstanceOf(StepOutcome.AlreadyApplied.class, backfill(c, 5, batchOf(100), () -> true, observed));
            assertEquals(12, HistoryTable.batches(c, 2, "backfill", Direction.UP).size());
        }
    }

    @Test
    void aResumedStepContinuesWithTheNextBatchWithoutRedoingOrSkippingAny() throws SQLException {
        try (Connection c = fresh("resume", 730)) {
            // The lease is lost after 4 batches committed: the 5th is rolled back at its commit check.
            AtomicInteger checks = new AtomicInteger();
            List<long[]> observed = new ArrayList<>();
            StepOutcome lost = backfill(c, 5, batchOf(100), () -> checks.incrementAndGet() <= 11, observed);
            assertInstanceOf(StepOutcome.LeaseLost.class, lost);
            assertEquals(4, observed.size(), "4 batches committed before the lease was lost");
            assertEquals(400, value(c, "SELECT count(*) FROM t WHERE b IS NOT NULL"));
            assertEquals(0, HistoryTable.rows(c).size(), "no history row until the statement reached 0 rows");

            // A newer control (epoch 6) resumes: batch 5 onwards; a stale one (epoch 5) is then refused.
            List<long[]> resumed = new ArrayList<>();
            assertInstanceOf(StepOutcome.Applied.class, backfill(c, 6, batchOf(100), () -> true, resumed));
            assertEquals(5, resumed.get(0)[1], "continues with batch 5");
            List<long[]> all = HistoryTable.batches(c, 2, "backfill", Direction.UP);
            assertEquals(9, all.size(), "7 full batches, one of 30, one of 0");
            for (int i = 0; i < all.size(); i++) {
                assertEquals(i + 1, all.get(i)[1]);
            }
            assertEquals(730, all.stream().mapToLong(b -> b[2]).sum(), "every row counted once");
            assertEquals(0, value(c, "SELECT count(*) FROM t WHERE b IS NULL OR touched <> 1"), "no row changed twice");
            assertEquals(1, HistoryTable.rows(c).size());
            assertEquals(new StepOutcome.StaleEpoch(5, 6), backfill(c, 5, batchOf(100), () -> true, new ArrayList<>()));
        }
    }

    @Test
    void aBatchBlockedPastTheLockTimeoutFailsKeepsEarlierBatchesAndTheRetryFinishes() throws Exception {
        try (Connection c = fresh("locked", 500); Connection blocker = pg.connect("locked")) {
            blocker.setAutoCommit(false);
            try (Statement st = blocker.createStatement()) {
                st.execute("SELECT * FROM t WHERE id = 250 FOR UPDATE");
            }
            List<long[]> observed = new ArrayList<>();
            StepOutcome.Failed f = assertInstanceOf(StepOutcome.Failed.class,
                    backfill(c, 5, batchOf(100), () -> true, observed));
            assertEquals("55P03", f.sqlState(), f.toString());
            assertTrue(f.message().startsWith("batch 3: "), f.message());
            assertEquals(2, observed.size());
            assertEquals(200, value(c, "SELECT count(*) FROM t WHERE b IS NOT NULL"), "batches 1 and 2 stay");
            blocker.rollback();

            assertInstanceOf(StepOutcome.Applied.class, backfill(c, 5, batchOf(100), () -> true, observed));
            assertEquals(0, value(c, "SELECT count(*) FROM t WHERE b IS NULL OR touched <> 1"));
            assertEquals(6, HistoryTable.batches(c, 2, "backfill", Direction.UP).size());
            assertEquals(1, HistoryTable.rows(c).size());
        }
    }

    @Test
    void aBatchedStatementThatReturnsRowsIsRefused() throws SQLException {
        try (Connection c = fresh("rowsback", 10)) {
            StepOutcome outcome = HistoryTable.run(c, 2, "backfill", "sum", 5, Direction.UP,
                    List.of("UPDATE t SET b = a WHERE id IN (SELECT id FROM t WHERE b IS NULL LIMIT :batch_size)"
                            + " RETURNING id"), batchOf(3), () -> true, () -> { });
            StepOutcome.Failed f = assertInstanceOf(StepOutcome.Failed.class, outcome);
            assertTrue(f.message().contains("must change rows and report how many"), f.message());
            assertEquals(0, value(c, "SELECT count(*) FROM t WHERE b IS NOT NULL"), "rolled back");
        }
    }
}
