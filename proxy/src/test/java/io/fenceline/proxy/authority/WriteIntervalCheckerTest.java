package io.fenceline.proxy.authority;

import io.fenceline.config.coordination.LeaseState;
import io.fenceline.config.coordination.ManualClock;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The checker itself: it must catch an overlap, or the ITs that rely on it prove nothing. */
class WriteIntervalCheckerTest {

    private final ManualClock clock = new ManualClock();

    private WriteGate gate(String cluster, WriteIntervalChecker checker) {
        WriteGate g = new WriteGate("g", cluster, clock, () -> new LeaseState.Acquiring("x"), 1_000_000);
        g.addListener(checker.listener(cluster));
        return g;
    }

    @Test
    void sequentialWritersPassAndOverlappingOnesFail() {
        WriteIntervalChecker checker = new WriteIntervalChecker();
        WriteGate a = gate("a", checker);
        WriteGate b = gate("b", checker);
        a.open(1, 1);
        clock.advance(Duration.ofMillis(10));
        a.close(WriteGate.readOnly("lost", "h"));
        clock.advance(Duration.ofMillis(1));
        b.open(2, 2);
        checker.assertNoOverlap();
        assertEquals(1, checker.intervals("a").size());
        clock.advance(Duration.ofMillis(1));
        a.open(3, 3);
        assertThrows(AssertionError.class, checker::assertNoOverlap);
    }
}
