package io.fenceline.control.cli;

import io.fenceline.config.coordination.RecordStore;
import io.fenceline.config.records.AuditRecord;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * What {@code fenceline status} reads from the group's audit log, in one pass: per cluster, the migration steps
 * control applied ({@code ack} records with outcome {@code applied}; {@code already-applied} counted apart), failed
 * ({@code step-failed}) and rolled back ({@code rolled-back-step}), over the group's whole log and since the current
 * run's {@code start}; and the last {@code verify} run with what its policy did after it.
 */
final class AuditSummary {

    /** Audit records read per request. */
    static final int PAGE = 1000;

    /** Actions that record what a divergence policy did after a verify run (the verify's run id in {@code run}). */
    private static final Set<String> POLICY_ACTIONS = Set.of("divergence-halt", "divergence-report-only", "reconcile");

    /** Step counts of one cluster. */
    static final class Steps {
        int applied;
        int alreadyApplied;
        int failed;
        int rolledBack;

        void count(AuditRecord r) {
            switch (r.action()) {
                case "ack" -> {
                    if ("applied".equals(r.details().get("outcome"))) {
                        applied++;
                    } else {
                        alreadyApplied++;
                    }
                }
                case "step-failed" -> failed++;
                case "rolled-back-step" -> rolledBack++;
                default -> { }
            }
        }

        String text() {
            return applied + " applied, " + failed + " failed, " + rolledBack + " rolled back"
                    + (alreadyApplied == 0 ? "" : " (" + alreadyApplied + " found already applied)");
        }
    }

    /** Per cluster over the whole log. */
    final Map<String, Steps> total = new TreeMap<>();
    /** Per cluster since the current run's {@code start} record (empty without one). */
    final Map<String, Steps> run = new TreeMap<>();
    /** The last {@code verify} record, or null. */
    AuditRecord lastVerify;
    /** What the policy did after {@link #lastVerify}, and writer changes that could not be verified since. */
    final List<AuditRecord> afterVerify = new ArrayList<>();

    /** Reads every audit record of {@code group}; {@code runId} is the journal's current run, or null. */
    static AuditSummary read(RecordStore store, String group, String runId) {
        AuditSummary s = new AuditSummary();
        boolean inRun = false;
        long from = 1;
        while (true) {
            List<AuditRecord> page = store.listAudit(group, from, PAGE).join();
            for (AuditRecord r : page) {
                if ("start".equals(r.action())) {
                    inRun = runId != null && runId.equals(r.details().get("run"));
                }
                if (r.cluster() != null && Set.of("ack", "step-failed", "rolled-back-step").contains(r.action())) {
                    s.total.computeIfAbsent(r.cluster(), c -> new Steps()).count(r);
                    if (inRun) {
                        s.run.computeIfAbsent(r.cluster(), c -> new Steps()).count(r);
                    }
                }
                if ("verify".equals(r.action())) {
                    s.lastVerify = r;
                    s.afterVerify.clear();
                } else if (s.lastVerify != null && POLICY_ACTIONS.contains(r.action())
                        && s.lastVerify.details().get("run").equals(r.details().get("run"))) {
                    s.afterVerify.add(r);
                } else if ("writer-change-unverified".equals(r.action()) || "verify-skipped".equals(r.action())) {
                    s.afterVerify.add(r);
                }
                from = r.seq() + 1;
            }
            if (page.size() < PAGE) {
                return s;
            }
        }
    }

    /** The steps of {@code cluster} in {@code counts}, zero when none. */
    static Steps of(Map<String, Steps> counts, String cluster) {
        return counts.getOrDefault(cluster, new Steps());
    }
}
