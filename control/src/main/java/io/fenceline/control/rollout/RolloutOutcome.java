package io.fenceline.control.rollout;

/** How a rollout (apply, resume, rollback) ended for this control instance. */
public sealed interface RolloutOutcome {

    /** Every version up to {@code version} is done (or nothing was left to do). */
    record Done(int version, String detail) implements RolloutOutcome {}

    /** Preflight refused the version; nothing was applied. */
    record PreflightFailed(int version, PreflightReport report) implements RolloutOutcome {}

    /** A step or gate failed and the run halted, everything kept as it is. */
    record Halted(int version, String reason) implements RolloutOutcome {}

    /** The run was rolled back (automatically by policy, or by the operator). */
    record RolledBack(int version, String reason) implements RolloutOutcome {}

    /** Another run is active (or nothing to resume / roll back); nothing was done. */
    record Refused(String reason) implements RolloutOutcome {}

    /** This instance lost (or never got) the right to act: leader lease, journal race, a newer epoch. */
    record LostLeadership(String reason) implements RolloutOutcome {}
}
