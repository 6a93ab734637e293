package io.fenceline.control.cli;

import io.fenceline.config.manifest.ManifestSet;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.time.Duration;

/** {@code fenceline resume}: continues the journaled run where it stopped, then applies up to --to. */
@Command(name = "resume", description = {"Continue the run recorded in etcd's journal where it stopped (after a crash,"
        + " or after a halt once the cause is fixed): steps already in a cluster's history are acked, not re-run.",
        "Exit codes as for apply."})
final class ResumeCommand extends FleetCommand {

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
        int target = ApplyCommand.target(set, to);
        return lead(session, Duration.ofSeconds(leaderWait), rollout -> rollout.resume(set, target));
    }
}
