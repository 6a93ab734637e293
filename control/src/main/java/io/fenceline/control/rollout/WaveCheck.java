package io.fenceline.control.rollout;

import java.util.Optional;

/**
 * An extra check after each wave's gate passed, plugged in from outside the rollout (the command line wires
 * {@code policies.verify: after_wave} to a verify run). A reason fails the gate: the run halts, and rolls back
 * when {@code auto_rollback} says so, as for any other gate.
 */
@FunctionalInterface
public interface WaveCheck {

    /** Empty to go on; otherwise why the run must stop. */
    Optional<String> after(int version, String step, int wave);
}
