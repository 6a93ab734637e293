package io.fenceline.proxy.authority;

import io.fenceline.config.coordination.LeaseState;
import io.fenceline.config.coordination.ManualClock;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Decisions of the write gate on a manual clock: deadline edges, mode precedence, the paused bound. */
class WriteGateTest {

    private static final long LEASE = 42;
    private static final long EPOCH = 7;
    private static final Duration PAUSE = Duration.ofMillis(300);

    private final ManualClock clock = new ManualClock();
    private final AtomicReference<LeaseState> lease = new AtomicReference<>(new LeaseState.Acquiring("test"));
    private final WriteGate gate = new WriteGate("main", "eu-1", clock, lease::get, PAUSE.toNanos());

    private long now() {
        return clock.nanoTime();
    }

    private long holdLease(Duration left) {
        long deadline = now() + left.toNanos();
        lease.set(new LeaseState.Held(LEASE, deadline, 5, now()));
        return deadline;
    }

    @Test
    void closedUntilTheAuthorityOpensIt() {
        holdLease(Duration.ofSeconds(4));
        Decision.Deny d = assertInstanceOf(Decision.Deny.class, gate.decide(now()));
        assertEquals("25006", d.sqlState());
        assertTrue(d.message().contains("eu-1") && d.message().contains("main"), d.message());
    }

    @Test
    void openGateAllowsStrictlyBeforeTheDeadlineAndNotAtIt() {
        long deadline = holdLease(Duration.ofSeconds(4));
        gate.open(EPOCH, LEASE);
        assertEquals(new Decision.Allow(EPOCH), gate.decide(now()));
        assertEquals(new Decision.Allow(EPOCH), gate.decide(deadline - 1));
        Decision.Deny atDeadline = assertInstanceOf(Decision.Deny.class, gate.decide(deadline));
        assertEquals("25006", atDeadline.sqlState());
        assertTrue(atDeadline.message().contains("deadline"), atDeadline.message());
        assertInstanceOf(Decision.Deny.class, gate.decide(deadline + 1));
    }

    @Test
    void theDeadlineIsCheckedWithoutAnyEventFromTheKeeper() {
        holdLease(Duration.ofMillis(100));
        gate.open(EPOCH, LEASE);
        clock.advance(Duration.ofMillis(99));
        assertInstanceOf(Decision.Allow.class, gate.decide(now()));
        clock.advance(Duration.ofMillis(1));
        assertInstanceOf(Decision.Deny.class, gate.decide(now()));
        assertTrue(gate.standing().open(), "nobody told the gate, yet it denies");
    }

    @Test
    void inTenureAnswersWhetherAnEarlierAllowedWriteMayStillBeSent() {
        long deadline = holdLease(Duration.ofMillis(100));
        assertFalse(gate.inTenure(now()), "never opened: no tenure");
        gate.open(EPOCH, LEASE);
        assertTrue(gate.inTenure(deadline - 1));
        assertFalse(gate.inTenure(deadline), "a proxy paused past its deadline must not send what it decided before");
        gate.pause("handoff");
        assertTrue(gate.inTenure(deadline - 1), "a pause that began after the decision does not make sending unsafe");
        gate.close(WriteGate.readOnly("read-only", null), true);
        assertTrue(gate.inTenure(deadline - 1), "the operator's read-only keeps the key: the fencing sequence follows");
        gate.close(WriteGate.readOnly("handed off", null));
        assertFalse(gate.inTenure(deadline - 1), "the key is gone: not sending is the safe side");
        gate.pause("operator");
        assertFalse(gate.inTenure(deadline - 1), "a pause after losing the key gives no tenure back");
        gate.open(EPOCH, LEASE);
        lease.set(new LeaseState.Held(LEASE + 1, now() + Duration.ofSeconds(4).toNanos(), 5, now()));
        assertFalse(gate.inTenure(now()), "another lease than the one the gate opened with");
    }

    @Test
    void anotherLeaseThanTheConfirmedOneIsNotAuthority() {
        holdLease(Duration.ofSeconds(4));
        gate.open(EPOCH, LEASE);
        lease.set(new LeaseState.Held(LEASE + 1, now() + Duration.ofSeconds(4).toNanos(), 5, now()));
        assertInstanceOf(Decision.Deny.class, gate.decide(now()));
        lease.set(new LeaseState.Lost(LEASE, "revoked", now()));
        assertInstanceOf(Decision.Deny.class, gate.decide(now()));
        lease.set(new LeaseState.Acquiring("regranting"));
        assertInstanceOf(Decision.Deny.class, gate.decide(now()));
    }

    @Test
    void operatorReadOnlyWinsOverAHeldLease() {
        holdLease(Duration.ofSeconds(4));
        gate.open(EPOCH, LEASE);
        Decision.Deny readOnly = WriteGate.readOnly("cluster eu-1 is read-only (operator mode)", "hint");
        gate.close(readOnly);
        assertSame(readOnly, gate.decide(now()));
    }

    @Test
    void operatorPausedWinsOverAHeldLeaseAndHoldsForTheBound() {
        holdLease(Duration.ofSeconds(4));
        gate.open(EPOCH, LEASE);
        gate.pause("operator mode paused");
        long start = now();
        Decision.Hold hold = assertInstanceOf(Decision.Hold.class, gate.decide(start));
        assertEquals(start + PAUSE.toNanos(), hold.untilNanos());
        assertEquals(start, hold.sinceNanos());
        clock.advance(PAUSE);
        Decision.Deny timedOut = hold.timedOut(now());
        assertEquals("57014", timedOut.sqlState());
        assertEquals("canceling statement: writes paused for 300 ms", timedOut.message());
    }

    @Test
    void resumingAfterAPauseAllowsAgainAndListenersSeeEveryChangeInOrder() {
        holdLease(Duration.ofSeconds(4));
        List<String> seen = new ArrayList<>();
        gate.addListener((from, to, at) -> seen.add(to.getClass().getSimpleName() + "@" + (at - now())));
        gate.open(EPOCH, LEASE);
        gate.open(EPOCH, LEASE);
        gate.pause("p");
        gate.pause("p");
        gate.open(EPOCH, LEASE);
        assertInstanceOf(Decision.Allow.class, gate.decide(now()));
        assertEquals(List.of("Open@0", "Paused@0", "Open@0"), seen, "repeated identical standings are not changes");
    }

    @Test
    void pausedOnANonWriterHoldsToo() {
        gate.pause("operator mode paused");
        assertInstanceOf(Decision.Hold.class, gate.decide(now()));
    }
}
