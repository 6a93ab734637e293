package io.fenceline.control.cli;

import io.fenceline.config.manifest.ManifestSet;
import io.fenceline.control.rollout.Rollout;
import io.fenceline.control.rollout.RolloutOutcome;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;


/** {@code fenceline resume}: continues the journaled run where it stopped, then applies up to --to. */
@Command(name = "resume", description = {"Continue the run recorded in etcd's journal where it stopped (after a crash,"
        + " or after a halt once the cause is fixed): steps already in a cluster's history are acked, not re-run.",
        "Checks the compatibility matrix again, as apply does, for the versions it will apply: the folder or --to may"
                + " have changed since the run started. Exit codes as for apply."})
final class ResumeCommand extends LeadingCommand {

    @Option(names = "--to", paramLabel = "N", description = "last version to apply (default: the last in the folder)")
    Integer to;

    @Override
    RolloutOutcome act(Rollout rollout, ManifestSet set) {
        int target = ApplyCommand.target(set, to);
        RolloutOutcome refused = matrixRefusal(rollout, set, target);
        return refused != null ? refused : rollout.resume(set, target);
    }
}
