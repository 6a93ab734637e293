package io.fenceline.control.history;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Which statements must run outside a transaction: one line per statement. */
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
}
