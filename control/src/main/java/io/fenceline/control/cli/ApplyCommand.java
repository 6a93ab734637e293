package io.fenceline.control.cli;

import io.fenceline.config.manifest.Manifest;
import io.fenceline.config.manifest.ManifestSet;
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

    @Override
    RolloutOutcome act(Rollout rollout, ManifestSet set) {
        RolloutOutcome refused = matrixRefusal(rollout, set, target(set, to));
        return refused != null ? refused : rollout.apply(set, target(set, to));
    }

    static int target(ManifestSet set, Integer to) {
        List<Manifest> all = set.manifests();
        return to != null ? to : all.isEmpty() ? 0 : all.get(all.size() - 1).version();
    }
}
