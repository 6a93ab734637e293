package io.fenceline.proxy.sql;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Splitting of simple-protocol Query text into statements. */
class StatementSplitterTest {

    @Test
    void splitsAtTopLevelSemicolons() {
        assertEquals(List.of("select 1", "select 2", "begin"),
                StatementSplitter.split("select 1; select 2 ;\n begin;"));
    }

    @Test
    void dropsEmptyAndCommentOnlyStatements() {
        assertEquals(List.of("select 1"), StatementSplitter.split(";; -- nothing\n select 1; /* x */ ;"));
        assertEquals(List.of(), StatementSplitter.split("  -- only a comment"));
    }

    @Test
    void semicolonsInsideQuotesAndCommentsDoNotSplit() {
        assertEquals(List.of("select 'a;b', \"c;d\", E'e\\';f' from t"),
                StatementSplitter.split("select 'a;b', \"c;d\", E'e\\';f' from t"));
        assertEquals(List.of("select 1", "select 2"),
                StatementSplitter.split("select 1 /* a ; /* nested ; */ b ; */; select 2"));
        assertEquals(List.of("select 1 -- trailing ; comment\n + 1"),
                StatementSplitter.split("select 1 -- trailing ; comment\n + 1"));
    }

    @Test
    void dollarQuotesWithAndWithoutTags() {
        String body = "create function f() returns int as $$ select 1; $$ language sql";
        String tagged = "do $body$ begin perform 1; raise notice '$$;'; end $body$";
        assertEquals(List.of(body, tagged), StatementSplitter.split(body + ";" + tagged + ";"));
    }

    @Test
    void parametersAreNotDollarQuotes() {
        assertEquals(List.of("select $1", "select $2"), StatementSplitter.split("select $1; select $2"));
    }

    @Test
    void beginAtomicBodiesStayWhole() {
        String f = "create function f(a int) returns int language sql begin atomic select a; select case when a > 0"
                + " then 1 else 2 end; end";
        assertEquals(List.of(f, "select f(1)"), StatementSplitter.split(f + "; select f(1);"));
    }

    @Test
    void parenthesesKeepSemicolonsInside() {
        assertEquals(List.of("select (select 1; )"), StatementSplitter.split("select (select 1; )"));
    }

    @Test
    void unterminatedQuoteRunsToTheEnd() {
        assertEquals(List.of("select 'abc; select 2"), StatementSplitter.split("select 'abc; select 2"));
    }
}
