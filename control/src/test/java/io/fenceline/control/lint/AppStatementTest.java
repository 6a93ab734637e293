package io.fenceline.control.lint;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The statements file: lines or {@code ;}-separated statements, version tags, comments, quotes. */
class AppStatementTest {

    private static List<String> parsed(String file) {
        return AppStatement.parse(file).stream().map(s -> (s.version() == null ? "-" : "V" + s.version()) + "@"
                + s.line() + " " + s.text()).toList();
    }

    @Test
    void oneStatementPerLineWithoutSemicolons() {
        assertEquals(List.of("-@1 SELECT 1", "V2@3 SELECT a FROM t WHERE b = $1"),
                parsed("SELECT 1\n-- a comment\nV2: SELECT a FROM t WHERE b = $1\n\n"));
    }

    @Test
    void semicolonsSplitOutsideQuotesDollarQuotesAndComments() {
        String file = """
                -- header
                SELECT 'a;b' FROM t;
                V1: SELECT $$x;y$$,
                    "c;d" FROM u /* ; */ WHERE e = 1;
                v3:DELETE FROM w -- trailing; comment
                """;
        assertEquals(List.of("-@2 SELECT 'a;b' FROM t",
                "V1@3 SELECT $$x;y$$,\n    \"c;d\" FROM u /* ; */ WHERE e = 1",
                "V3@5 DELETE FROM w -- trailing; comment"), parsed(file));
    }

    @Test
    void parametersAreCountedByTheHighestNumber() {
        assertEquals(3, new AppStatement("SELECT $3, $1", null, 1).parameters());
        assertEquals(0, new AppStatement("SELECT 'costs $1'", null, 1).parameters(), "inside a string constant");
        assertEquals(2, new AppStatement("SELECT 'it''s $5', $2", null, 1).parameters());
    }
}
