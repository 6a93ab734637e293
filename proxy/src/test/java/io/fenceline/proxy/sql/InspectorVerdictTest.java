package io.fenceline.proxy.sql;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The dialect, one statement per line of {@code verdicts.txt}: expected kind, tables read, tables
 * written and whether the statement is understood (in the manner of Calcite's BabelParserTest).
 */
class InspectorVerdictTest {

    private static final Inspector INSPECTOR = Inspector.create();

    record Case(int line, String kind, String read, String written, String sql) { }

    @TestFactory
    Stream<DynamicTest> verdicts() throws IOException {
        return cases().stream().map(c -> DynamicTest.dynamicTest(
                "line " + c.line() + ": " + c.sql(), () -> check(c)));
    }

    private static void check(Case c) {
        List<Verdict> verdicts = INSPECTOR.inspect(c.sql());
        assertEquals(1, verdicts.size(), "statements in " + c.sql());
        Verdict v = verdicts.get(0);
        boolean understood = !c.kind().endsWith("?");
        String expected = describe(c.kind().replace("?", ""), understood, tables(c.read()),
                tables(c.written()));
        String actual = describe(v.kind().name(), v.understood(), names(v.tablesRead()),
                names(v.tablesWritten()));
        assertEquals(expected, actual, () -> "line " + c.line() + ": " + c.sql() + " -> " + v);
        if (!understood) {
            assertEquals(true, v.mayWrite() && v.mayBeDdl(), "not understood must fail closed");
        }
    }

    private static String describe(String kind, boolean understood, Set<String> read,
            Set<String> written) {
        return kind + (understood ? "" : "?") + " read=" + read + " written=" + written;
    }

    private static Set<String> tables(String list) {
        if (list.equals("-")) {
            return Set.of();
        }
        return Arrays.stream(list.split(",")).map(String::trim)
                .collect(Collectors.toCollection(TreeSet::new));
    }

    private static Set<String> names(Set<TableName> tables) {
        return tables.stream().map(TableName::toString).collect(Collectors.toCollection(TreeSet::new));
    }

    static List<Case> cases() throws IOException {
        List<Case> out = new ArrayList<>();
        try (InputStream in = InspectorVerdictTest.class.getResourceAsStream("verdicts.txt")) {
            String[] lines = new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n");
            for (int k = 0; k < lines.length; k++) {
                String line = lines[k];
                if (line.isBlank() || line.startsWith("#")) {
                    continue;
                }
                String[] f = line.split(" \\| ", 4);
                out.add(new Case(k + 1, f[0].trim(), f[1].trim(), f[2].trim(), f[3].trim()));
            }
        }
        return out;
    }
}
