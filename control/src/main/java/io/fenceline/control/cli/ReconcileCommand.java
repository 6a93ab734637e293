package io.fenceline.control.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fenceline.control.reconcile.Change;
import io.fenceline.control.reconcile.Enforcement;
import io.fenceline.control.reconcile.Reconciler;
import io.fenceline.control.verify.VerifyReport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code fenceline reconcile --from CLUSTER [--dry-run]}: the operator's decision after a divergence. Verifies
 * against CLUSTER, then copies its rows over every other cluster's diverged rows (keeping each overwritten row in
 * {@code fenceline.overwritten_rows}) and verifies again; {@code --dry-run} prints exactly what it would change and
 * writes nothing. Every run is audited. It does not lift a halt: {@code fenceline mode writable} does, once the
 * operator is satisfied.
 */
@Command(name = "reconcile", description = {"Make the other clusters hold CLUSTER's rows where they diverged: verify"
        + " against CLUSTER, copy its rows over the others' (each overwritten row kept in fenceline.overwritten_rows),"
        + " verify again. --dry-run prints every row it would insert, update or delete, and writes nothing. Rows a"
        + " target's publication would send on to its subscribers are refused and named.",
        "Exit 0 the clusters agree (after the copy; dry run: nothing to change); 1 divergence remains (refused rows,"
                + " or the second verify still differs; dry run: changes to make); 2 could not verify; 3 etcd"
                + " unreachable."})
final class ReconcileCommand extends ConsistencyCommand {

    @Option(names = "--from", paramLabel = "CLUSTER", required = true, description = "the cluster whose rows win")
    String from;

    @Option(names = "--dry-run", description = "print what would change; write nothing")
    boolean dryRun;

    @Override
    int run(ControlSession session) throws Exception {
        if (!known(session, from, "--from")) {
            return 2;
        }
        Enforcement enforcement = enforcement(session);
        VerifyReport before = enforcement.verify(from, "fenceline reconcile --from " + from + (dryRun ? " --dry-run" : ""));
        if (before.outcome() == VerifyReport.Outcome.UNVERIFIED && before.diverged() == 0) {
            report(before, null, null);
            return 2;
        }
        Reconciler.Result result = enforcement.reconcile(before, dryRun, "fenceline reconcile --from " + from);
        VerifyReport after = dryRun || result.applied() == 0 ? null
                : enforcement.verify(from, "after reconcile " + before.runId());
        report(before, result, after);
        if (dryRun) {
            return result.changes().isEmpty() ? 0 : 1;
        }
        if (result.refused() > 0) {
            return 1;
        }
        return after == null ? before.exitCode() == 1 ? 1 : before.exitCode() : after.exitCode();
    }

    private void report(VerifyReport before, Reconciler.Result result, VerifyReport after) {
        if (json) {
            ObjectNode n = Json.MAPPER.createObjectNode();
            n.put("from", from).put("dry_run", dryRun);
            n.set("verify", json(before));
            if (result != null) {
                n.set("changes", json(result));
                n.put("applied", dryRun ? 0 : result.applied()).put("refused", result.refused());
            }
            if (after != null) {
                n.set("after", json(after));
            }
            out().println(n.toPrettyString());
            return;
        }
        out().println("verify " + before.runId() + " against " + from + ":");
        print(out(), before);
        if (result == null) {
            return;
        }
        if (result.changes().isEmpty()) {
            out().println("nothing to change");
        }
        for (Change c : result.changes()) {
            out().println((c.refused() != null ? "  not changed: " : dryRun ? "  would change: " : "  changed: ")
                    + c.describe());
        }
        if (!dryRun && result.applied() > 0) {
            out().println(result.applied() + " row(s) copied from " + from + "; the rows they replaced are in"
                    + " fenceline.overwritten_rows (run_id = '" + result.runId() + "') on each cluster written");
        }
        if (after != null) {
            out().println("verify after the copy (" + after.runId() + "): " + after.summary());
        }
    }
}
