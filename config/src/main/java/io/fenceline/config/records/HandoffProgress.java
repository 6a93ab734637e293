package io.fenceline.config.records;

import java.time.Instant;

/**
 * Value of {@code …/groups/{group}/handoff-progress}: where a planned handoff stands. Written by the old
 * writer ({@code PAUSED}, {@code RELEASED}, {@code ABORTED}) and by the target ({@code CAUGHT_UP},
 * {@code COMPLETED}), each write a compare-and-set on the previous one.
 *
 * @param requestId  the {@link HandoffRequest} this answers
 * @param from       the cluster giving the writer key up
 * @param target     the cluster taking it
 * @param phase      the step reached
 * @param pauseLsn   the end of the old writer's inserted WAL after writes were paused
 *                   ({@code io.fenceline.config.wal.WalEnd}), flushed before it was published
 * @param appliedLsn the target's applied position of the old writer's WAL (0 until it reports)
 * @param reason     why, for ABORTED; empty otherwise
 * @param at         when this phase was reached (wall clock, informational)
 */
public record HandoffProgress(String requestId, String from, String target, Phase phase, long pauseLsn,
                              long appliedLsn, String reason, Instant at) {

    /** The steps of a handoff, in order; ABORTED ends it early. */
    public enum Phase { PAUSED, CAUGHT_UP, RELEASED, COMPLETED, ABORTED }

    /** Validates every field. */
    public HandoffProgress {
        Checks.name("requestId", requestId);
        Checks.name("from", from);
        Checks.name("target", target);
        Checks.notNull("phase", phase);
        Checks.atLeast("pauseLsn", pauseLsn, 0);
        Checks.atLeast("appliedLsn", appliedLsn, 0);
        reason = reason == null ? "" : reason;
        Checks.notNull("at", at);
    }

    /** The same handoff at another phase. */
    public HandoffProgress next(Phase newPhase, long newAppliedLsn, String newReason, Instant now) {
        return new HandoffProgress(requestId, from, target, newPhase, pauseLsn, newAppliedLsn, newReason, now);
    }
}
