package io.fenceline.config.coordination;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/** A {@link MonotonicClock} that moves only when told to; for tests of deadline logic. Thread-safe. */
public final class ManualClock implements MonotonicClock {

    private final AtomicLong now;

    /** Starts at {@code startNanos}. */
    public ManualClock(long startNanos) {
        this.now = new AtomicLong(startNanos);
    }

    /** Starts at an arbitrary non-zero origin, as a real monotonic clock would. */
    public ManualClock() {
        this(1_000_000_000_000L);
    }

    @Override
    public long nanoTime() {
        return now.get();
    }

    /** Moves the clock forward; a negative step is refused (the clock is monotonic). */
    public long advance(Duration step) {
        if (step.isNegative()) {
            throw new IllegalArgumentException("a monotonic clock cannot go back by " + step);
        }
        return now.addAndGet(step.toNanos());
    }
}
