package io.fenceline.control.lint;

import io.fenceline.config.manifest.Manifest;
import io.fenceline.config.manifest.ManifestOptions;
import io.fenceline.config.manifest.Phase;
import io.fenceline.config.manifest.PhaseName;
import io.fenceline.testing.PostgresServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static io.fenceline.config.manifest.PhaseName.CONTRACT;
import static io.fenceline.config.manifest.PhaseName.EXPAND;
import static io.fenceline.control.lint.Verdict.BREAKING;
import static io.fenceline.control.lint.Verdict.COMPATIBLE;
import static io.fenceline.control.lint.Verdict.DANGEROUS;
import static io.fenceline.control.lint.Verdict.FAILED;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Lint against a real PostgreSQL: a table of DDL statements, each with the facts PostgreSQL showed
 * (table rewrite yes/no, strongest lock on an existing relation) and the verdict our rules give. The
 * scratch schema has tables with rows ({@code accounts} 1000, {@code orders} 2000) and an empty one, so
 * the "non-empty" rules fire where they should. Each row is linted from the same schema (lint rolls back).
 */
class LintIT {

    private static final Logger log = LoggerFactory.getLogger(LintIT.class);

    private static final String SCHEMA = """
            CREATE ROLE app_reader;
            CREATE TABLE accounts (id bigint PRIMARY KEY, name varchar(50) NOT NULL, email text,
                status text DEFAULT 'active', created_at timestamptz DEFAULT now(), score int);
            INSERT INTO accounts SELECT g, 'user' || g, 'u' || g || '@example.com', 'active', now(), g
                FROM generate_series(1, 1000) g;
            CREATE INDEX accounts_email ON accounts (email);
            CREATE TABLE orders (id bigint PRIMARY KEY, account_id bigint, total numeric(10,2), note varchar(20));
            INSERT INTO orders SELECT g, g % 1000 + 1, g, 'n' FROM generate_series(1, 2000) g;
            ALTER TABLE orders ADD CONSTRAINT orders_total_positive CHECK (total > 0) NOT VALID;
            CREATE TABLE empty_audit (id int, payload text);
            CREATE VIEW active_accounts AS SELECT id, name FROM accounts WHERE status = 'active';
            CREATE SEQUENCE invoice_seq;
            CREATE TYPE mood AS ENUM ('happy', 'sad');
            GRANT SELECT ON accounts TO app_reader;
            CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
            """;

    private static final String AEL = "AccessExclusiveLock";
    private static final String SUEL = "ShareUpdateExclusiveLock";
    private static final String SL = "ShareLock";
    private static final String SREL = "ShareRowExclusiveLock";
    private static final String ASL = "AccessShareLock";
    private static final String NONE = "none";

    private static PostgresServer pg;
    private static String scratchUrl;
    private static Linter linter;
    private static final List<String> results = Collections.synchronizedList(new ArrayList<>());

    @BeforeAll
    static void startPostgres() throws Exception {
        pg = PostgresServer.builder().start();
        pg.execute("CREATE DATABASE lint_scratch");
        pg.executeIn("lint_scratch", SCHEMA);
        scratchUrl = pg.jdbcUrl("lint_scratch") + "?user=" + pg.superuser();
        linter = new Linter(ScratchDatabase.of(scratchUrl), LintOptions.DEFAULTS);
    }

    @AfterAll
    static void stopPostgres() throws Exception {
        log.info("lint table ({} rows):\n{}", results.size(), String.join("\n", new TreeSet<>(results)));
        if (pg != null) {
            pg.close();
        }
    }

