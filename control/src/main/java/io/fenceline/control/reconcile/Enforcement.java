package io.fenceline.control.reconcile;

import io.fenceline.config.coordination.RecordStore;
import io.fenceline.config.coordination.StoredEntry;
import io.fenceline.config.keys.EtcdKeys;
import io.fenceline.config.records.MigrationJournal;
import io.fenceline.config.records.Mode;
import io.fenceline.config.records.WriterRecord;
import io.fenceline.control.fleet.Consistency.OnDivergence;
import io.fenceline.control.fleet.Fleet;
import io.fenceline.control.rollout.Audit;
import io.fenceline.control.verify.Verifier;
import io.fenceline.control.verify.VerifyReport;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Runs {@code verify} as an audited decision and enforces {@code policies.on_divergence} on what it found:
 * <ul>
 *   <li>{@code halt}: every cluster of the group gets the operator's mode {@code read-only}
 *       ({@code …/clusters/{c}/mode}, what {@code fenceline mode read-only} writes), so the proxies refuse writes
 *       and fence their databases until an operator decides;</li>
 *   <li>{@code writer_wins}: {@link Reconciler} copies the writer's rows over the others', then verify runs again;</li>
 *   <li>{@code report_only}: nothing changes.</li>
 * </ul>
 * Audit records: {@code verify} (every run), then {@code divergence-halt} (per cluster), {@code reconcile} (per
 * target cluster) or {@code divergence-report-only}.
 */
public final class Enforcement {

    /** What enforcing the policy did. */
    public sealed interface Outcome {
        /** One line for people. */
        String summary();

        /** Verify found no divergence: nothing to enforce. */
        record Nothing(String summary) implements Outcome {}

        /** {@code report_only}: recorded, nothing changed. */
        record Reported(String summary) implements Outcome {}

        /** {@code halt}: these clusters were set read-only. */
        record Halted(List<String> clusters, String summary) implements Outcome {}

        /** {@code writer_wins}: the copy, and the verify run after it. */
        record Reconciled(Reconciler.Result result, VerifyReport after, String summary) implements Outcome {}
    }

    private final Fleet fleet;
    private final RecordStore store;
    private final EtcdKeys keys;
    private final String group;
    private final Audit audit;
    private final List<String> clusters;
    private final Verifier.Settings settings;
    private final Consumer<String> progress;

    public Enforcement(Fleet fleet, RecordStore store, EtcdKeys keys, String group, Audit audit, List<String> clusters,
                       Verifier.Settings settings, Consumer<String> progress) {
        this.fleet = fleet;
        this.store = store;
        this.keys = keys;
        this.group = group;
        this.audit = audit;
        this.clusters = List.copyOf(clusters);
        this.settings = settings;
        this.progress = progress;
    }

    /** The cluster holding the group's writer lease, from etcd. */
    public Optional<String> writer() {
        return store.get(keys.writer(group), WriterRecord.class).join().map(v -> v.value().cluster());
    }

    /** Whether a migration run is active (its journal not in a terminal state). */
    public boolean migrationActive() {
        return store.get(keys.migration(group), MigrationJournal.class).join()
                .map(j -> !j.value().state().terminal()).orElse(false);
    }

    /** Runs verify against {@code reference} and audits it ({@code verify}). */
    public VerifyReport verify(String reference, String why) {
        VerifyReport report = new Verifier(fleet, settings, progress).run(reference, clusters, migrationActive());
        long rows = report.tables().stream().mapToLong(VerifyReport.TableReport::rows).sum();
        double seconds = Math.max(report.took().toNanos() / 1e9, 1e-9);
        audit.record("verify", null, "run", report.runId(), "why", why, "writer", reference,
                "outcome", report.outcome().name().toLowerCase(java.util.Locale.ROOT), "diverged", report.diverged(),
                "tables", report.tables().size(), "rows", rows, "took_ms", report.took().toMillis(),
                "rows_per_s", Math.round(rows / seconds), "start_lsn", String.valueOf(report.startLsn()),
                "summary", clip(report.summary()));
        return report;
    }

    /** Enforces {@code policy} on a verify report; nothing unless it diverged. */
    public Outcome enforce(VerifyReport report, OnDivergence policy) throws SQLException {
        if (report.outcome() != VerifyReport.Outcome.DIVERGED) {
            return new Outcome.Nothing(report.summary());
        }
        return switch (policy) {
            case REPORT_ONLY -> {
                audit.record("divergence-report-only", null, "run", report.runId(), "policy", policy.text(),
                        "summary", clip(report.summary()));
                yield new Outcome.Reported("policy report_only: nothing changed");
            }
            case HALT -> halt(report);
            case WRITER_WINS -> writerWins(report);
        };
    }

