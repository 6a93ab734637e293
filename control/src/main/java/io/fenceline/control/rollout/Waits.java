package io.fenceline.control.rollout;

import io.fenceline.config.coordination.MonotonicClock;
import io.fenceline.control.calendar.WallClock;

import java.time.Instant;
import java.util.function.BooleanSupplier;

/**
 * How a run waits: in short sleeps (at most 200 ms of real time), checking control's leader lease before each, so
 * a run that lost its lease stops within one sleep. Deadlines inside one process are on the monotonic clock; the
 * journaled ones (cooldowns, windows, gate time boxes) on the wall clock, which a test moves by hand.
 */
final class Waits {

    private static final long SLICE_MILLIS = 200;

    private final BooleanSupplier leader;
    private final MonotonicClock clock;
    private final WallClock wall;

    Waits(BooleanSupplier leader, MonotonicClock clock, WallClock wall) {
        this.leader = leader;
        this.clock = clock;
        this.wall = wall;
    }

    WallClock wall() {
        return wall;
    }

    MonotonicClock clock() {
        return clock;
    }

    /** Stops the run ({@link RolloutOutcome.LostLeadership}) unless the leader lease is writable. */
    void requireLeader(String when) {
        if (!leader.getAsBoolean()) {
            throw new RolloutStop(new RolloutOutcome.LostLeadership("control's leader lease is not writable " + when));
        }
    }

    /** Sleeps until {@code end} on the monotonic clock, checking the leader lease at least every 200 ms. */
    void until(long end, String when) {
        long left;
        while ((left = end - clock.nanoTime()) > 0) {
            requireLeader(when);
            sleep(Math.max(1, Math.min(SLICE_MILLIS, left / 1_000_000)));
        }
    }

    /** Sleeps until the wall clock reads {@code end} or later, checking the leader lease every slice. */
    void untilWall(Instant end, String when) {
        while (wall.now().isBefore(end)) {
            requireLeader(when);
            sleep(SLICE_MILLIS);
        }
    }

    /** One slice between two checks of a condition. */
    void pause() {
        sleep(SLICE_MILLIS);
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RolloutStop(new RolloutOutcome.Halted(0, "interrupted"));
        }
    }
}