    /**
     * name, phase, statement, expected verdict, rewrite observed, strongest lock on an existing relation
     * ("mode on relation" or "none"), rule ids that must fire (others may fire too).
     */
    static Stream<Arguments> statements() {
        return Stream.of(
                row("add nullable column", EXPAND, "ALTER TABLE accounts ADD COLUMN nickname text",
                        COMPATIBLE, false, AEL + " on public.accounts", "FL301"),
                row("add NOT NULL column without default (rows)", EXPAND,
                        "ALTER TABLE accounts ADD COLUMN tier int NOT NULL", FAILED, false, NONE, "FL001"),
                row("add NOT NULL column without default (empty table)", EXPAND,
                        "ALTER TABLE empty_audit ADD COLUMN kind text NOT NULL",
                        BREAKING, false, AEL + " on public.empty_audit", "FL107", "FL401"),
                row("add NOT NULL column with constant default", EXPAND,
                        "ALTER TABLE accounts ADD COLUMN verified boolean NOT NULL DEFAULT false",
                        COMPATIBLE, false, AEL + " on public.accounts", "FL301"),
                row("add column with volatile default", EXPAND,
                        "ALTER TABLE accounts ADD COLUMN token uuid DEFAULT gen_random_uuid()",
                        DANGEROUS, true, AEL + " on public.accounts", "FL201"),
                row("add stored generated column", EXPAND,
                        "ALTER TABLE accounts ADD COLUMN score2 int GENERATED ALWAYS AS (score * 2) STORED",
                        DANGEROUS, true, AEL + " on public.accounts", "FL201"),
                row("set type int -> bigint (rewrite)", EXPAND,
                        "ALTER TABLE accounts ALTER COLUMN score TYPE bigint",
                        DANGEROUS, true, AEL + " on public.accounts", "FL201", "FL105", "FL401"),
                row("widen varchar(20) -> varchar(40)", EXPAND,
                        "ALTER TABLE orders ALTER COLUMN note TYPE varchar(40)",
                        COMPATIBLE, false, AEL + " on public.orders", "FL301"),
                row("set type of a column a view uses", EXPAND,
                        "ALTER TABLE accounts ALTER COLUMN name TYPE varchar(100)", FAILED, false, NONE, "FL001"),
                row("varchar(20) -> text", EXPAND, "ALTER TABLE orders ALTER COLUMN note TYPE text",
                        COMPATIBLE, false, AEL + " on public.orders", "FL301"),
                row("narrow varchar(20) -> varchar(10)", CONTRACT,
                        "ALTER TABLE orders ALTER COLUMN note TYPE varchar(10)",
                        DANGEROUS, true, AEL + " on public.orders", "FL105", "FL201"),
                row("create index without CONCURRENTLY", EXPAND,
                        "CREATE INDEX accounts_name ON accounts (name)",
                        DANGEROUS, false, SL + " on public.accounts", "FL202"),
                row("create index CONCURRENTLY", EXPAND,
                        "CREATE INDEX CONCURRENTLY accounts_name ON accounts (name)",
                        COMPATIBLE, false, SUEL + " on public.accounts", "FL302"),
                row("create index on empty table", EXPAND, "CREATE INDEX empty_audit_id ON empty_audit (id)",
                        COMPATIBLE, false, SL + " on public.empty_audit"),
                row("drop index", EXPAND, "DROP INDEX accounts_email",
                        COMPATIBLE, false, AEL + " on public.accounts", "FL301"),
                row("drop index CONCURRENTLY", EXPAND, "DROP INDEX CONCURRENTLY accounts_email",
                        COMPATIBLE, false, SUEL + " on public.accounts", "FL302"),
                row("rename column in expand", EXPAND, "ALTER TABLE accounts RENAME COLUMN email TO email_address",
                        BREAKING, false, AEL + " on public.accounts", "FL104", "FL401"),
                row("rename column in contract", CONTRACT,
                        "ALTER TABLE accounts RENAME COLUMN email TO email_address",
                        BREAKING, false, AEL + " on public.accounts", "FL104"),
                row("rename table", CONTRACT, "ALTER TABLE orders RENAME TO purchases",
                        BREAKING, false, AEL + " on public.purchases", "FL103"),
                row("drop column", CONTRACT, "ALTER TABLE accounts DROP COLUMN score",
                        BREAKING, false, AEL + " on public.accounts", "FL102"),
                row("drop column in expand", EXPAND, "ALTER TABLE accounts DROP COLUMN score",
                        BREAKING, false, AEL + " on public.accounts", "FL102", "FL401"),
                row("drop table", CONTRACT, "DROP TABLE empty_audit",
                        BREAKING, false, AEL + " on public.empty_audit", "FL101"),
                row("add foreign key (validated)", EXPAND,
                        "ALTER TABLE orders ADD CONSTRAINT orders_account_fk FOREIGN KEY (account_id)"
                                + " REFERENCES accounts (id)",
                        DANGEROUS, false, SREL + " on public.accounts", "FL203"),
                row("add foreign key NOT VALID", EXPAND,
                        "ALTER TABLE orders ADD CONSTRAINT orders_account_fk FOREIGN KEY (account_id)"
                                + " REFERENCES accounts (id) NOT VALID",
                        COMPATIBLE, false, SREL + " on public.accounts", "FL303", "FL304"),
                row("add CHECK (validated)", EXPAND,
                        "ALTER TABLE accounts ADD CONSTRAINT accounts_score_positive CHECK (score >= 0)",
                        DANGEROUS, false, AEL + " on public.accounts", "FL204"),
                row("add CHECK NOT VALID", EXPAND,
                        "ALTER TABLE accounts ADD CONSTRAINT accounts_score_positive CHECK (score >= 0) NOT VALID",
                        COMPATIBLE, false, AEL + " on public.accounts", "FL303"),
                row("validate constraint", EXPAND, "ALTER TABLE orders VALIDATE CONSTRAINT orders_total_positive",
                        COMPATIBLE, false, SUEL + " on public.orders"),
                row("set NOT NULL", CONTRACT, "ALTER TABLE accounts ALTER COLUMN email SET NOT NULL",
                        DANGEROUS, false, AEL + " on public.accounts", "FL106", "FL205"),
                row("drop NOT NULL", EXPAND, "ALTER TABLE accounts ALTER COLUMN name DROP NOT NULL",
                        COMPATIBLE, false, AEL + " on public.accounts"),
                row("add unique constraint", EXPAND,
                        "ALTER TABLE accounts ADD CONSTRAINT accounts_email_key UNIQUE (email)",
                        DANGEROUS, false, AEL + " on public.accounts", "FL202", "FL304"),
                row("create table with foreign key", EXPAND,
                        "CREATE TABLE invoices (id bigint PRIMARY KEY, account_id bigint REFERENCES accounts (id),"
                                + " amount numeric)",
                        COMPATIBLE, false, SREL + " on public.accounts"),
                row("create view", EXPAND,
                        "CREATE VIEW big_orders AS SELECT id, total FROM orders WHERE total > 100",
                        COMPATIBLE, false, ASL + " on public.orders"),
                row("drop view", CONTRACT, "DROP VIEW active_accounts",
                        BREAKING, false, AEL + " on public.active_accounts", "FL108"),
                row("create sequence", EXPAND, "CREATE SEQUENCE ticket_seq", COMPATIBLE, false, NONE),
                row("alter sequence", EXPAND, "ALTER SEQUENCE invoice_seq INCREMENT BY 10",
                        COMPATIBLE, true, SREL + " on public.invoice_seq"),
                row("enum add value", EXPAND, "ALTER TYPE mood ADD VALUE 'calm'", COMPATIBLE, false, NONE),
                row("enum rename value", CONTRACT, "ALTER TYPE mood RENAME VALUE 'sad' TO 'unhappy'",
                        BREAKING, false, NONE, "FL109"),
                row("create composite type", EXPAND, "CREATE TYPE address AS (street text, city text)",
                        COMPATIBLE, false, NONE),
                row("comment on column", EXPAND, "COMMENT ON COLUMN accounts.email IS 'primary contact'",
                        COMPATIBLE, false, SUEL + " on public.accounts"),
                row("grant", EXPAND, "GRANT SELECT ON orders TO app_reader", COMPATIBLE, false, NONE),
                row("revoke", CONTRACT, "REVOKE SELECT ON accounts FROM app_reader",
                        BREAKING, false, NONE, "FL110"),
                row("create trigger", EXPAND,
                        "CREATE TRIGGER accounts_touch BEFORE UPDATE ON accounts FOR EACH ROW EXECUTE FUNCTION touch()",
                        COMPATIBLE, false, SREL + " on public.accounts"),
                row("truncate", CONTRACT, "TRUNCATE orders", DANGEROUS, true, AEL + " on public.orders", "FL207"),
                row("drop default", CONTRACT, "ALTER TABLE accounts ALTER COLUMN status DROP DEFAULT",
                        BREAKING, false, AEL + " on public.accounts", "FL111"),
                row("set default", EXPAND, "ALTER TABLE accounts ALTER COLUMN status SET DEFAULT 'new'",
                        COMPATIBLE, false, AEL + " on public.accounts"),
                row("cluster (rewrite)", EXPAND, "CLUSTER accounts USING accounts_pkey",
                        DANGEROUS, true, AEL + " on public.accounts", "FL201"),
                row("vacuum (cannot run in a transaction)", EXPAND, "VACUUM accounts",
                        DANGEROUS, false, NONE, "FL208"),
                row("statement on a missing table", EXPAND, "ALTER TABLE nope ADD COLUMN x int",
                        FAILED, false, NONE, "FL001"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("statements")
    void lintsLikePostgresBehaves(String name, PhaseName phase, String sql, Verdict verdict, boolean rewrite,
                                  String lock, Set<String> rules) throws Exception {
        StepReport step = lintOne(phase, sql, "SELECT 1");
        assertEquals(1, step.statements().size(), () -> name + ": " + step);
        StatementReport report = step.statements().get(0);
        String strongest = report.strongestLock().map(l -> l.mode().pgName() + " on " + l.relation()).orElse(NONE);
        Set<String> fired = report.findings().stream().map(f -> f.rule().id()).collect(Collectors.toSet());
        results.add(String.format("%-52s %-8s %-10s rewrite=%-5s %-50s %s", name, phase.key(), report.verdict(),
                report.rewrite(), strongest, new TreeSet<>(fired)));
        String facts = name + ": " + report;
        assertEquals(verdict, report.verdict(), () -> "verdict of " + facts);
        assertEquals(rewrite, report.rewrite(), () -> "rewrite of " + facts);
        assertEquals(lock, strongest, () -> "lock of " + facts);
        assertTrue(fired.containsAll(rules), () -> "rules " + rules + " not all in " + fired + ": " + facts);
        boolean breaking = report.findings().stream().anyMatch(f -> f.rule().level() == Level.BREAKING);
        assertEquals(breaking && phase != CONTRACT, fired.contains("FL401"), () -> "FL401 in " + facts);
    }

    @Test
    void concurrentIndexIsLintedThroughItsEquivalentAndSaysSo() throws Exception {
        StatementReport report = lintOne(EXPAND, "CREATE INDEX CONCURRENTLY accounts_name ON accounts (name)",
                "DROP INDEX CONCURRENTLY accounts_name").statements().get(0);
        assertEquals("CREATE INDEX accounts_name ON accounts (name)", report.executed());
        RelationLock lock = report.strongestLock().orElseThrow();
        assertEquals(LockMode.SHARE_UPDATE_EXCLUSIVE, lock.mode());
        assertEquals(LockMode.SHARE, lock.observed());
        assertTrue(report.diff().lines().contains("+ index public.accounts_name"), () -> report.diff().lines().toString());
    }

    @Test
    void downThatRestoresTheCatalogPasses() throws Exception {
        StepReport step = lintOne(EXPAND, "ALTER TABLE accounts ADD COLUMN nickname text;"
                        + " CREATE INDEX CONCURRENTLY accounts_nickname ON accounts (nickname)",
                "DROP INDEX CONCURRENTLY accounts_nickname; ALTER TABLE accounts DROP COLUMN nickname");
        assertInstanceOf(DownCheck.Restored.class, step.down(), step.down()::describe);
        assertTrue(step.findings().isEmpty(), () -> step.findings().toString());
    }

    @Test
    void downThatForgetsSomethingIsReportedWithTheDifference() throws Exception {
        StepReport step = lintOne(EXPAND, "ALTER TABLE accounts ADD COLUMN nickname text;"
                + " CREATE INDEX accounts_nickname ON accounts (nickname)", "DROP INDEX accounts_nickname");
        DownCheck.NotRestored down = assertInstanceOf(DownCheck.NotRestored.class, step.down(), step.down()::describe);
        assertEquals(List.of("+ column public.accounts.nickname"), down.diff().lines());
        assertTrue(step.blocks());
        assertEquals(LintRule.FL402, step.findings().get(0).rule());
    }

    @Test
    void downThatReAddsADroppedColumnRestoresItEvenAtANewPosition() throws Exception {
        StepReport step = lintOne(CONTRACT, "ALTER TABLE accounts DROP COLUMN score",
                "ALTER TABLE accounts ADD COLUMN score int");
        assertInstanceOf(DownCheck.Restored.class, step.down(), step.down()::describe);
    }

    @Test
    void failingDownIsReported() throws Exception {
        StepReport step = lintOne(EXPAND, "ALTER TABLE accounts ADD COLUMN nickname text",
                "ALTER TABLE accounts DROP COLUMN nick");
        DownCheck.Failed down = assertInstanceOf(DownCheck.Failed.class, step.down(), step.down()::describe);
        assertTrue(down.error().startsWith("42703"), down.error());
        assertEquals(LintRule.FL403, step.findings().get(0).rule());
    }

    @Test
    void laterPhasesAndVersionsAreLintedOnTopOfEarlierOnes() throws Exception {
        Manifest v1 = Manifest.of(1, "email to contact", new Phase("ALTER TABLE accounts ADD COLUMN contact text",
                        "ALTER TABLE accounts DROP COLUMN contact"),
                new Phase("UPDATE accounts SET contact = email", "UPDATE accounts SET contact = NULL"),
                new Phase("ALTER TABLE accounts DROP COLUMN email", "ALTER TABLE accounts ADD COLUMN email text;"
                        + " CREATE INDEX accounts_email ON accounts (email)"),
                ManifestOptions.NONE, "0001-contact.yaml");
        Manifest v2 = Manifest.of(2, "index it", new Phase("CREATE INDEX CONCURRENTLY accounts_contact"
                        + " ON accounts (contact)", "DROP INDEX CONCURRENTLY accounts_contact"), null, null,
                ManifestOptions.NONE, "0002-index.yaml");
        List<StepReport> steps = linter.lint(List.of(v1, v2));
        assertEquals(List.of("V1 expand", "V1 backfill", "V1 contract", "V2 expand"),
                steps.stream().map(StepReport::label).toList());
        assertEquals(List.of(COMPATIBLE, COMPATIBLE, BREAKING, COMPATIBLE),
                steps.stream().map(StepReport::verdict).toList());
        // The backfill UPDATE takes ROW EXCLUSIVE only; the contract's DROP COLUMN shows its own ACCESS
        // EXCLUSIVE although expand took the same lock (phases are committed on a copy, not replayed).
        assertEquals(LockMode.ROW_EXCLUSIVE, steps.get(1).statements().get(0).strongestLock().orElseThrow().mode());
        assertEquals("AccessExclusiveLock on public.accounts",
                steps.get(2).statements().get(0).strongestLock().orElseThrow().toString());
        assertTrue(steps.stream().noneMatch(StepReport::blocks), () -> steps.toString());
        assertTrue(steps.stream().allMatch(s -> s.down() instanceof DownCheck.Restored), () -> steps.toString());
        assertEquals("0", pg.queryValue("postgres",
                "SELECT count(*) FROM pg_database WHERE datname LIKE 'fenceline_lint_%'"), "copy dropped");
        // And nothing stayed behind on the scratch database.
        try (Connection c = pg.connect("lint_scratch");
             Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT count(*) FROM information_schema.columns"
                     + " WHERE table_name = 'accounts' AND column_name IN ('contact', 'email')")) {
            rs.next();
            assertEquals(1, rs.getInt(1), "only email, as before lint");
        }
    }

    @Test
    void whenTheScratchDatabaseCannotBeCopiedEarlierPhasesAreReplayedAndReportsSaySo() throws Exception {
        Manifest v1 = Manifest.of(1, "contact", new Phase("ALTER TABLE accounts ADD COLUMN contact text",
                        "ALTER TABLE accounts DROP COLUMN contact"), null,
                new Phase("ALTER TABLE accounts DROP COLUMN contact", "ALTER TABLE accounts ADD COLUMN contact text"),
                ManifestOptions.NONE, "0001-contact.yaml");
        List<StepReport> steps;
        try (Connection busy = pg.connect("lint_scratch")) { // a session on the template blocks CREATE DATABASE
            assertTrue(busy.isValid(5));
            steps = linter.lint(List.of(v1));
        }
        assertTrue(steps.get(0).findings().isEmpty(), () -> steps.get(0).findings().toString());
        Finding replayed = steps.get(1).findings().get(0);
        assertEquals(LintRule.FL306, replayed.rule());
        assertTrue(replayed.detail().contains("55006"), replayed::detail);
        assertEquals(BREAKING, steps.get(1).verdict());
        assertTrue(steps.get(1).statements().get(0).strongestLock().isEmpty(),
                "the replayed expand already holds the lock: the limitation FL306 names");
    }

    @Test
    void aStatementThatCannotRunInATransactionDoesNotStopTheLaterPhases() throws Exception {
        Manifest v1 = Manifest.of(1, "vacuum", new Phase("ALTER TABLE accounts ADD COLUMN contact text;"
                        + " VACUUM accounts", "ALTER TABLE accounts DROP COLUMN contact"), null,
                new Phase("ALTER TABLE accounts DROP COLUMN contact", "ALTER TABLE accounts ADD COLUMN contact text"),
                ManifestOptions.NONE, "0001-vacuum.yaml");
        List<StepReport> steps = linter.lint(List.of(v1));
        assertEquals(List.of(COMPATIBLE, DANGEROUS), steps.get(0).statements().stream()
                .map(StatementReport::verdict).toList());
        assertInstanceOf(DownCheck.Restored.class, steps.get(0).down(), steps.get(0).down()::describe);
        assertEquals(BREAKING, steps.get(1).verdict(), () -> steps.get(1).toString());
    }

    @Test
    void allowedDangerousRuleDoesNotBlock() throws Exception {
        Linter allowing = new Linter(ScratchDatabase.of(scratchUrl),
                LintOptions.DEFAULTS.withAllowed(Set.of(LintRule.FL202)));
        StepReport step = allowing.lint(List.of(manifest(EXPAND, "CREATE INDEX accounts_name ON accounts (name)",
                "DROP INDEX accounts_name"))).get(0);
        assertEquals(DANGEROUS, step.verdict());
        assertTrue(step.allFindings().stream().anyMatch(f -> f.rule() == LintRule.FL202 && f.overridden()));
        assertTrue(!step.blocks(), () -> step.allFindings().toString());
    }

    @Test
    void bigTableMakesAccessExclusiveDangerous() throws Exception {
        Linter strict = new Linter(ScratchDatabase.of(scratchUrl),
                LintOptions.DEFAULTS.withBigTableRows(500));
        StatementReport report = strict.lint(List.of(manifest(EXPAND, "ALTER TABLE accounts ADD COLUMN nickname text",
                "ALTER TABLE accounts DROP COLUMN nickname"))).get(0).statements().get(0);
        assertEquals(DANGEROUS, report.verdict());
        assertTrue(report.findings().stream().anyMatch(f -> f.rule() == LintRule.FL206), report.findings()::toString);
    }

    @Test
    void schemaOnlyScratchCanAssumeTablesHoldRows() throws Exception {
        Linter assuming = new Linter(ScratchDatabase.of(scratchUrl),
                LintOptions.DEFAULTS.withAssumeExistingTablesNonEmpty(true));
        StatementReport report = assuming.lint(List.of(manifest(EXPAND, "CREATE INDEX empty_audit_id ON empty_audit (id)",
                "DROP INDEX empty_audit_id"))).get(0).statements().get(0);
        assertEquals(DANGEROUS, report.verdict());
    }

    private static StepReport lintOne(PhaseName phase, String sql, String down) throws Exception {
        return linter.lint(List.of(manifest(phase, sql, down))).get(0);
    }

    private static Manifest manifest(PhaseName phase, String sql, String down) {
        Phase p = new Phase(sql, down);
        return Manifest.of(1, "lint case", phase == EXPAND ? p : null, phase == PhaseName.BACKFILL ? p : null,
                phase == CONTRACT ? p : null, ManifestOptions.NONE, "case.yaml");
    }

    private static Arguments row(String name, PhaseName phase, String sql, Verdict verdict, boolean rewrite,
                                 String lock, String... rules) {
        return Arguments.of(name, phase, sql, verdict, rewrite, lock, Set.of(rules));
    }
}
