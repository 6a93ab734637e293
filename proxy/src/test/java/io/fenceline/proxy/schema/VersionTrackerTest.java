package io.fenceline.proxy.schema;

import io.fenceline.config.file.SchemaSettings;
import io.fenceline.config.records.Window;
import io.fenceline.proxy.metrics.ProxyMetrics;
import io.fenceline.proxy.policy.Decision;
import io.fenceline.proxy.sql.SessionStatement;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The tracker against PostgreSQL's rules for a placeholder setting, driven the way the statement path drives
 * it: statements queued as forwarded, completions and errors as the server answers, ReadyForQuery per request.
 */
class VersionTrackerTest {

    private SchemaView view = SchemaView.of(new Window(4, 5), List.of());
    private SchemaSettings settings = SchemaSettings.of("main", "fenceline");
    private final SchemaEnforcement enforcement = new SchemaEnforcement(settings, () -> view, ProxyMetrics.NOOP);
    private long request;

    private VersionTracker connect(Map<String, String> startup) {
        VersionTracker t = enforcement.tracker(startup);
        assertNull(t.admit());
        return t;
    }

    /** One simple Query of {@code text} answered without error, ending with {@code status}. */
    private void query(VersionTracker t, String text, byte status) {
        query(t, text, status, -1);
    }

    /** One simple Query whose statement {@code failing} (0-based, -1: none) fails. */
    private void query(VersionTracker t, String text, byte status, int failing) {
        long r = ++request;
        SessionStatement[] ss = SessionStatement.ofQuery(text);
        for (int k = 0; k < ss.length; k++) {
            if (ss[k] != null) {
                t.forwardedInQuery(ss[k], r, k);
            }
        }
        for (int k = 0; k < ss.length; k++) {
            if (k == failing) {
                t.error();
                break;
            }
            t.completed(r);
        }
        t.readyForQuery(status, r);
    }

    private static int v(VersionTracker t) {
        OptionalInt v = t.version();
        return v.isPresent() ? v.getAsInt() : -1;
    }

    @Test
    void startupOptionsDeclareTheVersion() {
        assertEquals(4, v(connect(Map.of("user", "app", "options", "-c fenceline.schema_version=4"))));
        assertEquals(5, v(connect(Map.of("user", "app", "options", "-c statement_timeout=5s --fenceline.schema_version=5"))));
        assertEquals(4, v(connect(Map.of("user", "app", "options", "-cfenceline.schema_version=4"))));
        assertEquals(5, v(connect(Map.of("user", "app", "fenceline.schema_version", "5"))));
        assertEquals(Map.of(4, 2, 5, 2), enforcement.counts().get());
    }

    @Test
    void undeclaredGetsTheNewestVersionWhenItStartedAndKeepsIt() {
        VersionTracker t = connect(Map.of("user", "app"));
        assertEquals(5, v(t));
        view = SchemaView.of(new Window(5, 6), List.of());
        assertEquals(5, v(t), "the default is pinned at startup");
        assertEquals(Map.of(5, 1), enforcement.counts().get());
        t.close();
        assertEquals(Map.of(), enforcement.counts().get());
    }

    @Test
    void startupOutsideTheWindowOrInvalidIsRefusedWith08004() {
        Decision.Deny old = enforcement.tracker(Map.of("user", "app", "options", "-c fenceline.schema_version=3")).admit();
        assertNotNull(old);
        assertEquals("08004", old.sqlState());
        assertTrue(old.message().contains("{4, 5}"), old.message());
        Decision.Deny bad = enforcement.tracker(Map.of("user", "app", "options", "-c fenceline.schema_version=four")).admit();
        assertEquals("08004", bad.sqlState());
        assertNull(enforcement.tracker(Map.of("user", "fenceline", "options", "-c fenceline.schema_version=1")).admit(),
                "control's role is exempt");
        assertEquals(Map.of(), enforcement.counts().get());
    }

    @Test
    void undeclaredIsRefusedWhenConfigured() {
        SchemaEnforcement strict = new SchemaEnforcement(new SchemaSettings("main", SchemaSettings.Undeclared.REFUSE,
                SchemaSettings.NotUnderstood.DEFAULT, "fenceline"), () -> view, ProxyMetrics.NOOP);
        assertEquals("08004", strict.tracker(Map.of("user", "app")).admit().sqlState());
    }

    @Test
    void setInAutocommitLastsAndSetInAFailedImplicitTransactionDoesNot() {
        VersionTracker t = connect(Map.of("user", "app", "options", "-c fenceline.schema_version=4"));
        query(t, "SET fenceline.schema_version = 5", (byte) 'I');
        assertEquals(5, v(t));
        assertEquals(Map.of(5, 1), enforcement.counts().get());
        query(t, "SET fenceline.schema_version = 4; SELECT 1/0", (byte) 'I', 1);
        assertEquals(5, v(t), "the implicit transaction rolled back, and the SET with it");
        query(t, "SELECT 1/0; SET fenceline.schema_version = 4", (byte) 'I', 0);
        assertEquals(5, v(t), "the SET never ran");
    }

