package io.fenceline.proxy.sql;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Rows of a VALUES list that repeat an earlier row's shape are dropped while splitting; the verdict is the same. */
class ValuesRowsTest {

    private static String normalised(String sql) {
        return Normaliser.normalise(StatementSplitter.pieces(sql).get(0).tokens()).text();
    }

    private static String bulk(int rows) {
        StringBuilder b = new StringBuilder("INSERT INTO bulk (id, name) VALUES ");
        for (int i = 0; i < rows; i++) {
            b.append(i == 0 ? "" : ", ").append('(').append(i).append(", E'name\\\\").append(i).append("')");
        }
        return b.append(" ON CONFLICT (id) DO UPDATE SET name = excluded.name RETURNING id").toString();
    }

    @Test
    void alikeRowsFoldToTheFirstAndTheVerdictIsTheOneRowVerdict() {
        assertEquals(normalised(bulk(1)), normalised(bulk(500)));
        Inspector inspector = Inspector.create();
        List<Verdict> one = inspector.inspect(bulk(1));
        List<Verdict> many = inspector.inspect(bulk(500));
        assertEquals(one, many);
        assertEquals(1, inspector.cachedStatements(), "any number of alike rows shares one cache entry");
        assertTrue(many.get(0).mayWrite());
    }

    @Test
    void aBulkInsertHoldsTheTokensOfOneRowNotOfAll() {
        List<Token> tokens = StatementSplitter.pieces(bulk(100_000)).get(0).tokens();
        assertTrue(tokens.size() < 40, "tokens held: " + tokens.size());
    }

    @Test
    void rowsOfOtherShapesAreKept() {
        String sql = "insert into t (a, b) values (1, 'x'), (2, 'y'), (null, 'z'), (3, now()), (-4, 'w'), (5, default)";
        assertEquals("insert into t ( a , b ) values ( 0 , '?' ) , ( null , '?' ) , ( 0 , now ( ) ) , ( 0 , '?' ) , "
                + "( 0 , default )", normalised(sql));
    }

    @Test
    void theModeOfLoOpenIsPartOfARowsShape() {
        String readThenWrite = "select * from (values (lo_open(1, 262144)), (lo_open(1, 131072))) v";
        String writeThenRead = "select * from (values (lo_open(1, 131072)), (lo_open(1, 262144))) v";
        assertEquals(Inspector.create().inspect(writeThenRead), Inspector.create().inspect(readThenWrite));
        assertNotEquals(normalised("select * from (values (lo_open(1, 262144))) v"), normalised(readThenWrite));
    }

    @Test
    void rowsWithSubqueriesFoldOnlyWhenTheSubqueryIsTheSame() {
        String same = "insert into t values (1, (select x from a)), (2, (select x from a))";
        String other = "insert into t values (1, (select x from a)), (2, (select y from b))";
        assertEquals(normalised("insert into t values (1, (select x from a))"), normalised(same));
        assertTrue(normalised(other).contains("from b"), normalised(other));
        assertTrue(Inspector.create().inspect(other).get(0).tablesRead().toString().contains("b"));
    }

    @Test
    void listsEndWhereTheRowsEndAndALaterListFoldsOnItsOwn() {
        String sql = "with v (a) as (values (1), (2)) insert into t select a from v union all values (3), (4)";
        assertEquals("with v ( a ) as ( values ( 0 ) ) insert into t select a from v union all values ( 0 )",
                normalised(sql));
    }

    @Test
    void statementPositionsAndTextsAreUnchanged() {
        String sql = "insert into t values (1), (2), (3); select 1; values (1), (2)";
        assertArrayEquals(new int[]{0, 36, 46}, StatementSplitter.starts(sql));
        assertEquals(List.of("insert into t values (1), (2), (3)", "select 1", "values (1), (2)"),
                StatementSplitter.split(sql));
    }
}
