package io.fenceline.control.calendar;

import java.time.Instant;

/**
 * The wall clock of a rollout: cooldowns, rollout windows and gate time boxes are measured on it, because they
 * are journaled and must mean the same to the control instance that resumes the run after a restart (a
 * monotonic reading means nothing in another process). Tests inject a clock they move by hand. Short waits inside
 * one process (the error gate's window, lease deadlines) stay on the monotonic clock.
 */
@FunctionalInterface
public interface WallClock {

    /** The system's UTC clock. */
    WallClock SYSTEM = Instant::now;

    /** The current instant. */
    Instant now();
}
