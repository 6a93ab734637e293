package io.fenceline.proxy.telemetry;

import io.fenceline.config.records.WalPosition;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.OptionalDouble;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Lag in seconds and apply-latency samples from published positions and applied positions, on a fixed clock. */
class ApplyTimesTest {

    private static final Instant T0 = Instant.parse("2026-12-07T12:00:00Z");

    private static WalPosition at(String cluster, long lsn, long seconds) {
        return new WalPosition(cluster, 1, lsn, T0.plusSeconds(seconds), List.of("slot"));
    }

    @Test
    void anIdleCaughtUpSubscriberStaysWithinOnePublishIntervalInsteadOfGoingStale() {
        ApplyTimes t = new ApplyTimes("b");
        // The writer is idle: the same LSN republished every second; b applied it long ago.
        for (int s = 0; s < 600; s++) {
            t.published(at("a", 100, s));
            t.applied(100, T0.plusSeconds(s).plusMillis(200));
            assertEquals(0.2, t.lagSeconds(T0.plusSeconds(s).plusMillis(200)).getAsDouble(), 1e-9);
            assertEquals(0, t.lagBytes());
        }
    }

    @Test
    void aStuckSubscriberLagGrowsSecondBySecondAndItsLatencyIsMeasuredWhenItCatchesUp() {
        ApplyTimes t = new ApplyTimes("b");
        t.published(at("a", 100, 0));
        assertEquals(List.of(Duration.ofMillis(100)), t.applied(100, T0.plusMillis(100)));
        for (int s = 1; s <= 10; s++) {
            t.published(at("a", 100 + s * 1000, s));
            assertEquals(List.of(), t.applied(150, T0.plusSeconds(s)));
            assertEquals(s, t.lagSeconds(T0.plusSeconds(s)).getAsDouble(), 1e-9, "stuck since the position at 0 s");
            assertEquals(s * 1000 - 50, t.lagBytes());
        }
        // It catches up to the position published at 5 s, at 12 s: samples for 1..5 s, lag counted from 5 s.
        List<Duration> samples = t.applied(5100, T0.plusSeconds(12));
        assertEquals(List.of(Duration.ofSeconds(11), Duration.ofSeconds(10), Duration.ofSeconds(9), Duration.ofSeconds(8),
                Duration.ofSeconds(7)), samples);
        assertEquals(7, t.lagSeconds(T0.plusSeconds(12)).getAsDouble(), 1e-9);
    }

    @Test
    void beforeAnyPositionIsReachedTheLagIsTheAgeOfTheOldestNotReached() {
        ApplyTimes t = new ApplyTimes("b");
        assertTrue(t.lagSeconds(T0).isEmpty(), "nothing published yet");
        t.published(at("a", 1000, 0));
        assertTrue(t.lagSeconds(T0.plusSeconds(1)).isEmpty(), "not measured yet");
        t.applied(10, T0.plusSeconds(3));
        assertEquals(3, t.lagSeconds(T0.plusSeconds(3)).getAsDouble(), 1e-9);
    }

    @Test
    void theWriterIsZeroBehindAndANewWriterStartsOver() {
        ApplyTimes t = new ApplyTimes("a");
        t.published(at("a", 100, 0));
        assertEquals(OptionalDouble.of(0), t.lagSeconds(T0.plusSeconds(5)));
        assertEquals(0, t.lagBytes());
        // b becomes the writer: a now compares b's WAL, whose positions are not comparable with a's.
        t.published(at("b", 50, 6));
        t.applied(40, T0.plusSeconds(7));
        assertEquals(1, t.lagSeconds(T0.plusSeconds(7)).getAsDouble(), 1e-9);
        assertEquals(10, t.lagBytes());
        t.unknown();
        assertTrue(t.lagSeconds(T0.plusSeconds(8)).isEmpty(), "a subscription that cannot be read is unknown, not 0");
        assertEquals(-1, t.lagBytes());
    }

    @Test
    void aClockBehindTheWritersNeverGivesANegativeLag() {
        ApplyTimes t = new ApplyTimes("b");
        t.published(at("a", 100, 10));
        assertEquals(List.of(Duration.ZERO), t.applied(100, T0.plusSeconds(9)));
        assertEquals(0, t.lagSeconds(T0.plusSeconds(9)).getAsDouble());
    }
}
