package io.fenceline.control.lint;

import io.fenceline.config.manifest.Manifest;
import io.fenceline.config.manifest.ManifestOptions;
import io.fenceline.config.manifest.Phase;
import io.fenceline.config.manifest.PhaseName;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Lints manifests on a scratch database by running them: for every statement of every phase, inside one
 * transaction per phase, it snapshots the catalog, reads this backend's {@code pg_locks}, runs the
 * statement, reads both again, and finally rolls everything back. A phase is linted on top of the phases
 * and versions before it in the same run (replayed inside its transaction, not reported), so the scratch
 * database must hold the schema as it is before the first manifest linted.
 *
 * <p>Statements and phases that PostgreSQL refuses are reported as values; only failing to reach the
 * scratch database, or the scratch database failing lint's own catalog queries, throws.
 */
public final class Linter {

    private static final Logger log = LoggerFactory.getLogger(Linter.class);
    private static final String CANNOT_RUN_IN_TRANSACTION = "25001";
    private static final String LOCKS = "SELECT relation, mode FROM pg_locks WHERE pid = pg_backend_pid()"
            + " AND locktype = 'relation' AND granted AND database = (SELECT oid FROM pg_database"
            + " WHERE datname = current_database())";

    private final ScratchDatabase scratch;
    private final LintOptions options;

    public Linter(ScratchDatabase scratch, LintOptions options) {
        this.scratch = Objects.requireNonNull(scratch, "scratch");
        this.options = Objects.requireNonNull(options, "options");
    }

    /**
     * Lints every phase of {@code manifests}, in version then phase order, each on top of the ones before.
     *
     * <p>With more than one phase, lint works on a throwaway copy of the scratch database and commits each
     * phase there after linting it, so that the locks a statement takes are not hidden by locks an earlier
     * phase took in the same transaction. If the copy cannot be made, earlier phases are replayed inside each
     * phase's transaction instead, and the reports say so (FL306).
     *
     * @throws SQLException if the scratch database cannot be reached or fails lint's catalog queries
     */
    public List<StepReport> lint(List<Manifest> manifests) throws SQLException {
        long phases = manifests.stream().mapToLong(m -> m.phaseNames().size()).sum();
        if (phases <= 1) {
            return lintReplaying(manifests, null);
        }
        ScratchDatabase.Copy copy;
        try {
            copy = scratch.copy();
        } catch (SQLException e) {
            log.warn("cannot copy the scratch database {} ({}: {}); replaying earlier phases in each transaction",
                    scratch.describe(), e.getSQLState(), e.getMessage());
            return lintReplaying(manifests, "could not copy the scratch database: " + e.getSQLState() + ": "
                    + e.getMessage());
        }
        try (copy) {
            return lintCommitting(copy.database(), manifests);
        }
    }

    /** Lints each phase on the copy, then commits it there for the phases after it. */
    private List<StepReport> lintCommitting(ScratchDatabase copy, List<Manifest> manifests) throws SQLException {
        List<StepReport> reports = new ArrayList<>();
        String failure = null;
        try (Connection connection = copy.connect()) {
            connection.setAutoCommit(false);
            for (Manifest manifest : manifests) {
                for (PhaseName name : manifest.phaseNames()) {
                    Phase phase = manifest.phase(name).orElseThrow();
                    reports.add(lintPhase(connection, List.of(), failure, null, manifest, name, phase));
                    if (failure == null) {
                        begin(connection, manifest.options());
                        String error = runAll(connection, phase.statements());
                        if (error == null) {
                            connection.commit();
                        } else {
                            connection.rollback();
                            failure = manifest.label() + " " + name.key() + ": " + error;
                        }
                    }
                }
            }
        }
        return reports;
    }

