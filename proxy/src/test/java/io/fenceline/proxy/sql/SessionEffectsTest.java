package io.fenceline.proxy.sql;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** One line per statement: what it does to the session, and the texts restated for standard_conforming_strings off. */
class SessionEffectsTest {

    private static SessionEffects of(String sql) {
        return SessionEffects.of(sql, 0, sql.length());
    }

    @Test
    void statementsThatLiftReadOnly() {
        for (String lifts : new String[] {
                "SET default_transaction_read_only = off", "set DEFAULT_TRANSACTION_READ_ONLY to 'off'",
                "SET SESSION default_transaction_read_only = false", "SET LOCAL transaction_read_only = off",
                "SET transaction_read_only = DEFAULT", "SET \"default_transaction_read_only\" = 0",
                "RESET default_transaction_read_only", "RESET transaction_read_only",
                "BEGIN READ WRITE", "begin isolation level serializable, read write", "START TRANSACTION READ WRITE",
                "SET TRANSACTION READ WRITE", "SET SESSION CHARACTERISTICS AS TRANSACTION READ WRITE",
                "SELECT set_config('default_transaction_read_only', 'off', false)",
                "SELECT pg_catalog.set_config('Transaction_Read_Only', 'off', true)",
                "SELECT set_config(name, 'off', false) FROM settings", "SELECT set_config('default_' || 'x', 'off', false)",
                "SELECT set_config($1, $2, false)"}) {
            assertTrue(of(lifts).liftsReadOnly(), lifts);
        }
        for (String keeps : new String[] {
                "SET default_transaction_read_only = on", "SET transaction_read_only TO true", "BEGIN", "BEGIN READ ONLY",
                "RESET ALL", "SET search_path = public", "SELECT set_config('search_path', 'x', false)", "SHOW transaction_read_only"}) {
            assertFalse(of(keeps).liftsReadOnly(), keeps);
        }
    }

    @Test
    void transactionEndsAndCommits() {
        assertTrue(of("COMMIT").commits());
        assertTrue(of("end work").commits());
        assertTrue(of("PREPARE TRANSACTION 'x'").commits());
        assertFalse(of("COMMIT PREPARED 'x'").commits());
        assertTrue(of("COMMIT PREPARED 'x'").endsTransaction());
        assertTrue(of("ROLLBACK TO SAVEPOINT a").endsTransaction());
        assertTrue(of("abort").endsTransaction());
        assertFalse(of("SAVEPOINT a").endsTransaction());
        assertFalse(of("BEGIN").endsTransaction());
        // Both reset the read-only default the proxy set: nothing may follow them in the same request.
        assertTrue(of("DISCARD ALL").endsTransaction());
        assertTrue(of("reset all").endsTransaction());
        assertFalse(of("DISCARD PLANS").endsTransaction());
        assertFalse(of("RESET search_path").endsTransaction());
    }

    @Test
    void preparedStatementEffectsNameTheStatement() {
        assertEquals(SessionEffects.Prepared.DEALLOCATE, of("DEALLOCATE s").prepared());
        assertEquals("s", of("DEALLOCATE PREPARE S").name());
        assertEquals("My S", of("deallocate \"My S\"").name());
        assertEquals(SessionEffects.Prepared.DEALLOCATE_ALL, of("DEALLOCATE ALL").prepared());
        assertEquals(SessionEffects.Prepared.DISCARD_ALL, of("DISCARD ALL").prepared());
        assertSame(SessionEffects.NONE, of("DISCARD PLANS"));
        assertEquals("q", of("PREPARE q (int) AS SELECT $1").name());
        assertSame(SessionEffects.NONE, of("SELECT 1"));
    }

    @Test
    void nonStandardStringsAreRestatedAsEscapeStrings() {
        assertEquals("SELECT E'x\\'' ; DELETE FROM t; --'", StandardStrings.toStandard("SELECT 'x\\'' ; DELETE FROM t; --'"));
        String plain = "SELECT 'no backslash', $$a\\b$$, E'\\n'";
        assertSame(plain, StandardStrings.toStandard(plain));
        assertEquals("SELECT text E'a\\\\'", StandardStrings.toStandard("SELECT text'a\\\\'"));
        assertEquals("SELECT E'a\\'', 'b'", StandardStrings.toStandard("SELECT 'a\\'', 'b'"));
        assertNull(StandardStrings.toStandard("SELECT N'a\\''"), "N'' cannot be restated");
    }
}
