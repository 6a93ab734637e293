package io.fenceline.control.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.fenceline.config.manifest.Manifest;
import io.fenceline.config.manifest.ManifestSet;
import io.fenceline.control.lint.AppStatement;
import io.fenceline.control.lint.Finding;
import io.fenceline.control.lint.PlanCheck;
import io.fenceline.control.lint.Level;
import io.fenceline.control.lint.LintOptions;
import io.fenceline.control.lint.LintRule;
import io.fenceline.control.lint.Linter;
import io.fenceline.control.lint.ScratchDatabase;
import io.fenceline.control.lint.StatementReport;
import io.fenceline.control.lint.StepReport;
import io.fenceline.control.lint.Verdict;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** {@code fenceline lint}: runs manifests on a scratch database and reports what PostgreSQL did. */
@Command(name = "lint",
        description = {"Run each phase's statements in a rolled-back transaction on a scratch database and report"
                + " catalog changes, table rewrites, locks and a verdict per statement.",
                "The scratch database must hold the schema as it is before the first version linted.",
                "With --statements, the applications' statements are EXPLAINed before and after every step (plan"
                        + " checks).",
                "Exit 0 clean, 1 blocking findings (a plan that got worse counts), 2 bad input, 3 database"
                        + " unreachable."})
final class LintCommand implements java.util.concurrent.Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help message and exit.")
    boolean help;

    @Option(names = "--migrations", required = true, paramLabel = "DIR", description = "the migrations folder")
    Path migrations;

    @Option(names = "--scratch-url", required = true, paramLabel = "JDBC_URL",
            description = "scratch database, e.g. jdbc:postgresql://127.0.0.1:5432/scratch?user=fenceline")
    String scratchUrl;

    @Option(names = "--version", paramLabel = "N", description = "lint only version N (scratch holds V(N-1))")
    Integer version;

    @Option(names = "--from", paramLabel = "N", description = "lint versions N and later (scratch holds V(N-1))")
    Integer from;

    @Option(names = "--json", description = "print JSON instead of a table")
    boolean json;

    @Option(names = "--allow", paramLabel = "RULE", split = ",",
            description = "allow a dangerous rule (e.g. FL202); repeatable")
    List<LintRule> allowed = new ArrayList<>();

    @Option(names = "--observed-sizes", description = "judge table sizes by the rows the scratch database holds"
            + " (default: every existing table is assumed non-empty, right for a schema-only scratch database)")
    boolean observedSizes;

    @Option(names = "--big-table-rows", paramLabel = "ROWS", defaultValue = "1000000",
            description = "rows above which ACCESS EXCLUSIVE is dangerous (FL206); default ${DEFAULT-VALUE}")
    long bigTableRows;

    @Option(names = "--statements", paramLabel = "FILE", description = "the applications' statements, one per line"
            + " or ;-separated, each optionally tagged with its schema version (V2: SELECT ...): each is EXPLAINed"
            + " before and after every step, and a plan that got worse, or a statement that no longer plans, is a"
            + " finding")
    Path statements;

    @Option(names = "--plan-cost-factor", paramLabel = "X", defaultValue = "10",
            description = "a plan whose total cost rises more than X times across a step is a finding;"
                    + " default ${DEFAULT-VALUE}")
    double planCostFactor;

    @Override
    public Integer call() throws JsonProcessingException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        for (LintRule rule : allowed) {
            if (rule.level() != Level.DANGEROUS) {
                err.println("fenceline lint: --allow " + rule.id() + ": only dangerous rules (FL2xx) can be allowed;"
                        + " " + rule.id() + " is " + rule.level().name().toLowerCase(java.util.Locale.ROOT));
                return ExitCodes.BAD_INPUT;
            }
        }
        if (version != null && from != null) {
            err.println("fenceline lint: give --version or --from, not both");
            return ExitCodes.BAD_INPUT;
        }
        if (bigTableRows < 1) {
            err.println("fenceline lint: --big-table-rows must be at least 1, got " + bigTableRows);
            return ExitCodes.BAD_INPUT;
        }
        ManifestSet set = ManifestSet.load(migrations);
        if (!set.valid()) {
            err.println("fenceline lint: the migrations in " + migrations + " are invalid:");
            set.problems().forEach(p -> err.println("  [" + p.kind() + "] " + p));
            return ExitCodes.BAD_INPUT;
        }
        List<Manifest> selected = select(set, err);
        if (selected == null) {
            return ExitCodes.BAD_INPUT;
        }

        if (!(planCostFactor > 1)) {
            err.println("fenceline lint: --plan-cost-factor must be greater than 1, got " + planCostFactor);
            return ExitCodes.BAD_INPUT;
        }
        List<AppStatement> appStatements = List.of();
        if (statements != null) {
            try {
                appStatements = AppStatement.parse(java.nio.file.Files.readString(statements));
            } catch (java.io.IOException e) {
                err.println("fenceline lint: --statements " + statements + ": cannot read: " + e);
                return ExitCodes.BAD_INPUT;
            }
            if (appStatements.isEmpty()) {
                err.println("fenceline lint: --statements " + statements + ": no statement in the file");
                return ExitCodes.BAD_INPUT;
            }
        }
        ScratchDatabase scratch = ScratchDatabase.of(scratchUrl);
        try (Connection probe = scratch.connect()) {
            probe.isValid(5);
        } catch (SQLException e) {
            err.println("fenceline lint: cannot reach the scratch database " + scratch.describe() + ": ["
                    + e.getSQLState() + "] " + e.getMessage());
            return ExitCodes.UNREACHABLE;
        }
        LintOptions options = LintOptions.DEFAULTS.withAssumeExistingTablesNonEmpty(!observedSizes)
                .withBigTableRows(bigTableRows).withAllowed(allowed.isEmpty() ? Set.of() : EnumSet.copyOf(allowed));
        List<StepReport> steps;
        try {
            steps = new Linter(scratch, options).lint(selected);
        } catch (SQLException e) {
            err.println("fenceline lint: the scratch database " + scratch.describe() + " failed during lint: ["
                    + e.getSQLState() + "] " + e.getMessage());
            return ExitCodes.UNREACHABLE;
        }
        PlanCheck.Report plans = null;
        if (!appStatements.isEmpty()) {
            try {
                plans = new PlanCheck(scratch, options, planCostFactor).run(selected.get(0).version() - 1, selected,
                        appStatements);
            } catch (SQLException e) {
                err.println("fenceline lint: the scratch database " + scratch.describe() + " failed during the plan"
                        + " checks: [" + e.getSQLState() + "] " + e.getMessage());
                return ExitCodes.UNREACHABLE;
            }
        }
        boolean blocks = steps.stream().anyMatch(StepReport::blocks) || (plans != null && plans.blocks());
        if (json) {
            var node = Json.lint(steps, blocks);
            if (plans != null) {
                node.set("plan_checks", PlanOutput.json(plans));
            }
            out.println(Json.MAPPER.writeValueAsString(node));
        } else {
            print(out, steps, blocks && steps.stream().anyMatch(StepReport::blocks));
            if (plans != null) {
                PlanOutput.print(out, plans);
            }
        }
        return blocks ? ExitCodes.FINDINGS : ExitCodes.OK;
    }

    private List<Manifest> select(ManifestSet set, PrintWriter err) {
        if (version != null) {
            if (set.version(version).isEmpty()) {
                err.println("fenceline lint: --version " + version + ": no V" + version + " in " + migrations
                        + " (it has " + set.manifests().stream().map(m -> "V" + m.version()).toList() + ")");
                return null;
            }
            return List.of(set.version(version).get());
        }
        if (from != null) {
            List<Manifest> later = set.manifests().stream().filter(m -> m.version() >= from).toList();
            if (later.isEmpty()) {
                err.println("fenceline lint: --from " + from + ": no version >= " + from + " in " + migrations);
                return null;
            }
            return later;
        }
        return set.manifests();
    }

    private static void print(PrintWriter out, List<StepReport> steps, boolean blocks) {
        Map<Verdict, Integer> counts = new EnumMap<>(Verdict.class);
        int blocking = 0;
        for (StepReport step : steps) {
            out.println(step.label() + " (" + step.source() + "): " + step.verdict()
                    + (step.blocks() ? "  BLOCKED" : ""));
            out.printf("  %-3s %-10s %-7s %-48s %s%n", "#", "VERDICT", "REWRITE", "STRONGEST LOCK", "STATEMENT");
            for (StatementReport st : step.statements()) {
                counts.merge(st.verdict(), 1, Integer::sum);
                String lock = st.strongestLock().map(l -> l.mode().pgName() + " on " + l.relation()).orElse("-");
                out.printf("  %-3d %-10s %-7s %-48s %s%n", st.index(), st.verdict(), st.rewrite() ? "yes" : "no",
                        lock, oneLine(st.sql()));
                for (String line : st.diff().lines()) {
                    out.println("        " + line);
                }
                for (Finding f : st.findings()) {
                    out.println("        " + marker(f) + f);
                }
            }
            out.println("  down: " + step.down().describe());
            for (Finding f : step.findings()) {
                out.println("  " + marker(f) + f);
            }
            blocking += (int) step.allFindings().stream().filter(Finding::blocks).count();
        }
        out.println("summary: " + steps.size() + " step(s), " + counts.values().stream().mapToInt(i -> i).sum()
                + " statement(s): " + counts + "; " + blocking + " blocking finding(s)"
                + (blocks ? " -> exit 1" : " -> clean"));
    }

    private static String marker(Finding f) {
        return f.blocks() ? "! " : f.rule().level() == Level.NOTE ? "  " : "* ";
    }

    private static String oneLine(String sql) {
        String line = sql.replaceAll("\\s+", " ").strip();
        return line.length() <= 100 ? line : line.substring(0, 97) + "...";
    }
}
