package io.fenceline.control.history;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Which statements must run outside a transaction (one line per statement), and which run in batches. */
class HistoryTableTest {

    private static final Object[][] TABLE = {
            {"CREATE INDEX CONCURRENTLY i ON t (a)", true},
            {"create unique index concurrently if not exists i on t (a)", true},
            {"-- build it online\nCREATE INDEX CONCURRENTLY i ON t (a)", true},
            {"/* c */ DROP INDEX CONCURRENTLY i", true},
            {"REINDEX INDEX CONCURRENTLY i", true},
            {"VACUUM ANALYZE t", true},
            {"CREATE INDEX i ON t (a)", false},
            {"ALTER TABLE t ADD COLUMN b text", false},
            {"UPDATE t SET note = 'CREATE INDEX CONCURRENTLY'", false},
            {"DROP INDEX i", false},
    };

    @Test
    void nonTransactionalStatements() {
        for (Object[] row : TABLE) {
            assertEquals(row[1], HistoryTable.nonTransactional((String) row[0]), (String) row[0]);
        }
    }

    @Test
    void theBatchPlaceholderIsReplacedButACastIsNot() {
        assertTrue(Batches.batched("UPDATE t SET a = 1 WHERE id IN (SELECT id FROM t LIMIT :batch_size)"));
        assertEquals("SELECT 1::batch_size LIMIT 50", Batches.withBatchSize("SELECT 1::batch_size LIMIT :batch_size", 50));
        assertFalse(Batches.batched("SELECT x::batch_size FROM t"));
        assertFalse(Batches.batched("UPDATE t SET a = 1 WHERE b IS NULL"));
        assertFalse(Batches.batched("SELECT :batch_sizes"));
    }
}
