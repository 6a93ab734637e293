package io.fenceline.proxy.sql;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

/** The per-connection memory of the last text: what it matches, and that a match is always a cache-key match. */
class LastTextTest {

    /** The verdict cache's keys of a text, statement by statement. */
    private static List<String> keys(String sql) {
        List<String> out = new ArrayList<>();
        for (StatementSplitter.Piece p : StatementSplitter.pieces(sql)) {
            out.add(Normaliser.normalise(p.tokens()).text());
        }
        return out;
    }

    @ParameterizedTest(name = "[{index}] {0} | {1} -> {2}")
    @CsvSource(delimiter = '~', quoteCharacter = '"', textBlock = """
            SELECT abalance FROM pgbench_accounts WHERE aid = 123;  ~  SELECT abalance FROM pgbench_accounts WHERE aid = 98765;  ~  true
            UPDATE t SET a = a + 5 WHERE id = 7  ~  UPDATE t SET a = a + -3 WHERE id = 7  ~  false
            UPDATE t SET a = a + 5 WHERE id = 7  ~  UPDATE t SET a = a + 12 WHERE id = 700  ~  true
            INSERT INTO t VALUES (1, 'x')  ~  INSERT INTO t VALUES (2, 'it''s; DROP TABLE t')  ~  true
            INSERT INTO t VALUES (1, 'x')  ~  INSERT INTO t VALUES (2, E'y')  ~  false
            INSERT INTO t VALUES (1, 'x')  ~  INSERT INTO t VALUES (2.5, 'y')  ~  false
            INSERT INTO t VALUES (1, 'x')  ~  INSERT INTO t VALUES (1e3, 'y')  ~  false
            INSERT INTO t VALUES (1, 'x')  ~  INSERT INTO t VALUES (1, 'x'); DELETE FROM t  ~  false
            INSERT INTO t VALUES (1, 'x')  ~  INSERT INTO t VALUES (1, 'x  ~  false
            SELECT 1  ~  SELECT 1 -- comment  ~  false
            SELECT 1  ~  select 1  ~  false
            SELECT 1  ~  SELECT 1  ~  true
            SELECT 'a' || 'b'  ~  SELECT '' || ''''  ~  true
            SELECT 'a' FROM t  ~  SELECT 'a' 'b' FROM t  ~  false
            SELECT x FROM t WHERE y = 'a'  ~  SELECT x FROM t WHERE y = 'a' OR 1 = 1  ~  false
            SET fenceline.schema_version = 1  ~  SET fenceline.schema_version = 2  ~  true
            """)
    void matchesOnlyTheSameTextWithOtherConstants(String first, String second, boolean matches) {
        Inspector inspector = Inspector.create();
        LastText last = new LastText();
        List<Verdict> v = inspector.inspect(first, last);
        List<Verdict> remembered = last.verdicts(second);
        if (matches) {
            assertNotNull(remembered, second + " should match " + first);
            assertEquals(v, remembered, "a match returns the remembered verdicts");
            assertEquals(keys(first), keys(second), "a match is a cache-key match");
        } else {
            assertNull(remembered, second + " must not match " + first);
        }
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @CsvSource(delimiter = '~', quoteCharacter = '"', textBlock = """
            SELECT 1.5
            SELECT E'x'
            SELECT $$x$$
            SELECT B'101'
            SELECT X'ff'
            SELECT 1e5
            SELECT t.5 FROM t
            """)
    void aTextWithOtherConstantsIsNotRemembered(String sql) {
        LastText last = new LastText();
        Inspector.create().inspect(sql, last);
        assertNull(last.verdicts(sql), "not even the same text matches: nothing was remembered");
    }

    @Test
    void aNotUnderstoodTextIsNotRemembered() {
        LastText last = new LastText();
        Inspector inspector = Inspector.create();
        List<Verdict> v = inspector.inspect("SELEC 1 FRM", last);
        assertEquals(false, v.get(0).understood());
        assertNull(last.verdicts("SELEC 1 FRM"));
    }

    /** pgbench's TPC-B script cycles through seven texts: after the first transaction each is remembered. */
    @Test
    void aScriptOfSeveralStatementsIsRememberedStatementByStatement() {
        String[] script = {"BEGIN;", "UPDATE pgbench_accounts SET abalance = abalance + %d WHERE aid = %d;",
                "SELECT abalance FROM pgbench_accounts WHERE aid = %d;",
                "UPDATE pgbench_tellers SET tbalance = tbalance + %d WHERE tid = %d;",
                "UPDATE pgbench_branches SET bbalance = bbalance + %d WHERE bid = %d;",
                "INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) VALUES (%d, %d, %d, %d, CURRENT_TIMESTAMP);",
                "END;"};
        Random random = new Random(7);
        Inspector inspector = Inspector.create();
        LastText last = new LastText();
        List<List<Verdict>> first = new ArrayList<>();
        for (String statement : script) {
            first.add(inspector.inspect(fill(statement, random), last));
        }
        for (int round = 0; round < 20; round++) {
            for (int k = 0; k < script.length; k++) {
                assertEquals(first.get(k), last.verdicts(fill(script[k], random)), script[k]);
            }
        }
    }

    /** A constant whose sign changes makes a second shape of the statement; once both were seen, both match. */
    @Test
    void bothSignsOfAConstantAreRememberedAsTwoShapes() {
        Inspector inspector = Inspector.create();
        LastText last = new LastText();
        String plus = "UPDATE pgbench_tellers SET tbalance = tbalance + 5 WHERE tid = 1;";
        String minus = "UPDATE pgbench_tellers SET tbalance = tbalance + -5 WHERE tid = 1;";
        List<Verdict> v = inspector.inspect(plus, last);
        assertNull(last.verdicts(minus), "the sign is fixed text");
        inspector.inspect(minus, last);
        assertEquals(v, last.verdicts("UPDATE pgbench_tellers SET tbalance = tbalance + 4711 WHERE tid = 9;"));
        assertEquals(v, last.verdicts("UPDATE pgbench_tellers SET tbalance = tbalance + -4711 WHERE tid = 9;"));
        assertEquals(keys(plus), keys(minus), "the cache key folds the sign too");
    }

    @Test
    void theOldestTextIsForgottenFirstAndLongTextsAreNotRemembered() {
        Inspector inspector = Inspector.create();
        LastText last = new LastText();
        for (int k = 0; k <= LastText.CAPACITY; k++) {
            inspector.inspect("SELECT c" + k + " FROM t WHERE id = 1", last);
        }
        assertNull(last.verdicts("SELECT c0 FROM t WHERE id = 2"), "the oldest was replaced");
        assertNotNull(last.verdicts("SELECT c1 FROM t WHERE id = 2"));
        assertNotNull(last.verdicts("SELECT c" + LastText.CAPACITY + " FROM t WHERE id = 2"));
        String longText = "SELECT 1 FROM t WHERE " + "id = 1 OR ".repeat(LastText.MAX_LENGTH / 10) + "id = 2";
        inspector.inspect(longText, last);
        assertNull(last.verdicts(longText));
    }

    /**
     * Random constants written into pgbench's and other statements: every text the memory matches has the
     * cache keys of the remembered one, and every such text with only digits and plain strings changed matches.
     */
    @Test
    void randomConstantsMatchAndAlwaysShareTheCacheKeys() {
        Random random = new Random(42);
        String[] templates = {
                "UPDATE pgbench_accounts SET abalance = abalance + %d WHERE aid = %d;",
                "SELECT abalance FROM pgbench_accounts WHERE aid = %d;",
                "INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) VALUES (%d, %d, %d, %d, CURRENT_TIMESTAMP);",
                "SELECT * FROM users WHERE name = %s AND age > %d ORDER BY id LIMIT %d",
                "BEGIN; UPDATE t SET note = %s WHERE id = %d; COMMIT",
        };
        for (String template : templates) {
            LastText last = new LastText();
            Inspector inspector = Inspector.create();
            String first = fill(template, random);
            List<Verdict> v = inspector.inspect(first, last);
            for (int n = 0; n < 200; n++) {
                String next = fill(template, random);
                assertEquals(v, last.verdicts(next), next + " should match " + first);
                assertEquals(keys(first), keys(next));
            }
        }
    }

    private static String fill(String template, Random random) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < template.length(); i++) {
            char c = template.charAt(i);
            if (c == '%' && template.charAt(i + 1) == 'd') {
                out.append(random.nextInt(1_000_000));
                i++;
            } else if (c == '%' && template.charAt(i + 1) == 's') {
                String alphabet = "ab;'-/* $\"\n";
                StringBuilder s = new StringBuilder("'");
                for (int k = random.nextInt(8); k > 0; k--) {
                    char x = alphabet.charAt(random.nextInt(alphabet.length()));
                    s.append(x == '\'' ? "''" : String.valueOf(x));
                }
                out.append(s).append('\'');
                i++;
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }
}
