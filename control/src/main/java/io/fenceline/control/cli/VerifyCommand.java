package io.fenceline.control.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fenceline.control.fleet.Consistency.OnDivergence;
import io.fenceline.control.reconcile.Enforcement;
import io.fenceline.control.verify.VerifyReport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.sql.SQLException;

/**
 * {@code fenceline verify}: compares the group's tables on every cluster with the writer's while traffic goes on,
 * prints the rows that diverged per table and cluster, audits the run, and enforces the configured
 * {@code policies.on_divergence} (or {@code --policy}).
 */
@Command(name = "verify", description = {"Compare the group's tables across its clusters, against the writer, without"
        + " stopping traffic: rows hashed in primary-key chunks, differing chunks bisected to the rows, every row"
        + " confirmed once the subscribers replayed past the moment it was read. Then policies.on_divergence (or"
        + " --policy) decides: halt (every cluster read-only), writer_wins (copy the writer's rows over), report_only."
        + " Each run is an audit record.",
        "Exit 0 the clusters agree; 1 they diverged; 2 could not verify (bad input, a cluster unreachable, replication"
                + " not caught up, rows the writer kept changing); 3 etcd unreachable."})
final class VerifyCommand extends ConsistencyCommand {

    @Option(names = "--writer", paramLabel = "CLUSTER",
            description = "the reference cluster (default: the one holding the writer lease in etcd)")
    String writer;

    @Option(names = "--policy", paramLabel = "POLICY",
            description = "halt | writer_wins | report_only (default: the configuration's policies.on_divergence)")
    String policyText;

    @Override
    int run(ControlSession session) throws Exception {
        OnDivergence policy = session.config.policies().consistency().onDivergence();
        if (policyText != null) {
            policy = OnDivergence.parse(policyText);
            if (policy == null) {
                err().println("fenceline verify: --policy must be halt, writer_wins or report_only, got '" + policyText + "'");
                return 2;
            }
        }
        Enforcement enforcement = enforcement(session);
        String reference = writer != null ? writer : enforcement.writer().orElse(null);
        if (reference == null) {
            err().println("fenceline verify: no cluster holds the writer lease of group " + session.config.group()
                    + "; name the reference with --writer CLUSTER");
            return 2;
        }
        if (!known(session, reference, "the writer")) {
            return 2;
        }
        VerifyReport report = enforcement.verify(reference, "fenceline verify");
        Enforcement.Outcome outcome;
        try {
            outcome = enforcement.enforce(report, policy);
        } catch (SQLException e) {
            err().println("fenceline verify: policy " + policy.text() + " failed: [" + e.getSQLState() + "] "
                    + e.getMessage());
            return 2;
        }
        if (json) {
            ObjectNode n = json(report);
            ObjectNode p = n.putObject("policy");
            p.put("name", policy.text()).put("outcome", outcome.getClass().getSimpleName().toLowerCase(java.util.Locale.ROOT))
                    .put("summary", outcome.summary());
            if (outcome instanceof Enforcement.Outcome.Reconciled r) {
                p.set("changes", json(r.result()));
                p.set("after", json(r.after()));
            }
            out().println(n.toPrettyString());
        } else {
            out().println("verify " + report.runId() + ": writer " + report.writer() + ", subscribers replayed up to "
                    + report.startLsn());
            print(out(), report);
            if (!(outcome instanceof Enforcement.Outcome.Nothing)) {
                out().println(outcome.summary());
            }
        }
        return report.exitCode();
    }
}
