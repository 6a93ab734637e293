package io.fenceline.control.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fenceline.config.manifest.ManifestSet;
import io.fenceline.control.rollout.Audit;
import io.fenceline.control.rollout.CrashPoints;
import io.fenceline.control.rollout.Leadership;
import io.fenceline.control.rollout.PreflightReport;
import io.fenceline.control.rollout.Rollout;
import io.fenceline.control.rollout.RolloutOutcome;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletionException;

/** Options and glue shared by the verbs that talk to the clusters and etcd. */
abstract class FleetCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help message and exit.")
    boolean help;

    @Option(names = "--config", paramLabel = "FILE", defaultValue = "${env:FENCELINE_CONFIG}",
            description = "control's YAML configuration (default: $FENCELINE_CONFIG)")
    Path configFile;

    @Option(names = "--json", description = "print JSON instead of text")
    boolean json;

    PrintWriter out() {
        return spec.commandLine().getOut();
    }

    PrintWriter err() {
        return spec.commandLine().getErr();
    }

    String verb() {
        return spec.name();
    }

    @Override
    public final Integer call() throws Exception {
        if (configFile == null) {
            err().println("fenceline " + verb() + ": missing --config FILE (or set FENCELINE_CONFIG)");
            return ExitCodes.BAD_INPUT;
        }
        ControlSession session = ControlSession.open(configFile, err(), verb());
        if (session == null) {
            return ExitCodes.BAD_INPUT;
        }
        try (session) {
            return run(session);
        } catch (SQLException e) {
            err().println("fenceline " + verb() + ": [" + e.getSQLState() + "] " + e.getMessage());
            return ExitCodes.UNREACHABLE;
        } catch (CompletionException e) {
            err().println("fenceline " + verb() + ": etcd: " + e.getCause());
            return ExitCodes.UNREACHABLE;
        }
    }

    abstract int run(ControlSession session) throws Exception;

    /** Loads and validates manifests; prints problems and returns null when invalid. */
    ManifestSet manifests(ControlSession session, Path folder) throws SQLException {
        ManifestSet set = session.manifests(folder);
        if (!set.valid()) {
            err().println("fenceline " + verb() + ": the migrations in " + folder + " are invalid; nothing was applied:");
            set.problems().forEach(p -> err().println("  [" + p.kind() + "] " + p));
        }
        return set.valid() ? set : null;
    }

    /** Campaigns for control's leadership, then hands a ready rollout to {@code body}. */
    int lead(ControlSession session, Duration wait, java.util.function.Function<Rollout, RolloutOutcome> body)
            throws InterruptedException {
        PrintWriter progress = json ? err() : out();
        try (Leadership leadership = new Leadership(session.etcd, session.config.instance())) {
            if (leadership.await(wait, line -> {
                progress.println(line);
                progress.flush();
            }).isEmpty()) {
                return report(new RolloutOutcome.LostLeadership("did not win control leadership within " + wait.toSeconds()
                        + " s"));
            }
            progress.println("leading as " + session.config.instance() + " at epoch " + leadership.epoch());
            Audit audit = new Audit(session.etcd.store(), session.config.group(), session.config.instance());
            Rollout rollout = new Rollout(session.config, session.fleet, session.etcd, leadership, audit,
                    CrashPoints.fromSystemProperty(), line -> {
                        progress.println(line);
                        progress.flush();
                    });
            RolloutOutcome outcome = body.apply(rollout);
            if (outcome instanceof RolloutOutcome.LostLeadership lost) {
                audit.record("lost-leadership", null, "reason", lost.reason());
            }
            return report(outcome);
        }
    }

    int report(RolloutOutcome outcome) {
        int code;
        String text;
        ObjectNode node = Json.MAPPER.createObjectNode();
        node.put("outcome", outcome.getClass().getSimpleName());
        if (outcome instanceof RolloutOutcome.Done d) {
            code = ExitCodes.OK;
            text = "done: " + d.detail();
            node.put("version", d.version()).put("detail", d.detail());
        } else if (outcome instanceof RolloutOutcome.PreflightFailed p) {
            code = ExitCodes.PREFLIGHT_FAILED;
            text = "preflight failed for V" + p.version() + "; nothing applied: " + p.report().failures();
            node.put("version", p.version()).put("reason", p.report().failures());
            node.set("preflight", PreflightCommand.json(p.report()));
        } else if (outcome instanceof RolloutOutcome.Halted h) {
            code = ExitCodes.HALTED;
            text = "HALTED at V" + h.version() + ": " + h.reason()
                    + " (everything kept as it is; fix, then resume or rollback)";
            node.put("version", h.version()).put("reason", h.reason());
        } else if (outcome instanceof RolloutOutcome.RolledBack r) {
            code = ExitCodes.ROLLED_BACK;
            text = "ROLLED BACK V" + r.version() + ": " + r.reason();
            node.put("version", r.version()).put("reason", r.reason());
        } else if (outcome instanceof RolloutOutcome.Refused r) {
            code = ExitCodes.REFUSED;
            text = "refused: " + r.reason();
            node.put("reason", r.reason());
        } else {
            code = ExitCodes.NOT_LEADER;
            text = "not leading: " + ((RolloutOutcome.LostLeadership) outcome).reason();
            node.put("reason", ((RolloutOutcome.LostLeadership) outcome).reason());
        }
        node.put("exit", code);
        out().println(json ? node.toPrettyString() : text);
        out().flush();
        return code;
    }

    static void printPreflight(PrintWriter out, PreflightReport report) {
        out.println("preflight for V" + report.version() + " (expected catalog " + report.expected() + "):");
        for (PreflightReport.Check c : report.checks()) {
            out.printf("  %-10s %-10s %-6s %s%n", c.cluster() == null ? "(group)" : c.cluster(), c.name(),
                    c.passed() ? "ok" : "FAILED", c.detail());
            c.diff().forEach(line -> out.println("             " + line));
        }
    }
}
