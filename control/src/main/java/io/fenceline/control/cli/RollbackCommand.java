package io.fenceline.control.cli;

import io.fenceline.config.manifest.ManifestSet;
import io.fenceline.control.rollout.Rollout;
import io.fenceline.control.rollout.RolloutOutcome;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;


/** {@code fenceline rollback}: the operator undoes the active run (down SQL, reverse order). */
@Command(name = "rollback", description = {"Undo the active run: the down SQL of every phase a cluster applied, in"
        + " reverse rollout order; the window and catalog go back to the previous version.",
        "Exit 6 rolled back, 5 halted (a down step failed), 8 nothing to roll back, 7 not leader."})
final class RollbackCommand extends LeadingCommand {

    @Option(names = "--reason", required = true, paramLabel = "TEXT", description = "why (kept in the audit)")
    String reason;

    @Override
    RolloutOutcome act(Rollout rollout, ManifestSet set) {
        return rollout.rollback(set, reason);
    }
}
