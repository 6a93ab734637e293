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
        "Exit 0 done, 2 bad input (invalid or edited manifests), 3 unreachable, 4 preflight failed, 5 halted,"
                + " 6 rolled back, 7 not leader, 8 refused: another run is active, or the compatibility matrix"
                + " leaves an application version without a compatible schema."})
final class ApplyCommand extends LeadingCommand {

    @Option(names = "--to", paramLabel = "N", description = "last version to apply (default: the last in the folder)")
    Integer to;

    /**
     * Refuses the run (nothing applied, no journal written) when its compatibility matrix, computed on the scratch
     * database (which holds the group's current version), has an application version in use with no compatible
     * schema during a phase; without {@code scratch_url} the check is skipped, and said so. Runs once this
     * instance leads, so the version it starts from is the one no other control can move meanwhile.
     */
    private RolloutOutcome refusal(Rollout rollout, ManifestSet set) {
        int current = rollout.currentVersion();
        int target = target(set, to);
        List<Manifest> run = set.manifests().stream().filter(m -> m.version() > current && m.version() <= target)
                .toList();
        if (run.isEmpty()) {
            return null;
        }
        java.io.PrintWriter progress = json ? err() : out();
        if (config.scratchUrl() == null) {
            progress.println("compatibility matrix: skipped (no scratch_url configured)");
            return null;
        }
        CompatibilityMatrix matrix = MatrixOutput.compute(verb(), config.scratchUrl(), current, run, err());
        if (matrix == null) {
            return new RolloutOutcome.Refused("no compatibility matrix for V" + (current + 1) + " to V" + target
                    + " (see above); nothing applied");
        }
        if (!matrix.holds()) {
            return new RolloutOutcome.Refused("the plan V" + (current + 1) + " to V" + target + " leaves an application"
                    + " version without a compatible schema; nothing applied: " + matrix.problems().stream()
                    .map(Object::toString).collect(java.util.stream.Collectors.joining("; "))
                    + " (fenceline plan --scratch-url shows the whole matrix)");
        }
        progress.println("compatibility matrix: every application version in use has a compatible schema in every"
                + " phase of V" + (current + 1) + " to V" + target);
        return null;
    }

    @Override
    RolloutOutcome act(Rollout rollout, ManifestSet set) {
        RolloutOutcome refused = refusal(rollout, set);
        return refused != null ? refused : rollout.apply(set, target(set, to));
    }

    static int target(ManifestSet set, Integer to) {
        List<Manifest> all = set.manifests();
        return to != null ? to : all.isEmpty() ? 0 : all.get(all.size() - 1).version();
    }
}