    /** Lints each phase in its own transaction after replaying the phases before it there. */
    private List<StepReport> lintReplaying(List<Manifest> manifests, String whyReplaying) throws SQLException {
        List<StepReport> reports = new ArrayList<>();
        List<String> setup = new ArrayList<>();
        try (Connection connection = scratch.connect()) {
            connection.setAutoCommit(false);
            for (Manifest manifest : manifests) {
                for (PhaseName name : manifest.phaseNames()) {
                    Phase phase = manifest.phase(name).orElseThrow();
                    reports.add(lintPhase(connection, setup, null, setup.isEmpty() ? null : whyReplaying, manifest,
                            name, phase));
                    setup.addAll(phase.statements());
                }
            }
        }
        return reports;
    }

    private StepReport lintPhase(Connection c, List<String> setup, String priorFailure, String whyReplaying,
                                 Manifest manifest, PhaseName name, Phase phase) throws SQLException {
        log.debug("linting {} {} ({} statements on top of {})", manifest.label(), name.key(),
                phase.statements().size(), setup.size());
        List<StatementReport> statements = new ArrayList<>();
        List<Finding> stepFindings = new ArrayList<>();
        if (whyReplaying != null) {
            stepFindings.add(new Finding(LintRule.FL306, manifest.label() + " " + name.key(), whyReplaying, false));
        }
        try {
            begin(c, manifest.options());
            String setupError = priorFailure != null ? priorFailure : runAll(c, setup);
            if (setupError != null) {
                stepFindings.add(new Finding(LintRule.FL002, manifest.label(), setupError, false));
                return new StepReport(manifest.version(), manifest.source(), name, statements,
                        new DownCheck.NotChecked("an earlier step failed"), stepFindings);
            }
            TableSizes sizes = countRows(c, CatalogSnapshot.take(c));
            List<String> sql = phase.statements();
            for (int i = 0; i < sql.size(); i++) {
                StatementReport report = lintStatement(c, i + 1, sql.get(i), name, sizes);
                if (report.error() != null && report.verdict() == Verdict.FAILED && i + 1 < sql.size()) {
                    List<Finding> findings = new ArrayList<>(report.findings());
                    Finding failed = findings.remove(0);
                    findings.add(0, new Finding(failed.rule(), failed.subject(), failed.detail() + "; the "
                            + (sql.size() - i - 1) + " statement(s) after it were not linted", false));
                    statements.add(new StatementReport(report.index(), report.sql(), report.executed(),
                            report.verdict(), report.diff(), report.rewritten(), report.locks(), findings,
                            report.error()));
                    break;
                }
                statements.add(report);
            }
        } finally {
            c.rollback();
        }
        boolean upFailed = statements.stream().anyMatch(s -> s.error() != null);
        DownCheck down = upFailed ? new DownCheck.NotChecked("the phase's SQL fails")
                : checkDown(c, setup, manifest, phase);
        if (down instanceof DownCheck.NoDown) {
            stepFindings.add(new Finding(LintRule.FL305, manifest.label() + " " + name.key(), down.describe(), false));
        } else if (down instanceof DownCheck.NotRestored n) {
            stepFindings.add(new Finding(LintRule.FL402, manifest.label() + " " + name.key() + ".down",
                    String.join("; ", n.diff().lines()), false));
        } else if (down instanceof DownCheck.Failed f) {
            stepFindings.add(new Finding(LintRule.FL403, manifest.label() + " " + name.key() + ".down",
                    "statement " + f.statement() + ": " + f.error(), false));
        }
        return new StepReport(manifest.version(), manifest.source(), name, statements, down, stepFindings);
    }

