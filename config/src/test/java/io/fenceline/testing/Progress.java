package io.fenceline.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.function.Supplier;

/**
 * Waits that fail only when nothing has progressed for a long while, not when a wall-clock bound passes.
 * A busy CI machine (load 7 on 2 cores) makes a JVM start or a rollout step take several times as long as
 * on a quiet one; a fixed bound then fails a test that was moving. Here the caller names a progress signal
 * (a value that changes whenever the work under test moves: a log's size, the number of audit records, a
 * journal state, an etcd revision), and the wait fails once the condition is still false and the signal has
 * not changed for {@code stall}. The test method's own timeout (five minutes, docs/testing.md) bounds the
 * total, so a livelock that keeps "progressing" still fails.
 */
public final class Progress {

    private static final long POLL_MILLIS = 50;

    private Progress() {
    }

    /**
     * Waits until {@code condition} is true.
     *
     * @param what      what is awaited, for the failure message
     * @param stall     how long the signal may stay unchanged before the wait fails
     * @param signal    the progress signal; compared with {@link Objects#equals}
     * @param condition the awaited condition (an exception thrown by it fails the wait at once)
     */
    public static void await(String what, Duration stall, Supplier<?> signal, Callable<Boolean> condition)
            throws InterruptedException {
        long start = System.nanoTime();
        Object last = signal.get();
        long lastChange = start;
        int changes = 0;
        while (!call(condition)) {
            Object now = signal.get();
            long t = System.nanoTime();
            if (!Objects.equals(now, last)) {
                last = now;
                lastChange = t;
                changes++;
            } else if (t - lastChange > stall.toNanos()) {
                throw new AssertionError("no progress for " + stall + " waiting for " + what + " (waited "
                        + Duration.ofNanos(t - start).withNanos(0) + " in all, the signal changed " + changes
                        + " times; last value: " + abbreviate(last) + ")");
            }
            Thread.sleep(POLL_MILLIS);
        }
    }

    /**
     * Waits for {@code process} to exit and returns its exit code; fails (and kills it) only when it is still
     * running and {@code signal} has not changed for {@code stall}.
     */
    public static int exitOf(Process process, String what, Duration stall, Supplier<?> signal)
            throws InterruptedException {
        try {
            await(what + " to exit", stall, signal, () -> !process.isAlive());
        } catch (AssertionError e) {
            process.destroyForcibly();
            throw e;
        }
        return process.waitFor();
    }

    /** A signal made of several: changes when any of them changes. */
    public static Supplier<Object> anyOf(Supplier<?>... signals) {
        return () -> {
            Object[] values = new Object[signals.length];
            for (int i = 0; i < signals.length; i++) {
                values[i] = signals[i].get();
            }
            return Arrays.asList(values);
        };
    }

    /** The size of {@code file} (0 when absent): a child's log grows while it works. */
    public static Supplier<Long> sizeOf(Path file) {
        return () -> {
            try {
                return Files.exists(file) ? Files.size(file) : 0L;
            } catch (IOException e) {
                return -1L;
            }
        };
    }

    private static boolean call(Callable<Boolean> condition) {
        try {
            return condition.call();
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Exception e) {
            throw new AssertionError("condition failed: " + e, e);
        }
    }

    private static String abbreviate(Object value) {
        String s = String.valueOf(value);
        return s.length() <= 300 ? s : s.substring(0, 300) + "…";
    }
}
