package io.fenceline.control.cli;

import io.fenceline.config.manifest.Manifest;
import io.fenceline.config.manifest.ManifestSet;
import io.fenceline.control.lint.CompatibilityMatrix;
import io.fenceline.control.rollout.Rollout;
import io.fenceline.control.rollout.RolloutOutcome;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.List;

/** {@code fenceline apply}: rolls the next versions out across the clusters under control's leader lease. */
@Command(name = "apply", description = {"Apply every version after the group's current one (up to --to) across the"
        + " clusters, wave by wave, under control's leader lease, journaled in etcd.",
        "Exit 0 done, 2 bad input (invalid or edited manifests, or a plan whose compatibility matrix leaves an"
                + " application version without a compatible schema), 3 unreachable, 4 preflight failed, 5 halted,"
                + " 6 rolled back, 7 not leader, 8 another run is active."})
final class ApplyCommand extends LeadingCommand {

    @Option(names = "--to", paramLabel = "N", description = "last version to apply (default: the last in the folder)")
    Integer to;

    /**
     * Refuses the run when its compatibility matrix (on the scratch database, which holds the group's current
     * version) has an application version in use with no compatible schema during a phase; without
     * {@code scratch_url} the check is skipped, and said so.
     */
    @Override
    Integer check(ControlSession session, ManifestSet set) {
        int current = Rollout.currentVersion(session.etcd, session.config);
        int target = target(set, to);
        List<Manifest> run = set.manifests().stream().filter(m -> m.version() > current && m.version() <= target)
                .toList();
        if (run.isEmpty()) {
            return null;
        }
        java.io.PrintWriter progress = json ? err() : out();
        if (session.config.scratchUrl() == null) {
            progress.println("compatibility matrix: skipped (no scratch_url configured)");
            return null;
        }
        CompatibilityMatrix matrix = MatrixOutput.compute(verb(), session.config.scratchUrl(), current, run, err());
        if (matrix == null) {
            return ExitCodes.UNREACHABLE;
        }
        if (!matrix.holds()) {
            err().println("fenceline apply: refused, nothing applied: the plan V" + (current + 1) + " to V" + target
                    + " leaves an application version without a compatible schema:");
            matrix.problems().forEach(p -> err().println("  " + p));
            err().println("  (fenceline plan --scratch-url shows the whole matrix)");
            return ExitCodes.BAD_INPUT;
        }
        progress.println("compatibility matrix: every application version in use has a compatible schema in every"
                + " phase of V" + (current + 1) + " to V" + target);
        return null;
    }

    @Override
    RolloutOutcome act(Rollout rollout, ManifestSet set) {
        return rollout.apply(set, target(set, to));
    }

    static int target(ManifestSet set, Integer to) {
        List<Manifest> all = set.manifests();
        return to != null ? to : all.isEmpty() ? 0 : all.get(all.size() - 1).version();
    }
}
