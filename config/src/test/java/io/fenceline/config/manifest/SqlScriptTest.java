package io.fenceline.config.manifest;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

class SqlScriptTest {

    static Stream<Arguments> scripts() {
        return Stream.of(
                Arguments.of("SELECT 1; SELECT 2", List.of("SELECT 1", "SELECT 2")),
                Arguments.of("SELECT ';'; SELECT 'it''s;'", List.of("SELECT ';'", "SELECT 'it''s;'")),
                Arguments.of("SELECT E'a\\';b'; SELECT 2", List.of("SELECT E'a\\';b'", "SELECT 2")),
                Arguments.of("CREATE TABLE \"a;b\" (x int);", List.of("CREATE TABLE \"a;b\" (x int)")),
                Arguments.of("-- only; a comment\nSELECT 1; -- trailing;\n", List.of("-- only; a comment\nSELECT 1")),
                Arguments.of("/* a /* nested; */ still; */ SELECT 1;", List.of("/* a /* nested; */ still; */ SELECT 1")),
                Arguments.of("CREATE FUNCTION f() RETURNS int AS $body$ SELECT 1; $body$ LANGUAGE sql; SELECT 2",
                        List.of("CREATE FUNCTION f() RETURNS int AS $body$ SELECT 1; $body$ LANGUAGE sql", "SELECT 2")),
                Arguments.of("DO $$ BEGIN PERFORM 1; END $$;", List.of("DO $$ BEGIN PERFORM 1; END $$")),
                Arguments.of("PREPARE p AS SELECT $1; ;;", List.of("PREPARE p AS SELECT $1")),
                Arguments.of("  ;\n -- nothing\n", List.of()));
    }

    @ParameterizedTest
    @MethodSource("scripts")
    void splitsLikePsql(String script, List<String> expected) {
        assertEquals(expected, SqlScript.split(script));
    }
}
