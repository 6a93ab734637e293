package io.fenceline.proxy.session;

/** Monotonic time in nanoseconds; the one source of time for anything measured or deadline-related. */
@FunctionalInterface
public interface MonotonicClock {
    /** {@link System#nanoTime()}. */
    MonotonicClock SYSTEM = System::nanoTime;

    /** Nanoseconds from an arbitrary fixed origin; only differences are meaningful. */
    long nanoTime();
}
