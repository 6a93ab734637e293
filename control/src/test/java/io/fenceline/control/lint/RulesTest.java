package io.fenceline.control.lint;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The rule logic on hand-made facts (the facts themselves are checked against PostgreSQL in LintIT). */
class RulesTest {

    @ParameterizedTest(name = "{0} -> {1}: {2}")
    @CsvSource(delimiter = '|', value = {
            "character varying(20)|character varying(40)|true",
            "character varying(20)|character varying(20)|true",
            "character varying(20)|character varying(10)|false",
            "character varying(20)|character varying|true",
            "character varying|character varying(20)|false",
            "character varying(20)|text|true",
            "text|character varying(20)|false",
            "numeric(10,2)|numeric(12,2)|true",
            "numeric(10,2)|numeric(12,3)|false",
            "numeric(10,2)|numeric|true",
            "integer|bigint|false",
            "bigint|integer|false"})
    void widening(String before, String after, boolean widening) {
        assertEquals(widening, Rules.isWidening(before, after));
    }

    @ParameterizedTest(name = "{0} -> {1}: {2}")
    @CsvSource(delimiter = '|', value = {
            "''|{postgres=arwdDxt/postgres,app=r/postgres}|false",
            "{postgres=arwdDxt/postgres,app=r/postgres}|{postgres=arwdDxt/postgres}|true",
            "{postgres=arwdDxt/postgres,app=r/postgres}|{postgres=arwdDxt/postgres,app=rw/postgres}|false",
            "{postgres=arwdDxt/postgres,app=rw/postgres}|{postgres=arwdDxt/postgres,app=r/postgres}|true",
            "{postgres=arwdDxt/postgres,=r/postgres}|{postgres=arwdDxt/postgres}|true"})
    void revokes(String before, String after, boolean revokes) {
        assertEquals(revokes, Rules.revokes(before, after));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "CREATE INDEX CONCURRENTLY i ON t (a)|CREATE INDEX i ON t (a)|true",
            "create unique index concurrently if not exists i on t (a)|create unique index if not exists i on t (a)|true",
            "/* why */ DROP INDEX CONCURRENTLY IF EXISTS i|DROP INDEX IF EXISTS i|true",
            "REINDEX (VERBOSE) INDEX CONCURRENTLY i|REINDEX (VERBOSE) INDEX i|true",
            "CREATE INDEX i ON t (a)|CREATE INDEX i ON t (a)|false",
            "COMMENT ON TABLE t IS 'CREATE INDEX CONCURRENTLY'|COMMENT ON TABLE t IS 'CREATE INDEX CONCURRENTLY'|false"})
    void concurrentEquivalent(String sql, String executed, boolean concurrent) {
        Equivalent eq = Equivalent.of(sql);
        assertEquals(concurrent, eq.concurrent());
        assertEquals(executed, eq.executed());
    }

    @Test
    void firstWordSkipsComments() {
        assertEquals("TRUNCATE", Rules.firstWord("/* a */ -- b\n truncate t"));
    }

    private static final CatalogObject TABLE = new CatalogObject("rel:1", "relation public.t", ObjectKind.TABLE,
            "public.t", null, 100, Map.of("name", "t", "schema", "public"));

    private static CatalogObject column(boolean notNull) {
        return new CatalogObject("col:1:1", "column public.t.a", ObjectKind.COLUMN, "public.t.a", "rel:1", 0,
                Map.of("name", "a", "type", "integer", "not null", Boolean.toString(notNull), "default", ""));
    }

    private static Set<String> fired(List<CatalogObject> before, List<CatalogObject> after, List<RelationLock> locks,
                                     long rows, LintOptions options) {
        CatalogSnapshot b = CatalogSnapshot.of(before);
        CatalogSnapshot a = CatalogSnapshot.of(after);
        StatementFacts facts = new StatementFacts("ALTER TABLE t ...", "ALTER TABLE t ...", false, b, a,
                CatalogDiff.byIdentity(b, a), List.of(), locks, new TableSizes(Map.of("rel:1", rows), 1001, false));
        return Rules.evaluate(facts, options).stream().map(f -> f.rule().id()).collect(Collectors.toSet());
    }

    @Test
    void setNotNullScanIsSkippedWhenAValidatedNotNullCheckExists() {
        CatalogObject check = new CatalogObject("con:9", "constraint public.t.a_nn", ObjectKind.CONSTRAINT,
                "public.t.a_nn", "rel:1", 0, Map.of("name", "a_nn", "constraint type", "c",
                "definition", "CHECK ((a IS NOT NULL))", "validated", "true"));
        assertEquals(Set.of("FL106", "FL205"), fired(List.of(TABLE, column(false)), List.of(TABLE, column(true)),
                List.of(), 10, LintOptions.DEFAULTS));
        assertEquals(Set.of("FL106"), fired(List.of(TABLE, column(false), check),
                List.of(TABLE, column(true), check), List.of(), 10, LintOptions.DEFAULTS));
        assertEquals(Set.of("FL106"), fired(List.of(TABLE, column(false)), List.of(TABLE, column(true)),
                List.of(), 0, LintOptions.DEFAULTS), "an empty table is not scanned");
    }

    @Test
    void accessExclusiveIsANoteOnSmallTablesAndDangerousOnBigOnes() {
        List<RelationLock> lock = List.of(new RelationLock("rel:1", "public.t", ObjectKind.TABLE,
                LockMode.ACCESS_EXCLUSIVE, LockMode.ACCESS_EXCLUSIVE, true));
        assertEquals(Set.of("FL301"), fired(List.of(TABLE), List.of(TABLE), lock, 1000, LintOptions.DEFAULTS));
        assertEquals(Set.of("FL206"), fired(List.of(TABLE), List.of(TABLE), lock, 1000,
                LintOptions.DEFAULTS.withBigTableRows(999)));
    }

    @Test
    void allowedDangerousFindingsDoNotBlockButErrorsAlwaysDo() {
        Finding allowed = new Finding(LintRule.FL201, "public.t", "rewrite", true);
        Finding refused = new Finding(LintRule.FL201, "public.t", "rewrite", false);
        Finding error = new Finding(LintRule.FL401, "statement 1", "breaking in expand", false);
        assertFalse(allowed.blocks());
        assertTrue(refused.blocks());
        assertTrue(error.blocks());
        assertEquals(Verdict.DANGEROUS, Rules.verdict(List.of(allowed)));
    }

    @Test
    void ruleIdsAreUniqueAndEveryRuleIsExplained() {
        assertEquals(LintRule.values().length, Arrays.stream(LintRule.values()).map(LintRule::slug).distinct().count());
        for (LintRule rule : LintRule.values()) {
            assertTrue(rule.id().matches("FL\\d{3}"), rule.id());
            assertTrue(rule.explanation().length() > 40, rule.id());
        }
    }
}
