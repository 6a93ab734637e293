package io.fenceline.testing;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ProgressTest {

    @Test
    void aWaitThatKeepsProgressingOutlastsItsStallBound() throws InterruptedException {
        AtomicInteger polls = new AtomicInteger();
        long start = System.nanoTime();
        // The signal changes at every poll; the condition holds only after 3 stall bounds have passed.
        Progress.await("slow but moving", Duration.ofMillis(100), polls::incrementAndGet,
                () -> System.nanoTime() - start > Duration.ofMillis(300).toNanos());
        assertTrue(polls.get() > 3, "polled " + polls.get());
    }

    @Test
    void aWaitWithoutProgressFailsAfterItsStallBoundNamingWhatItAwaited() {
        AssertionError e = assertThrows(AssertionError.class,
                () -> Progress.await("the journal in draining", Duration.ofMillis(200), () -> "same", () -> false));
        assertTrue(e.getMessage().startsWith("no progress for PT0.2S waiting for the journal in draining"), e.getMessage());
        assertTrue(e.getMessage().contains("last value: same"), e.getMessage());
    }

    @Test
    void exitOfReturnsTheExitCode() throws Exception {
        Process p = new ProcessBuilder("sh", "-c", "exit 3").start();
        assertEquals(3, Progress.exitOf(p, "sh", Duration.ofSeconds(30), () -> 0));
    }
}
