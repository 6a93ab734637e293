package io.fenceline.proxy.authority;

import io.fenceline.config.group.Failover;
import io.fenceline.config.group.GroupSettings;
import io.fenceline.config.records.Mode;
import io.fenceline.config.records.WalPosition;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The rules of {@link Eligibility}, one case a line: positions of another cluster, stale ones, the last writer. */
class EligibilityTest {

    private static final Instant NOW = Instant.parse("2026-12-07T12:00:00Z");
    private static final Duration TTL = Duration.ofSeconds(5);
    private static final GroupSettings C = new GroupSettings("g", "c", "p-c", "a", List.of("a", "b", "c"),
            Failover.AUTOMATIC, 1000, Duration.ofSeconds(5), Duration.ofSeconds(30), Duration.ofSeconds(1));
    private static final Duration FRESH = Eligibility.freshness(C, TTL);

    private static Eligibility of(WalPosition last, Eligibility.Applied applied, Instant reference) {
        return Eligibility.evaluate(C, Mode.WRITABLE, Optional.empty(), last, applied, FRESH, reference);
    }

    @Test
    void freshnessIsTtlPlusTwoStatusIntervalsPlusTheClockAllowance() {
        assertEquals(Duration.ofSeconds(8), FRESH);
    }

    @Test
    void rules() {
        WalPosition b = new WalPosition("b", 7, 5_000, NOW.minusSeconds(2), List.of("c_from_b"));
        Eligibility.Applied ofB = new Eligibility.Applied("b", 7, OptionalLong.of(4_500));
        Eligibility.Applied ofA = new Eligibility.Applied("a", 3, OptionalLong.of(90_000));
        assertTrue(of(b, ofB, NOW).eligible(), "caught up within the bound with b's WAL");
        assertFalse(of(b, ofA, NOW).eligible(), "a's applied position says nothing about b's WAL");
        assertFalse(of(b, new Eligibility.Applied("b", 6, OptionalLong.of(4_500)), NOW).eligible(),
                "measured against an earlier epoch's position");
        assertFalse(of(b, ofB, NOW.plusSeconds(7)).eligible(), "stale: read 9 s before the reference");
        assertTrue(of(b, ofB, NOW.plusSeconds(5)).eligible(), "7 s old: fresh");
        assertFalse(of(new WalPosition("b", 7, 9_000, NOW, List.of()), ofB, NOW).eligible(), "4500 bytes behind");
        WalPosition mine = new WalPosition("c", 9, 1, NOW.minusSeconds(3600), List.of());
        assertTrue(of(mine, Eligibility.Applied.UNKNOWN, NOW).eligible(), "the last writer itself, however old");
        assertFalse(Eligibility.evaluate(C, Mode.WRITABLE, Optional.of(false), mine, ofB, FRESH, NOW).eligible());
        assertTrue(Eligibility.evaluate(C, Mode.WRITABLE, Optional.of(true), b, ofA, FRESH, NOW).eligible());
        assertFalse(Eligibility.evaluate(C, Mode.READ_ONLY, Optional.empty(), mine, ofB, FRESH, NOW).eligible());
        assertFalse(of(null, ofB, NOW).eligible(), "c is not the preferred cluster");
    }
}
