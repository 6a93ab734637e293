package io.fenceline.control.cli;

import io.fenceline.config.manifest.ManifestSet;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.time.Duration;

/** {@code fenceline rollback}: the operator undoes the active run (down SQL, reverse order). */
@Command(name = "rollback", description = {"Undo the active run: the down SQL of every phase a cluster applied, in"
        + " reverse rollout order; the window and catalog go back to the previous version.",
        "Exit 6 rolled back, 5 halted (a down step failed), 8 nothing to roll back, 7 not leader."})
final class RollbackCommand extends FleetCommand {

    @Option(names = "--migrations", required = true, paramLabel = "DIR", description = "the migrations folder")
    Path migrations;

    @Option(names = "--reason", required = true, paramLabel = "TEXT", description = "why (kept in the audit)")
    String reason;

    @Option(names = "--leader-wait", paramLabel = "SECONDS", defaultValue = "60",
            description = "how long to wait for control leadership; default ${DEFAULT-VALUE}")
    long leaderWait;

    @Override
    int run(ControlSession session) throws Exception {
        ManifestSet set = manifests(session, migrations);
        if (set == null) {
            return ExitCodes.BAD_INPUT;
        }
        return lead(session, Duration.ofSeconds(leaderWait), rollout -> rollout.rollback(set, reason));
    }
}
