package io.fenceline.control.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fenceline.config.coordination.EtcdAccess;
import io.fenceline.config.manifest.ManifestSet;
import io.fenceline.control.fleet.FleetConfig;
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
import java.util.Locale;
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
            err().println("  " + etcdHint(session.config, e.getCause()));
            return ExitCodes.UNREACHABLE;
        }
    }

    /**
     * What to check when etcd refused or did not answer: the access keys of the file, worded for the failure
     * (authentication, TLS, or neither recognisable), with the access actually used (never the password).
     */
    static String etcdHint(FleetConfig config, Throwable cause) {
        String text = String.valueOf(cause).toLowerCase(Locale.ROOT);
        EtcdAccess access = config.etcdAccess();
        String used = "connected to " + config.etcd().endpoints() + " "
                + access.credentials().map(c -> "as etcd user " + c.user()).orElse("without an etcd user") + ", "
                + (access.tls().isPresent() ? "with etcd.tls" : "without etcd.tls");
        if (text.contains("user name is empty") || text.contains("authentication failed")
                || text.contains("permission denied") || text.contains("invalid auth") || text.contains("unauthenticated")) {
            return "etcd refused the credentials (" + used + "): set etcd.user with etcd.password or "
                    + "etcd.password_file in " + config.source();
        }
        if (text.contains("ssl") || text.contains("tls") || text.contains("certificate") || text.contains("handshake")) {
            return "etcd's TLS refused this client (" + used + "): check etcd.tls.ca, etcd.tls.certificate and "
                    + "etcd.tls.key in " + config.source();
        }
        if (config.etcd().endpoints().stream().anyMatch(e -> e.startsWith("https://"))) {
            // A refused TLS handshake reaches the client as a retried connection that never answers.
            return "etcd did not answer over https:// (" + used + "): check etcd.endpoints, and etcd.tls.ca (the "
                    + "authority that signed etcd's certificate) and etcd.tls.certificate / etcd.tls.key (when etcd "
                    + "requires client certificates) in " + config.source();
        }
        return "etcd did not answer (" + used + "): check etcd.endpoints, and etcd.user / etcd.tls when etcd "
                + "requires authentication or TLS, in " + config.source();
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
            var consistency = session.config.policies().consistency();
            if (consistency.verifyAt().contains(io.fenceline.control.fleet.Consistency.VerifyAt.AFTER_WAVE)) {
                rollout.afterEachWave(new io.fenceline.control.reconcile.VerifyAfterWave(new io.fenceline.control
                        .reconcile.Enforcement(session.fleet, session.etcd.store(), session.etcd.keys(),
                        session.config.group(), audit, session.config.rolloutOrder(),
                        io.fenceline.control.verify.Verifier.Settings.DEFAULTS, line -> {
                            progress.println(line);
                            progress.flush();
                        }), consistency.onDivergence()));
            }
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