    private StatementReport lintStatement(Connection c, int index, String sql, PhaseName phase, TableSizes sizes)
            throws SQLException {
        Equivalent eq = Equivalent.of(sql);
        execute(c, "SAVEPOINT fenceline_lint");
        CatalogSnapshot before = CatalogSnapshot.take(c);
        Set<Lock> locksBefore = locks(c);
        try (Statement st = c.createStatement()) {
            st.execute(eq.executed());
        } catch (SQLException e) {
            execute(c, "ROLLBACK TO SAVEPOINT fenceline_lint");
            execute(c, "RELEASE SAVEPOINT fenceline_lint");
            String error = e.getSQLState() + ": " + e.getMessage();
            boolean notLintable = CANNOT_RUN_IN_TRANSACTION.equals(e.getSQLState());
            Finding finding = new Finding(notLintable ? LintRule.FL208 : LintRule.FL001, "statement " + index,
                    error, notLintable && options.allowed().contains(LintRule.FL208));
            return new StatementReport(index, sql, eq.executed(), notLintable ? Verdict.DANGEROUS : Verdict.FAILED,
                    new CatalogDiff(List.of(), List.of(), List.of()), List.of(), List.of(), List.of(finding),
                    notLintable ? null : error);
        }
        Set<Lock> locksAfter = locks(c);
        CatalogSnapshot after = CatalogSnapshot.take(c);
        execute(c, "RELEASE SAVEPOINT fenceline_lint");

        List<RelationLock> taken = newLocks(locksBefore, locksAfter, before, after, eq.concurrent());
        List<CatalogObject> rewritten = new ArrayList<>();
        for (CatalogObject now : after.objects().values()) {
            before.get(now.id()).filter(was -> was.storage() != 0 && now.storage() != 0
                    && was.storage() != now.storage()).ifPresent(was -> rewritten.add(now));
        }
        StatementFacts facts = new StatementFacts(sql, eq.executed(), eq.concurrent(), before, after,
                CatalogDiff.byIdentity(before, after), rewritten, taken, sizes);
        List<Finding> findings = new ArrayList<>(Rules.evaluate(facts, options));
        Verdict verdict = Rules.verdict(findings);
        List<String> breaking = findings.stream().filter(f -> f.rule().level() == Level.BREAKING)
                .map(f -> f.rule().id()).distinct().toList();
        if (!breaking.isEmpty() && phase != PhaseName.CONTRACT) {
            findings.add(0, new Finding(LintRule.FL401, "statement " + index, "breaking " + breaking + " in "
                    + phase.key() + "; breaking changes belong in contract", false));
        }
        return new StatementReport(index, sql, eq.executed(), verdict, facts.diff(),
                rewritten.stream().map(CatalogObject::label).toList(), taken, findings, null);
    }

    private DownCheck checkDown(Connection c, List<String> setup, Manifest manifest, Phase phase)
            throws SQLException {
        if (phase.down() == null) {
            return new DownCheck.NoDown();
        }
        try {
            begin(c, manifest.options());
            if (runAll(c, setup) != null) {
                return new DownCheck.NotChecked("an earlier step failed");
            }
            CatalogSnapshot before = CatalogSnapshot.take(c);
            if (runAll(c, phase.statements()) != null) {
                return new DownCheck.NotChecked("the phase's SQL fails");
            }
            List<String> down = phase.downStatements();
            for (int i = 0; i < down.size(); i++) {
                try (Statement st = c.createStatement()) {
                    st.execute(Equivalent.of(down.get(i)).executed());
                } catch (SQLException e) {
                    return new DownCheck.Failed(i + 1, e.getSQLState() + ": " + e.getMessage());
                }
            }
            CatalogDiff diff = CatalogDiff.byName(before, CatalogSnapshot.take(c));
            return diff.isEmpty() ? new DownCheck.Restored() : new DownCheck.NotRestored(diff);
        } finally {
            c.rollback();
        }
    }

    /** Starts a transaction with the manifest's timeouts (or lint's defaults). */
    private void begin(Connection c, ManifestOptions manifestOptions) throws SQLException {
        c.rollback();
        Duration statement = manifestOptions.statementTimeoutOption().orElse(options.statementTimeout());
        Duration lock = manifestOptions.lockTimeoutOption().orElse(options.lockTimeout());
        execute(c, "SET LOCAL statement_timeout = " + statement.toMillis());
        execute(c, "SET LOCAL lock_timeout = " + lock.toMillis());
    }

