package io.fenceline.proxy.sql;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class SessionStatementTest {

    @Test
    void setForms() {
        assertEquals(new SessionStatement.Set("5", false), SessionStatement.parse("SET fenceline.schema_version = 5"));
        assertEquals(new SessionStatement.Set("5", false), SessionStatement.parse("set session fenceline.schema_version to '5'"));
        assertEquals(new SessionStatement.Set("7", true), SessionStatement.parse("SET LOCAL Fenceline.Schema_Version TO 7"));
        assertEquals(new SessionStatement.Set("5", false), SessionStatement.parse("SET \"fenceline\".\"schema_version\" = E'5'"));
        assertEquals(new SessionStatement.Set("abc", false), SessionStatement.parse("SET fenceline.schema_version = abc"));
        assertEquals(new SessionStatement.Set("1 , 2", false), SessionStatement.parse("SET fenceline.schema_version = 1, 2"));
        assertEquals(new SessionStatement.Reset(false), SessionStatement.parse("SET fenceline.schema_version TO DEFAULT"));
        assertEquals(new SessionStatement.Reset(true), SessionStatement.parse("set local fenceline.schema_version = default"));
        assertEquals(new SessionStatement.Reset(false), SessionStatement.parse("RESET fenceline.schema_version"));
        assertEquals(new SessionStatement.ResetAll(), SessionStatement.parse("RESET ALL"));
        assertEquals(new SessionStatement.ResetAll(), SessionStatement.parse("discard all"));
    }

    @Test
    void otherSettingsAndStatementsAreIrrelevant() {
        assertNull(SessionStatement.parse("SET search_path = app"));
        assertNull(SessionStatement.parse("SET fenceline.other = 5"));
        assertNull(SessionStatement.parse("RESET search_path"));
        assertNull(SessionStatement.parse("DISCARD PLANS"));
        assertNull(SessionStatement.parse("SELECT 1"));
        assertNull(SessionStatement.parse("SHOW fenceline.schema_version"));
        assertNull(SessionStatement.parse("COMMIT PREPARED 'x'"));
        assertNull(SessionStatement.parse(""));
    }

    @Test
    void transactionControl() {
        assertEquals(new SessionStatement.Begin(), SessionStatement.parse("BEGIN ISOLATION LEVEL SERIALIZABLE"));
        assertEquals(new SessionStatement.Begin(), SessionStatement.parse("start transaction read only"));
        assertEquals(new SessionStatement.Commit(), SessionStatement.parse("COMMIT"));
        assertEquals(new SessionStatement.Commit(), SessionStatement.parse("end work"));
        assertEquals(new SessionStatement.Rollback(), SessionStatement.parse("ROLLBACK AND CHAIN"));
        assertEquals(new SessionStatement.Rollback(), SessionStatement.parse("abort"));
        assertEquals(new SessionStatement.Savepoint("a"), SessionStatement.parse("SAVEPOINT a"));
        assertEquals(new SessionStatement.Release("a"), SessionStatement.parse("RELEASE SAVEPOINT a"));
        assertEquals(new SessionStatement.Release("B"), SessionStatement.parse("release \"B\""));
        assertEquals(new SessionStatement.RollbackTo("a"), SessionStatement.parse("ROLLBACK TO SAVEPOINT a"));
        assertEquals(new SessionStatement.RollbackTo("a"), SessionStatement.parse("rollback work to a"));
    }

    @Test
    void queryTextIsSplitLikeTheInspector() {
        assertArrayEquals(new SessionStatement[]{new SessionStatement.Begin(), new SessionStatement.Set("6", false), null,
                        new SessionStatement.Commit()},
                SessionStatement.ofQuery("BEGIN; SET fenceline.schema_version = 6; SELECT ';'; ; COMMIT"));
    }
}
