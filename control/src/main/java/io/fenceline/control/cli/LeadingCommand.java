package io.fenceline.control.cli;

import io.fenceline.config.manifest.Manifest;
import io.fenceline.config.manifest.ManifestSet;
import io.fenceline.control.lint.CompatibilityMatrix;
import io.fenceline.control.rollout.Rollout;
import io.fenceline.control.rollout.RolloutOutcome;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;

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

    /**
     * Refuses the run (nothing applied, the journal as it was) when its compatibility matrix, computed on the
     * scratch database (which holds the group's current version), has an application version in use with no
     * compatible schema during a phase; without {@code scratch_url} the check is skipped, and said so. Runs once
     * this instance leads, so the version it starts from is the one no other control can move meanwhile. Both
     * {@code apply} and {@code resume} check: a halted run may be resumed with more versions in the folder, or a
     * larger {@code --to}, than it was started with, and so with other applications in use during its phases.
     */
    RolloutOutcome matrixRefusal(Rollout rollout, ManifestSet set, int target) {
        int current = rollout.currentVersion();
        List<Manifest> run = set.manifests().stream().filter(m -> m.version() > current && m.version() <= target)
                .toList();
        if (run.isEmpty()) {
            return null;
        }
        PrintWriter progress = json ? err() : out();
        if (config.scratchUrl() == null) {
            progress.println("compatibility matrix: skipped (no scratch_url configured)");
            return null;
        }
        String nothing = verb().equals("resume") ? "nothing resumed, the run stays as it is" : "nothing applied";
        CompatibilityMatrix matrix = MatrixOutput.compute(verb(), config.scratchUrl(), current, run, err());
        if (matrix == null) {
            return new RolloutOutcome.Refused("no compatibility matrix for V" + (current + 1) + " to V" + target
                    + " (see above); " + nothing);
        }
        if (!matrix.holds()) {
            return new RolloutOutcome.Refused("the plan V" + (current + 1) + " to V" + target + " leaves an application"
                    + " version without a compatible schema; " + nothing + ": " + matrix.problems().stream()
                    .map(Object::toString).collect(Collectors.joining("; "))
                    + " (fenceline plan --scratch-url shows the whole matrix)");
        }
        progress.println("compatibility matrix: every application version in use has a compatible schema in every"
                + " phase of V" + (current + 1) + " to V" + target);
        return null;
    }

    /** What the command does once it leads, with the validated manifests. */
    abstract RolloutOutcome act(Rollout rollout, ManifestSet set);
}