    /**
     * Runs statements in order; returns the first failure as text, or null. A statement PostgreSQL refuses
     * inside a transaction block (FL208, e.g. VACUUM) is skipped: it changes no catalog, and the statements
     * after it still have to be replayed.
     */
    private static String runAll(Connection c, List<String> statements) throws SQLException {
        for (String sql : statements) {
            execute(c, "SAVEPOINT fenceline_replay");
            try (Statement st = c.createStatement()) {
                st.execute(Equivalent.of(sql).executed());
            } catch (SQLException e) {
                execute(c, "ROLLBACK TO SAVEPOINT fenceline_replay");
                if (!CANNOT_RUN_IN_TRANSACTION.equals(e.getSQLState())) {
                    return "'" + abbreviate(sql) + "' failed: " + e.getSQLState() + ": " + e.getMessage();
                }
            }
            execute(c, "RELEASE SAVEPOINT fenceline_replay");
        }
        return null;
    }

    /**
     * Counts rows (up to the big-table limit + 1) of every table, then rolls back to release the
     * ACCESS SHARE locks the counting took, so they do not hide a statement's own locks.
     */
    private TableSizes countRows(Connection c, CatalogSnapshot snapshot) throws SQLException {
        long cap = options.bigTableRows() + 1;
        Map<String, Long> rows = new HashMap<>();
        execute(c, "SAVEPOINT fenceline_count");
        try (Statement st = c.createStatement()) {
            for (CatalogObject o : snapshot.objects().values()) {
                if (o.kind() != ObjectKind.TABLE && o.kind() != ObjectKind.PARTITIONED_TABLE) {
                    continue;
                }
                String table = quote(o.attribute("schema")) + "." + quote(o.attribute("name"));
                try (ResultSet rs = st.executeQuery("SELECT count(*) FROM (SELECT 1 FROM " + table + " LIMIT "
                        + cap + ") AS sample")) {
                    rs.next();
                    rows.put(o.id(), rs.getLong(1));
                }
            }
        } finally {
            execute(c, "ROLLBACK TO SAVEPOINT fenceline_count");
        }
        return new TableSizes(rows, cap, options.assumeExistingTablesNonEmpty());
    }

    private record Lock(long relation, String mode) {
    }

    private static Set<Lock> locks(Connection c) throws SQLException {
        Set<Lock> locks = new HashSet<>();
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(LOCKS)) {
            while (rs.next()) {
                locks.add(new Lock(rs.getLong(1), rs.getString(2)));
            }
        }
        return locks;
    }

    /** The locks in {@code after} but not {@code before}, on user relations, strongest per relation. */
    private static List<RelationLock> newLocks(Set<Lock> before, Set<Lock> after, CatalogSnapshot catalogBefore,
                                               CatalogSnapshot catalogAfter, boolean concurrent) {
        Map<Long, RelationLock> strongest = new LinkedHashMap<>();
        for (Lock lock : after) {
            if (before.contains(lock)) {
                continue;
            }
            var relation = catalogAfter.relation(lock.relation()).or(() -> catalogBefore.relation(lock.relation()));
            var mode = LockMode.ofPgName(lock.mode());
            if (relation.isEmpty() || mode.isEmpty()) {
                continue;
            }
            boolean preExisting = catalogBefore.relation(lock.relation()).isPresent();
            LockMode reported = concurrent && preExisting && mode.get().compareTo(Equivalent.CONCURRENT_LOCK) > 0
                    ? Equivalent.CONCURRENT_LOCK : mode.get();
            RelationLock candidate = new RelationLock(relation.get().id(), relation.get().display(),
                    relation.get().kind(), reported, mode.get(), preExisting);
            strongest.merge(lock.relation(), candidate, (a, b) -> a.observed().compareTo(b.observed()) >= 0 ? a : b);
        }
        return strongest.values().stream().sorted(java.util.Comparator.comparing(RelationLock::relation)).toList();
    }

    private static void execute(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute(sql);
        }
    }

    private static String quote(String identifier) {
        return "\"" + identifier.replace("\"", "\"\"") + "\"";
    }

    private static String abbreviate(String sql) {
        String oneLine = sql.replaceAll("\\s+", " ");
        return oneLine.length() <= 80 ? oneLine : oneLine.substring(0, 77) + "...";
    }
}
