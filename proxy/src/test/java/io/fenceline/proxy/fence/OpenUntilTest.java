package io.fenceline.proxy.fence;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The conversion of a monotonic lease deadline into the server clock's "open until", always on the safe side. */
class OpenUntilTest {

    private static final long MS = 1_000_000;

    @Test
    void theTimeLeftAfterTheAnswerShrinksByRhoAndRoundsDown() {
        // 4 s left when the answer arrived, 1% drift: 3960 ms after the server's reading.
        assertEquals(1_000_000 + 3960, OpenUntil.of(1_000_000, 10 * MS, 10 * MS + 4000 * MS, 0.01));
        // 1.9999 ms left at rho 0: 1 ms, never 2.
        assertEquals(501, OpenUntil.of(500, 0, 1_999_900, 0));
    }

    @Test
    void aDeadlineThatPassedOrIsLessThanAMillisecondAwayCloses() {
        assertEquals(OpenUntil.CLOSED, OpenUntil.of(1_000_000, 5 * MS, 5 * MS, 0.01));
        assertEquals(OpenUntil.CLOSED, OpenUntil.of(1_000_000, 5 * MS, 4 * MS, 0.01));
        assertEquals(OpenUntil.CLOSED, OpenUntil.of(1_000_000, 0, MS / 2, 0));
    }

    @Test
    void neverLaterThanTheServerClockAtTheDeadlineWhateverTheServerReadInTheRoundTrip() {
        // The server read its clock at some instant of [t0, t2]; at the deadline its clock reads at least
        // dbMillis + (D - t2) * (1 - rho) when it runs as slow as rho allows.
        long t0 = 0;
        long t2 = 300 * MS;
        long deadline = 5000 * MS;
        double rho = 0.01;
        for (long t1 = t0; t1 <= t2; t1 += 50 * MS) {
            long serverAtT1 = 7_000_000;
            long value = OpenUntil.of(serverAtT1, t2, deadline, rho);
            double serverAtDeadline = serverAtT1 + (deadline - t1) * (1 - rho) / MS;
            assertTrue(value <= serverAtDeadline, "t1 " + t1 + ": " + value + " > " + serverAtDeadline);
        }
    }

    @Test
    void rhoOutsideItsRangeIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> OpenUntil.of(0, 0, 1, 1.0));
        assertThrows(IllegalArgumentException.class, () -> OpenUntil.of(0, 0, 1, -0.1));
    }
}
