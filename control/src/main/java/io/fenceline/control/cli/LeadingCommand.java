package io.fenceline.control.cli;

import io.fenceline.config.manifest.ManifestSet;
import io.fenceline.control.rollout.Rollout;
import io.fenceline.control.rollout.RolloutOutcome;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.time.Duration;

/**
 * A command that validates the migrations folder and then acts under control's leader lease
 * ({@code apply}, {@code resume}, {@code rollback}): the options and the load-then-lead sequence they share.
 */
abstract class LeadingCommand extends FleetCommand {

    @Option(names = "--migrations", required = true, paramLabel = "DIR", description = "the migrations folder")
    Path migrations;

    @Option(names = "--leader-wait", paramLabel = "SECONDS", defaultValue = "60",
            description = "how long to wait for control leadership; default ${DEFAULT-VALUE}")
    long leaderWait;

    @Override
    final int run(ControlSession session) throws Exception {
        ManifestSet set = manifests(session, migrations);
        if (set == null) {
            return ExitCodes.BAD_INPUT;
        }
        config = session.config;
        return lead(session, Duration.ofSeconds(leaderWait), rollout -> act(rollout, set));
    }

    /** The configuration of the session the command runs in (set before it leads). */
    io.fenceline.control.fleet.FleetConfig config;

    /** What the command does once it leads, with the validated manifests. */
    abstract RolloutOutcome act(Rollout rollout, ManifestSet set);
}
