package io.fenceline.control.cli;

import io.fenceline.config.manifest.Manifest;
import io.fenceline.config.manifest.ManifestSet;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** {@code fenceline apply}: rolls the next versions out across the clusters under control's leader lease. */
@Command(name = "apply", description = {"Apply every version after the group's current one (up to --to) across the"
        + " clusters, wave by wave, under control's leader lease, journaled in etcd.",
        "Exit 0 done, 2 bad input (invalid or edited manifests), 3 unreachable, 4 preflight failed, 5 halted,"
                + " 6 rolled back, 7 not leader, 8 another run is active."})
final class ApplyCommand extends FleetCommand {

    @Option(names = "--migrations", required = true, paramLabel = "DIR", description = "the migrations folder")
    Path migrations;

    @Option(names = "--to", paramLabel = "N", description = "last version to apply (default: the last in the folder)")
    Integer to;

    @Option(names = "--leader-wait", paramLabel = "SECONDS", defaultValue = "60",
            description = "how long to wait for control leadership; default ${DEFAULT-VALUE}")
    long leaderWait;

    @Override
    int run(ControlSession session) throws Exception {
        ManifestSet set = manifests(session, migrations);
        if (set == null) {
            return ExitCodes.BAD_INPUT;
        }
        int target = target(set, to);
        return lead(session, Duration.ofSeconds(leaderWait), rollout -> rollout.apply(set, target));
    }

    static int target(ManifestSet set, Integer to) {
        List<Manifest> all = set.manifests();
        return to != null ? to : all.isEmpty() ? 0 : all.get(all.size() - 1).version();
    }
}
