package io.fenceline.config.coordination;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The deadline rule of {@link LeaseBook}, driven by a {@link ManualClock}. TTL 5 s, rho 1%, margin 500 ms. */
class LeaseBookTest {

    private static final long MS = 1_000_000L;
    private static final long TTL = 5;
    private static final double RHO = 0.01;
    private static final long MARGIN = 500 * MS;
    /** 5 s * 0.99 - 0.5 s. */
    private static final long SPAN = 4_450 * MS;

    private final ManualClock clock = new ManualClock();
    private final LeaseBook book = new LeaseBook(RHO, MARGIN);

    private LeaseState.Held grantAt(long sent) {
        Optional<LeaseBook.Transition> t = book.granted(7, sent, TTL, clock.nanoTime());
        assertTrue(t.isPresent());
        assertInstanceOf(LeaseState.Acquiring.class, t.get().from());
        return (LeaseState.Held) t.get().to();
    }

    @Test
    void deadlineIsSendTimePlusScaledTtlMinusMargin() {
        assertEquals(1_000 * MS + SPAN, LeaseBook.deadline(1_000 * MS, TTL, RHO, MARGIN));
        assertEquals(10_000 * MS, LeaseBook.deadline(0, 10, 0.0, 0));
        assertEquals(9_900 * MS - 1, LeaseBook.deadline(0, 10, 0.01, 1));
    }

    @Test
    void deadlineCountsFromSendTimeNotFromReplyTime() {
        long sent = clock.nanoTime();
        clock.advance(Duration.ofMillis(900)); // a slow grant reply
        LeaseState.Held held = grantAt(sent);
        assertEquals(sent + SPAN, held.deadlineNanos());
    }

    @Test
    void lateKeepaliveReplyNeverPushesDeadlineBeyondItsSendTimeBound() {
        LeaseState.Held held = grantAt(clock.nanoTime());
        clock.advance(Duration.ofMillis(1_667));
        long sent = clock.nanoTime();
        clock.advance(Duration.ofMillis(2_000)); // reply arrives 2 s after it was asked
        assertEquals(Optional.empty(), book.acknowledged(held.leaseId(), sent, TTL, clock.nanoTime()));
        LeaseState.Held extended = (LeaseState.Held) book.state();
        assertEquals(sent + SPAN, extended.deadlineNanos());
        assertTrue(extended.deadlineNanos() < clock.nanoTime() + SPAN, "not measured from the reply");
    }

    @Test
    void deadlineOnlyMovesForward() {
        LeaseState.Held held = grantAt(clock.nanoTime());
        long early = held.acknowledgedAt() - 100 * MS; // an acknowledgement of an older request
        book.acknowledged(held.leaseId(), early, TTL, clock.nanoTime());
        assertEquals(held.deadlineNanos(), ((LeaseState.Held) book.state()).deadlineNanos());
        book.acknowledged(held.leaseId(), held.acknowledgedAt() + 10 * MS, 2, clock.nanoTime()); // shorter TTL
        assertEquals(held.deadlineNanos(), ((LeaseState.Held) book.state()).deadlineNanos());
    }

    @Test
    void errorsAndSilenceNeverExtendAndTheLeaseIsLostAtTheDeadline() {
        LeaseState.Held held = grantAt(clock.nanoTime());
        clock.advance(Duration.ofNanos(SPAN - 1));
        assertTrue(book.state().writable(clock.nanoTime()));
        assertEquals(Optional.empty(), book.expireIfDue(clock.nanoTime()));
        clock.advance(Duration.ofNanos(1));
        assertFalse(book.state().writable(clock.nanoTime()), "writable is false exactly at the deadline");
        LeaseBook.Transition t = book.expireIfDue(clock.nanoTime()).orElseThrow();
        assertEquals(held, t.from());
        LeaseState.Lost lost = assertInstanceOf(LeaseState.Lost.class, t.to());
        assertEquals(held.leaseId(), lost.leaseId());
        assertTrue(lost.reason().contains("deadline passed"), lost.reason());
    }

    @Test
    void processPauseLongerThanTtlLeavesNothingWritableEvenBeforeAnyTimerRuns() {
        LeaseState.Held held = grantAt(clock.nanoTime());
        long sentBeforePause = clock.nanoTime() + 1_667 * MS;
        clock.advance(Duration.ofMillis(1_667));
        clock.advance(Duration.ofSeconds(7)); // the whole process stalls, timers included
        // A caller checking right after the pause sees no authority, without help from the keeper thread.
        assertFalse(book.state().writable(clock.nanoTime()));
        // The reply to the keepalive sent before the pause arrives now: it cannot revive the lease.
        Optional<LeaseBook.Transition> t = book.acknowledged(held.leaseId(), sentBeforePause, TTL, clock.nanoTime());
        assertInstanceOf(LeaseState.Lost.class, t.orElseThrow().to());
        assertFalse(book.state().writable(clock.nanoTime()));
        assertEquals(Optional.empty(), book.acknowledged(held.leaseId(), clock.nanoTime(), TTL, clock.nanoTime()));
        assertInstanceOf(LeaseState.Lost.class, book.state());
    }

    @Test
    void lostLeaseIsNeverRevivedOnlyANewGrantHoldsAgain() {
        LeaseState.Held held = grantAt(clock.nanoTime());
        book.lose("etcd reports lease 7 not found", clock.nanoTime());
        book.acknowledged(held.leaseId(), clock.nanoTime(), TTL, clock.nanoTime());
        assertInstanceOf(LeaseState.Lost.class, book.state());
        book.acquiring("lease 7 lost");
        assertInstanceOf(LeaseState.Acquiring.class, book.state());
        assertTrue(book.granted(8, clock.nanoTime(), TTL, clock.nanoTime()).isPresent());
        assertEquals(8, ((LeaseState.Held) book.state()).leaseId());
        assertThrows(IllegalStateException.class, () -> book.granted(9, clock.nanoTime(), TTL, clock.nanoTime()));
    }

    @Test
    void acknowledgementOfAnotherLeaseIsIgnored() {
        LeaseState.Held held = grantAt(clock.nanoTime());
        clock.advance(Duration.ofSeconds(1));
        book.acknowledged(99, clock.nanoTime(), TTL, clock.nanoTime());
        assertEquals(held, book.state());
    }

    @Test
    void zeroTtlMeansEtcdForgotTheLease() {
        LeaseState.Held held = grantAt(clock.nanoTime());
        LeaseBook.Transition t = book.acknowledged(held.leaseId(), clock.nanoTime(), 0, clock.nanoTime()).orElseThrow();
        assertInstanceOf(LeaseState.Lost.class, t.to());
    }

    @Test
    void grantWhoseDeadlineAlreadyPassedIsNotHeld() {
        long sent = clock.nanoTime();
        clock.advance(Duration.ofNanos(SPAN));
        assertEquals(Optional.empty(), book.granted(7, sent, TTL, clock.nanoTime()));
        assertInstanceOf(LeaseState.Acquiring.class, book.state());
    }
}