    private Outcome halt(VerifyReport report) {
        List<String> set = new ArrayList<>();
        for (String c : clusters) {
            String key = keys.mode(group, c);
            String previous = store.getEntry(key).join().map(StoredEntry::value).filter(v -> !v.isBlank())
                    .orElse(Mode.WRITABLE.text());
            long revision = store.putText(key, Mode.READ_ONLY.text()).join();
            audit.record("divergence-halt", c, "run", report.runId(), "mode", Mode.READ_ONLY.text(), "previous", previous,
                    "revision", revision, "policy", OnDivergence.HALT.text(), "summary", clip(report.summary()));
            set.add(c);
        }
        return new Outcome.Halted(set, "policy halt: " + String.join(", ", set) + " set read-only until an operator"
                + " decides (fenceline reconcile --from CLUSTER, then fenceline mode writable)");
    }

    private Outcome writerWins(VerifyReport report) throws SQLException {
        Reconciler.Result result = reconcile(report, false, "policy writer_wins");
        VerifyReport after = verify(report.writer(), "after reconcile " + report.runId());
        return new Outcome.Reconciled(result, after, "policy writer_wins: " + result.applied() + " row(s) copied from "
                + report.writer() + (result.refused() > 0 ? ", " + result.refused() + " refused" : "")
                + "; verify after: " + after.summary());
    }

    /**
     * Verify against the writer as a gate ({@code policies.verify}), then the policy: empty when the clusters
     * agree, when {@code writer_wins} made them agree, or under {@code report_only}; otherwise why the caller
     * should stop (a halt, a copy that left rows diverged, or a comparison that could not finish).
     */
    public Optional<String> check(String why, OnDivergence policy) throws SQLException {
        Optional<String> reference = writer();
        if (reference.isEmpty()) {
            audit.record("verify-skipped", null, "why", why, "reason", "no cluster holds the writer lease");
            progress.accept("verify (" + why + "): skipped, no cluster holds the writer lease");
            return Optional.empty();
        }
        VerifyReport report = verify(reference.get(), why);
        progress.accept("verify (" + why + "): " + report.summary());
        if (report.outcome() == VerifyReport.Outcome.UNVERIFIED) {
            return Optional.of("verify could not judge: " + report.summary());
        }
        Outcome outcome = enforce(report, policy);
        if (!(outcome instanceof Outcome.Nothing)) {
            progress.accept("  " + outcome.summary());
        }
        if (outcome instanceof Outcome.Halted h) {
            return Optional.of("verify found divergence: " + report.summary() + "; " + h.summary());
        }
        if (outcome instanceof Outcome.Reconciled r && r.after().outcome() != VerifyReport.Outcome.AGREE) {
            return Optional.of("verify found divergence and writer_wins did not resolve it: " + r.summary());
        }
        return Optional.empty();
    }

    /** Copies {@code report}'s writer's rows over the diverged ones (or plans it), auditing each target. */
    public Reconciler.Result reconcile(VerifyReport report, boolean dryRun, String why) throws SQLException {
        Reconciler.Result result = new Reconciler(fleet).reconcile(report, dryRun);
        List<String> targets = result.changes().stream().map(Change::cluster).distinct().toList();
        for (String target : targets) {
            List<Change> mine = result.changes().stream().filter(c -> c.cluster().equals(target)).toList();
            audit.record(dryRun ? "reconcile-dry-run" : "reconcile", target, "run", report.runId(),
                    "source", report.writer(), "why", why,
                    "applied", mine.stream().filter(c -> c.refused() == null).count(),
                    "refused", mine.stream().filter(c -> c.refused() != null).count(),
                    "changes", clip(String.join("; ", mine.stream().map(Change::describe).toList())));
        }
        if (targets.isEmpty()) {
            audit.record(dryRun ? "reconcile-dry-run" : "reconcile", null, "run", report.runId(), "source",
                    report.writer(), "why", why, "applied", 0, "refused", 0, "changes", "(none)");
        }
        return result;
    }

    private static String clip(String s) {
        return s.length() <= 4000 ? s : s.substring(0, 4000) + "… (" + s.length() + " characters)";
    }
}
