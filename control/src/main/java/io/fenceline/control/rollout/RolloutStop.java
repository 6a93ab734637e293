package io.fenceline.control.rollout;

/**
 * Raised inside a run to unwind to {@link Rollout}'s public entry points with an outcome; never escapes them.
 * Carries no stack trace: it is control flow, not an error.
 */
final class RolloutStop extends RuntimeException {

    final transient RolloutOutcome outcome;

    RolloutStop(RolloutOutcome outcome) {
        super(outcome.toString(), null, false, false);
        this.outcome = outcome;
    }
}
