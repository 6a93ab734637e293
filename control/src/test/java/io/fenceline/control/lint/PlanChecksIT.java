package io.fenceline.control.lint;

import io.fenceline.config.manifest.Manifest;
import io.fenceline.config.manifest.ManifestSet;
import io.fenceline.control.cli.Cli;
import io.fenceline.control.cli.ExitCodes;
import io.fenceline.control.lint.SchemaWalk.State;
import io.fenceline.testing.ArchitectureRules;
import io.fenceline.testing.PostgresServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;

import static io.fenceline.config.manifest.PhaseName.CONTRACT;
import static io.fenceline.config.manifest.PhaseName.EXPAND;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Plan checks and the compatibility matrix on a real scratch database: {@code orders} with 20,000 analysed rows
 * and an index on {@code customer}. A neutral step (a new column) changes no plan; a step that drops the index a
 * statement uses is reported with both plans as PostgreSQL gave them; a step that drops a column makes the
 * statements using it no longer plan, blocking for an application version still in use and not for one that has
 * drained. The scratch database is unchanged afterwards. The demo's migration gets its matrix printed, and
 * docs/migrations.md must show exactly that.
 */
class PlanChecksIT {

    private static final Logger LOG = LoggerFactory.getLogger(PlanChecksIT.class);
    private static PostgresServer pg;
    private static String scratchUrl;
    private static String demoScratchUrl;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() {
        pg = PostgresServer.builder().start();
        pg.execute("CREATE DATABASE plans");
        pg.executeIn("plans", """
                CREATE TABLE orders (id bigint PRIMARY KEY, customer text NOT NULL, amount_cents bigint);
                CREATE INDEX orders_customer ON orders (customer);
                INSERT INTO orders SELECT g, 'customer ' || (g % 2000), g FROM generate_series(1, 20000) g;
                """);
        pg.executeIn("plans", "ANALYZE orders");
        scratchUrl = pg.jdbcUrl("plans") + "?user=" + pg.superuser();
        // The demo's V0 (demo/.../fleet/Schema.BASELINE), schema only.
        pg.execute("CREATE DATABASE demo_scratch");
        pg.executeIn("demo_scratch", """
                CREATE TABLE orders (
                    id bigint PRIMARY KEY,
                    origin text NOT NULL DEFAULT current_setting('fenceline_demo.cluster'),
                    customer text NOT NULL,
                    amount_cents bigint,
                    created_at timestamptz NOT NULL DEFAULT now()
                );
                """);
        demoScratchUrl = pg.jdbcUrl("demo_scratch") + "?user=" + pg.superuser();
    }

    @AfterAll
    static void stop() {
        if (pg != null) {
            pg.close();
        }
    }

    private static final String NEUTRAL = """
            version: 1
            description: a note per order
            expand:
              sql: ALTER TABLE orders ADD COLUMN note text;
              down: ALTER TABLE orders DROP COLUMN note;
            """;
    private static final String DROP_INDEX = """
            version: 2
            description: the customer index goes
            contract:
              sql: DROP INDEX CONCURRENTLY orders_customer;
              down: CREATE INDEX CONCURRENTLY orders_customer ON orders (customer);
            """;
    private static final String DROP_COLUMN = """
            version: 3
            description: amount_cents goes
            contract:
              sql: ALTER TABLE orders DROP COLUMN amount_cents;
              down: ALTER TABLE orders ADD COLUMN amount_cents bigint;
            """;
    private static final String STATEMENTS = """
            -- what the applications run (a pooled application's statements, with parameters)
            SELECT id, amount_cents FROM orders WHERE customer = $1;
            V0: SELECT sum(amount_cents) FROM orders
                WHERE id BETWEEN 100 AND 200;
            SELECT count(*) FROM orders WHERE id = 42;
            V3: SELECT nickname FROM orders;
            """;

    private Path migrations(String... manifests) throws Exception {
        Path folder = Files.createDirectories(dir.resolve("migrations"));
        for (int i = 0; i < manifests.length; i++) {
            Files.writeString(folder.resolve(String.format("%04d-m.yaml", i + 1)), manifests[i]);
        }
        return folder;
    }

    private static List<Manifest> load(Path folder) {
        ManifestSet set = ManifestSet.load(folder);
        assertTrue(set.valid(), set.problems()::toString);
        return set.manifests();
    }

