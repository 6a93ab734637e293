package io.fenceline.control.rollout;

import io.fenceline.config.coordination.Coordinator;
import io.fenceline.config.coordination.Versioned;
import io.fenceline.config.manifest.Manifest;
import io.fenceline.config.records.Catalog;
import io.fenceline.config.records.MigrationJournal;
import io.fenceline.config.wal.WalEnd;
import io.fenceline.control.fleet.Fleet;
import io.fenceline.control.fleet.FleetConfig;
import io.fenceline.control.lint.CatalogDiff;
import io.fenceline.control.lint.LintOptions;
import io.fenceline.control.lint.Linter;
import io.fenceline.control.lint.ScratchDatabase;
import io.fenceline.control.lint.StepReport;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Checks, before a version's first step, that every cluster is ready: reachable; its live catalog equal to
 * the catalog of the current version (drift, with a diff); replication lag under the bound; no other
 * migration active in etcd; and the version's steps lint clean on the scratch database when one is
 * configured.
 *
 * <p>The expected catalog is the checksum control published for the current version
 * ({@code …/catalog/{version}}); before the first migration there is none, and the checksum most clusters
 * share is expected (the canary's on a tie). The diff is taken against a cluster that has the expected
 * catalog; when none has it, the published tables and columns are compared instead.
 */
public final class Preflight {

    private final FleetConfig config;
    private final Fleet fleet;
    private final Coordinator etcd;

    public Preflight(FleetConfig config, Fleet fleet, Coordinator etcd) {
        this.config = config;
        this.fleet = fleet;
        this.etcd = etcd;
    }

    /**
     * Runs every check for applying {@code manifest} on top of {@code current}.
     *
     * @param ownRunId    the run doing this preflight (its own journal is not "another migration"), or null
     * @param includeLint whether to lint too (a run lints in its own state before preflight)
     */
    public PreflightReport run(Manifest manifest, int current, String ownRunId, boolean includeLint) {
        List<PreflightReport.Check> checks = new ArrayList<>();
        Map<String, CatalogFingerprint> live = new LinkedHashMap<>();
        for (String cluster : config.rolloutOrder()) {
            try (Connection c = fleet.connect(cluster)) {
                checks.add(PreflightReport.Check.of(cluster, "reachable", true, "connected"));
                live.put(cluster, CatalogFingerprint.take(c));
                checks.add(lag(cluster, c));
            } catch (SQLException e) {
                checks.add(PreflightReport.Check.of(cluster, "reachable", false,
                        "[" + e.getSQLState() + "] " + e.getMessage()));
            }
        }

        Optional<Catalog> published = etcd.store().get(etcd.keys().catalog(config.group(), current), Catalog.class)
                .join().map(Versioned::value);
        String expected;
        String source;
        if (published.isPresent()) {
            expected = published.get().checksum();
            source = "published catalog of V" + current;
        } else {
            expected = majority(live);
            source = "checksum most clusters share (no catalog published for V" + current + ")";
        }
        String reference = live.entrySet().stream().filter(e -> e.getValue().checksum().equals(expected))
                .map(Map.Entry::getKey).findFirst().orElse(null);
        for (Map.Entry<String, CatalogFingerprint> e : live.entrySet()) {
            CatalogFingerprint fp = e.getValue();
            if (fp.checksum().equals(expected)) {
                checks.add(PreflightReport.Check.of(e.getKey(), "drift", true,
                        "live catalog matches V" + current + " (" + fp.checksum().substring(0, 12) + ")"));
                continue;
            }
            List<String> diff;
            if (reference != null) {
                CatalogDiff d = live.get(reference).diffTo(fp);
                diff = d.lines();
            } else {
                diff = tableDiff(published.map(Catalog::tables).orElse(Map.of()), fp.tables());
            }
            checks.add(new PreflightReport.Check(e.getKey(), "drift", false, "live catalog "
                    + fp.checksum().substring(0, 12) + " differs from V" + current + " (" + expected.substring(0, 12)
                    + ", " + source + (reference == null ? "" : "; diff against " + reference) + "): "
                    + diff.size() + " difference(s): " + String.join(", ", diff), diff));
        }

        Optional<Versioned<MigrationJournal>> journal = etcd.store()
                .get(etcd.keys().migration(config.group()), MigrationJournal.class).join();
        if (journal.isPresent() && !journal.get().value().state().terminal()
                && !journal.get().value().runId().equals(ownRunId)) {
            MigrationJournal j = journal.get().value();
            checks.add(PreflightReport.Check.of(null, "migration", false, "run " + j.runId() + " of V" + j.version()
                    + " is " + j.state().text() + (j.reason() == null ? "" : " (" + j.reason() + ")")
                    + "; resume or roll it back first"));
        } else {
            checks.add(PreflightReport.Check.of(null, "migration", true, "no other migration active"));
        }
        if (includeLint) {
            checks.add(lintCheck(manifest));
        }
        return new PreflightReport(manifest.version(), expected + " (" + source + ")", checks);
    }

    private PreflightReport.Check lag(String cluster, Connection c) throws SQLException {
        try (Statement st = c.createStatement()) {
            try (ResultSet rs = st.executeQuery("SELECT pg_is_in_recovery()")) {
                rs.next();
                if (rs.getBoolean(1)) {
                    return PreflightReport.Check.of(cluster, "lag", false,
                            "the configured database is a standby (in recovery), not the cluster's primary");
                }
            }
            // Measured from the end of the inserted WAL (WalEnd), as the gates measure it.
            String end = WalEnd.readText(c);
            try (ResultSet rs = st.executeQuery("SELECT count(*), coalesce(max(greatest(pg_wal_lsn_diff('" + end
                    + "'::pg_lsn, replay_lsn), 0)), 0)::bigint FROM pg_stat_replication")) {
                rs.next();
                long replicas = rs.getLong(1);
                long lag = rs.getLong(2);
                boolean ok = lag <= config.policies().maxLagBytes();
                return PreflightReport.Check.of(cluster, "lag", ok, replicas + " replica(s), max replay lag " + lag
                        + " bytes (bound " + config.policies().maxLagBytes() + ")");
            }
        }
    }

    /** Lints the manifest's steps on the scratch database; passes (saying so) when none is configured. */
    public PreflightReport.Check lintCheck(Manifest manifest) {
        if (config.scratchUrl() == null) {
            return PreflightReport.Check.of(null, "lint", true, "skipped: no scratch_url configured");
        }
        try {
            LintOptions options = LintOptions.DEFAULTS.withAssumeExistingTablesNonEmpty(true);
            List<StepReport> steps = new Linter(ScratchDatabase.of(config.scratchUrl()), options).lint(List.of(manifest));
            List<String> blocking = steps.stream().filter(StepReport::blocks)
                    .map(s -> s.label() + ": " + s.allFindings().stream().filter(f -> f.blocks()).map(Object::toString)
                            .toList()).toList();
            return blocking.isEmpty()
                    ? PreflightReport.Check.of(null, "lint", true, steps.size() + " step(s) lint clean")
                    : PreflightReport.Check.of(null, "lint", false, String.join("; ", blocking));
        } catch (SQLException e) {
            return PreflightReport.Check.of(null, "lint", false, "scratch database failed: [" + e.getSQLState() + "] "
                    + e.getMessage());
        }
    }

    private String majority(Map<String, CatalogFingerprint> live) {
        Map<String, Integer> votes = new HashMap<>();
        live.values().forEach(fp -> votes.merge(fp.checksum(), 1, Integer::sum));
        String best = null;
        int bestVotes = 0;
        for (CatalogFingerprint fp : live.values()) {
            int v = votes.get(fp.checksum());
            if (v > bestVotes) {
                best = fp.checksum();
                bestVotes = v;
            }
        }
        return best == null ? "(no cluster reachable)" : best;
    }

    private static List<String> tableDiff(Map<String, List<String>> expected, Map<String, List<String>> live) {
        List<String> lines = new ArrayList<>();
        live.forEach((t, cols) -> {
            if (!expected.containsKey(t)) {
                lines.add("+ table " + t);
            } else {
                cols.stream().filter(col -> !expected.get(t).contains(col)).forEach(col -> lines.add("+ column " + t + "." + col));
            }
        });
        expected.forEach((t, cols) -> {
            if (!live.containsKey(t)) {
                lines.add("- table " + t);
            } else {
                cols.stream().filter(col -> !live.get(t).contains(col)).forEach(col -> lines.add("- column " + t + "." + col));
            }
        });
        return lines;
    }
}
