package io.fenceline.control.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fenceline.config.manifest.Manifest;
import io.fenceline.config.manifest.ManifestSet;
import io.fenceline.control.rollout.Preflight;
import io.fenceline.control.rollout.PreflightReport;
import io.fenceline.control.rollout.Rollout;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;

/** {@code fenceline preflight}: checks every cluster is ready for the next version, without acting. */
@Command(name = "preflight", description = {"Check every cluster before the next version: reachable, live catalog"
        + " equal to the current version's (drift, with a diff), replication lag under the bound, no other migration"
        + " active, and the steps lint clean on the scratch database when one is configured.",
        "Exit 0 ready, 2 bad input, 3 unreachable etcd, 4 not ready."})
final class PreflightCommand extends FleetCommand {

    @Option(names = "--migrations", required = true, paramLabel = "DIR", description = "the migrations folder")
    Path migrations;

    @Option(names = "--version", paramLabel = "N", description = "the version to check for (default: the next one)")
    Integer version;

    @Override
    int run(ControlSession session) throws Exception {
        ManifestSet set = manifests(session, migrations);
        if (set == null) {
            return ExitCodes.BAD_INPUT;
        }
        int current = Rollout.currentVersion(session.etcd, session.config);
        int next = version == null ? current + 1 : version;
        Manifest m = set.version(next).orElse(null);
        if (m == null) {
            err().println("fenceline preflight: no manifest for V" + next + " in " + migrations + " (the group is at V"
                    + current + ")");
            return ExitCodes.BAD_INPUT;
        }
        PreflightReport report = new Preflight(session.config, session.fleet, session.etcd).run(m, next - 1, null, true);
        if (json) {
            out().println(json(report).toPrettyString());
        } else {
            printPreflight(out(), report);
            out().println(report.passed() ? "ready for V" + next : "NOT ready for V" + next + ": " + report.failures());
        }
        return report.passed() ? ExitCodes.OK : ExitCodes.PREFLIGHT_FAILED;
    }

    static ObjectNode json(PreflightReport report) {
        ObjectNode root = Json.MAPPER.createObjectNode();
        root.put("version", report.version());
        root.put("expected", report.expected());
        root.put("passed", report.passed());
        ArrayNode checks = root.putArray("checks");
        for (PreflightReport.Check c : report.checks()) {
            ObjectNode n = checks.addObject();
            if (c.cluster() == null) {
                n.putNull("cluster");
            } else {
                n.put("cluster", c.cluster());
            }
            n.put("check", c.name());
            n.put("passed", c.passed());
            n.put("detail", c.detail());
            ArrayNode diff = n.putArray("diff");
            c.diff().forEach(diff::add);
        }
        return root;
    }
}