    @Test
    void aStepThatDropsAnIndexAStatementUsesIsReportedWithBothPlansAndANeutralStepIsNot() throws Exception {
        List<Manifest> run = load(migrations(NEUTRAL, DROP_INDEX, DROP_COLUMN));
        List<AppStatement> statements = AppStatement.parse(STATEMENTS);
        assertEquals(4, statements.size(), statements::toString);
        PlanCheck.Report report = new PlanCheck(ScratchDatabase.of(scratchUrl), LintOptions.DEFAULTS, 10)
                .run(0, run, statements);
        report.findings().forEach(f -> LOG.info("{}\n  before: {}\n  after: {}", f, f.planBefore(), f.planAfter()));
        assertTrue(report.walk().complete(), report.walk()::toString);
        assertEquals(4, report.states(), "V0, V1 expand, V2 contract, V3 contract");

        // The neutral step: no finding at all across V1 expand.
        assertTrue(report.findings().stream().noneMatch(f -> f.after().equals(new State(1, EXPAND))),
                report.findings()::toString);

        // The index drop: statement 1 read orders through orders_customer, now by a Seq Scan; both plans shown.
        List<PlanCheck.Finding> atDrop = report.findings().stream()
                .filter(f -> f.after().equals(new State(2, CONTRACT))).toList();
        PlanCheck.Finding index = atDrop.stream().filter(f -> f.kind() == PlanCheck.Kind.INDEX_NO_LONGER_USED)
                .findFirst().orElseThrow(() -> new AssertionError(atDrop.toString()));
        assertEquals(1, index.index());
        assertEquals("public.orders was read through orders_customer, now by a Seq Scan", index.detail());
        assertTrue(index.planBefore().stream().anyMatch(l -> l.contains("Scan using orders_customer")),
                index.planBefore()::toString);
        assertTrue(index.planAfter().stream().anyMatch(l -> l.startsWith("Seq Scan on public.orders")),
                index.planAfter()::toString);
        assertTrue(index.inUse());
        assertTrue(atDrop.stream().allMatch(f -> f.index() == 1),
                "statements 2 and 3 use the primary key, untouched: " + atDrop);

        // The column drop: statement 1 (every version) and statement 2 (V0, drained since V1) no longer plan.
        List<PlanCheck.Finding> broken = report.findings().stream()
                .filter(f -> f.kind() == PlanCheck.Kind.NO_LONGER_PLANS).toList();
        assertEquals(List.of("1 true", "2 false"), broken.stream().map(f -> f.index() + " " + f.inUse()).toList());
        assertTrue(broken.get(0).detail().startsWith("42703: ERROR: column \"amount_cents\" does not exist"),
                broken.get(0).detail());
        assertEquals(new State(3, CONTRACT), broken.get(0).after());
        assertTrue(report.blocks());
        assertEquals(1, report.neverPlanned().size(), report.neverPlanned()::toString);
        assertTrue(report.neverPlanned().get(0).startsWith("V3 statement 4 (line 6): 42703"), report.neverPlanned()::toString);

        // Nothing stayed behind on the scratch database: the walk rolled back.
        try (Connection c = pg.connect("plans"); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT count(*) FROM pg_indexes WHERE indexname = 'orders_customer'")) {
            rs.next();
            assertEquals(1, rs.getInt(1));
        }
    }

    @Test
    void lintWithStatementsFromAFileExitsWithFindingsAndShowsThePlans() throws Exception {
        Path folder = migrations(NEUTRAL, DROP_INDEX);
        Path file = Files.writeString(dir.resolve("statements.sql"), "SELECT id FROM orders WHERE customer = 'c 7'\n"
                + "V1: SELECT note FROM orders WHERE id = 1\n");
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Cli.run(new String[]{"lint", "--migrations", folder.toString(), "--scratch-url", scratchUrl,
                "--statements", file.toString()}, new PrintWriter(out, true), new PrintWriter(err, true));
        LOG.info("lint -> {}\n{}{}", code, out, err);
        assertEquals(ExitCodes.FINDINGS, code, out + "\n" + err);
        String text = out.toString();
        assertTrue(text.contains("plan checks: 2 statement(s) EXPLAINed in 3 schema state(s)"), text);
        assertTrue(text.contains("! index-no-longer-used statement 1 (line 1) at V2 contract: public.orders was read"
                + " through orders_customer, now by a Seq Scan"), text);
        assertTrue(text.contains("        before (V1 expand):"), text);
        assertFalse(text.contains("V1 statement 2 (line 2) at"), "statement 2 only gains a column: " + text);

        StringWriter json = new StringWriter();
        Cli.run(new String[]{"lint", "--migrations", folder.toString(), "--scratch-url", scratchUrl, "--statements",
                file.toString(), "--json"}, new PrintWriter(json, true), new PrintWriter(new StringWriter(), true));
        assertTrue(json.toString().contains("\"index-no-longer-used\""), json::toString);
        assertTrue(json.toString().contains("\"plan_before\""), json::toString);
    }

    @Test
    void theDemosMatrixHoldsAndDocsMigrationsShowsIt() throws Exception {
        Path demo = ArchitectureRules.moduleDir().resolve("../demo/src/main/resources/io/fenceline/demo/migrations")
                .normalize();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Cli.run(new String[]{"plan", "--migrations", demo.toString(), "--scratch-url", demoScratchUrl},
                new PrintWriter(out, true), new PrintWriter(err, true));
        LOG.info("plan -> {}\n{}{}", code, out, err);
        assertEquals(ExitCodes.OK, code, out + "\n" + err);
        String text = out.toString();
        String matrix = text.substring(text.indexOf("compatibility matrix:"));
        assertTrue(matrix.contains("every application version in use has a compatible schema in every phase"), matrix);
        String doc = Files.readString(ArchitectureRules.moduleDir().resolve("../docs/migrations.md"));
        for (String line : matrix.strip().split("\n")) {
            assertTrue(doc.contains(line.stripTrailing()), "docs/migrations.md lacks the plan's line: " + line);
        }

        // The plan check of the demo's workload: only V0's insert stops planning, at V2's contract, after V0 drained.
        Path statements = demo.resolve("../statements.sql").normalize();
        StringWriter lint = new StringWriter();
        code = Cli.run(new String[]{"lint", "--migrations", demo.toString(), "--scratch-url", demoScratchUrl,
                "--statements", statements.toString()}, new PrintWriter(lint, true), new PrintWriter(err, true));
        LOG.info("lint -> {}\n{}{}", code, lint, err);
        assertEquals(ExitCodes.OK, code, lint + "\n" + err);
        String checks = lint.toString().substring(lint.toString().indexOf("plan checks:"));
        assertTrue(checks.contains("no-longer-plans V0 statement 1 (line 3) at V2 contract: 42703: ERROR: column"
                + " \"amount_cents\" of relation \"orders\" does not exist"), checks);
        assertTrue(checks.contains("(application version 0 is no longer in use there)"), checks);
        for (String line : checks.strip().split("\n")) {
            assertTrue(doc.contains(line.stripTrailing()), "docs/migrations.md lacks the lint's line: " + line);
        }
    }
}