    @Test
    void setInsideATransactionFollowsCommitAndRollback() {
        VersionTracker t = connect(Map.of("user", "app", "options", "-c fenceline.schema_version=4"));
        query(t, "BEGIN", (byte) 'T');
        query(t, "SET fenceline.schema_version = 5", (byte) 'T');
        assertEquals(5, v(t));
        query(t, "ROLLBACK", (byte) 'I');
        assertEquals(4, v(t));
        query(t, "BEGIN; SET fenceline.schema_version = 5; COMMIT", (byte) 'I');
        assertEquals(5, v(t));
        query(t, "BEGIN; SET LOCAL fenceline.schema_version = 4", (byte) 'T');
        assertEquals(4, v(t));
        query(t, "COMMIT", (byte) 'I');
        assertEquals(5, v(t), "SET LOCAL ends with its transaction");
    }

    @Test
    void aFailedBlockUndoesItsSetEvenOnCommit() {
        VersionTracker t = connect(Map.of("user", "app", "options", "-c fenceline.schema_version=4"));
        query(t, "BEGIN; SET fenceline.schema_version = 5; SELECT 1/0; COMMIT", (byte) 'E', 2);
        query(t, "COMMIT", (byte) 'I');
        assertEquals(4, v(t));
    }

    @Test
    void savepointsUndoWhatFollowsThem() {
        VersionTracker t = connect(Map.of("user", "app", "options", "-c fenceline.schema_version=4"));
        query(t, "BEGIN; SAVEPOINT a; SET fenceline.schema_version = 5", (byte) 'T');
        query(t, "SELECT 1/0", (byte) 'E', 0);
        query(t, "ROLLBACK TO SAVEPOINT a", (byte) 'T');
        assertEquals(4, v(t));
        query(t, "SAVEPOINT b; SET fenceline.schema_version = 5; RELEASE b; COMMIT", (byte) 'I');
        assertEquals(5, v(t));
    }

    @Test
    void resetGoesBackToTheStartValue() {
        VersionTracker t = connect(Map.of("user", "app", "options", "-c fenceline.schema_version=4"));
        query(t, "SET fenceline.schema_version = 5", (byte) 'I');
        query(t, "RESET fenceline.schema_version", (byte) 'I');
        assertEquals(4, v(t));
        query(t, "SET fenceline.schema_version = 5", (byte) 'I');
        query(t, "DISCARD ALL", (byte) 'I');
        assertEquals(4, v(t));
        VersionTracker undeclared = connect(Map.of("user", "app"));
        query(undeclared, "SET fenceline.schema_version = 4", (byte) 'I');
        assertEquals(4, v(undeclared));
        query(undeclared, "RESET ALL", (byte) 'I');
        assertEquals(5, v(undeclared), "back to undeclared: the default");
    }

    @Test
    void laterStatementsOfTheSameRequestSeeAQueuedSet() {
        VersionTracker t = connect(Map.of("user", "app", "options", "-c fenceline.schema_version=4"));
        long r = ++request;
        t.forwardedInQuery(new SessionStatement.Set("5", false), r, 0);
        assertEquals(5, v(t), "checked as the server will run it");
        t.error();
        t.readyForQuery((byte) 'I', r);
        assertEquals(4, v(t));
    }

    @Test
    void extendedProtocolFollowsParseBindExecute() {
        VersionTracker t = connect(Map.of("user", "app", "options", "-c fenceline.schema_version=4"));
        long r = ++request;
        t.parsed("", SessionStatement.parse("SET fenceline.schema_version = 5"));
        t.bound("", "");
        t.executed("", r);
        t.synced();
        t.completed(r);
        t.readyForQuery((byte) 'I', r);
        assertEquals(5, v(t));
        // pgJDBC's rollback of a transaction that set the version.
        r = ++request;
        t.parsed("", SessionStatement.parse("BEGIN"));
        t.bound("", "");
        t.executed("", r);
        t.parsed("S_1", SessionStatement.parse("SET fenceline.schema_version = 4"));
        t.bound("", "S_1");
        t.executed("", r);
        t.synced();
        t.completed(r);
        t.completed(r);
        t.readyForQuery((byte) 'T', r);
        assertEquals(4, v(t));
        r = ++request;
        t.parsed("", SessionStatement.parse("ROLLBACK"));
        t.bound("", "");
        t.executed("", r);
        t.synced();
        t.completed(r);
        t.readyForQuery((byte) 'I', r);
        assertEquals(5, v(t));
    }

    @Test
    void quietWhileNoTransactionStatementCouldChangeTheVersion() {
        VersionTracker t = connect(Map.of("user", "app", "options", "-c fenceline.schema_version=4"));
        assertTrue(t.quiet());
        query(t, "BEGIN; SET LOCAL fenceline.schema_version = 5", (byte) 'T');
        assertFalse(t.quiet(), "a ROLLBACK or COMMIT now ends the SET LOCAL");
        query(t, "COMMIT", (byte) 'I');
        assertTrue(t.quiet());
        query(t, "BEGIN; SAVEPOINT a", (byte) 'T');
        assertFalse(t.quiet());
        long r = ++request;
        t.forwardedInQuery(new SessionStatement.Set("5", false), r, 0);
        assertFalse(t.quiet());
    }

    @Test
    void aSetOutsideTheWindowOrNotANumberIsJudgedBeforeItRuns() {
        VersionTracker t = connect(Map.of("user", "app"));
        assertNull(t.judge(new SessionStatement.Set("4", false)));
        assertEquals("22023", t.judge(new SessionStatement.Set("3", false)).sqlState());
        assertEquals("22023", t.judge(new SessionStatement.Set("x", true)).sqlState());
        assertNull(t.judge(new SessionStatement.Commit()));
    }
}
