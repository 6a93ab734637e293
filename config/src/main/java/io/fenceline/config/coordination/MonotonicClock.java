package io.fenceline.config.coordination;

/**
 * The one clock for anything deadline-related: a monotonic nanosecond counter with an arbitrary origin.
 * Values are only compared with each other; never with wall-clock time. Tests drive a {@link ManualClock}.
 */
@FunctionalInterface
public interface MonotonicClock {

    /** The JVM's {@link System#nanoTime()}. */
    MonotonicClock SYSTEM = System::nanoTime;

    /** Current reading in nanoseconds; never goes backwards. */
    long nanoTime();

    /** The JVM's {@link System#nanoTime()}. */
    static MonotonicClock system() {
        return SYSTEM;
    }
}
