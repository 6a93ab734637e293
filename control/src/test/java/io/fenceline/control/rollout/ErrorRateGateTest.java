package io.fenceline.control.rollout;

import io.fenceline.config.keys.EtcdKey;
import io.fenceline.config.records.Mode;
import io.fenceline.config.records.ProxyStatus;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The arithmetic of the "no rise in errors" gate: deltas, restarts, zero traffic, rise and no rise. */
class ErrorRateGateTest {

    private static final ErrorRateGate.Settings ONE_POINT = new ErrorRateGate.Settings(Duration.ofSeconds(1), 0.01, 100);

    private static ProxyStatus status(long lease, long statements, long errors) {
        return new ProxyStatus(lease, Mode.WRITABLE, false, 0, 0, Map.of(), 1, statements, errors, null, Instant.EPOCH);
    }

    private static EtcdKey.Proxy proxy(String cluster, String id) {
        return new EtcdKey.Proxy("main", cluster, id);
    }

    /** A reading: alternating proxy key and status. */
    private static Map<EtcdKey.Proxy, ProxyStatus> reading(Object... pairs) {
        Map<EtcdKey.Proxy, ProxyStatus> m = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            m.put((EtcdKey.Proxy) pairs[i], (ProxyStatus) pairs[i + 1]);
        }
        return m;
    }

    @Test
    void deltaIsTheDifferenceOfTheCounters() {
        assertEquals(new ErrorRateGate.Counts(500, 3), ErrorRateGate.delta(status(7, 1000, 10), status(7, 1500, 13)));
    }

    @Test
    void aCounterThatWentDownOrANewLeaseIsARestartCountedFromZero() {
        // statements went down: restarted; everything since the restart happened inside the interval.
        assertEquals(new ErrorRateGate.Counts(40, 1), ErrorRateGate.delta(status(7, 1000, 10), status(7, 40, 1)));
        // errors went down while statements grew past the old value: still a restart.
        assertEquals(new ErrorRateGate.Counts(2000, 0), ErrorRateGate.delta(status(7, 1000, 10), status(7, 2000, 0)));
        // same counters, new lease: a restart that happened to reach the same numbers is not a zero delta.
        assertTrue(ErrorRateGate.restarted(status(7, 100, 1), status(8, 100, 1)));
        assertEquals(new ErrorRateGate.Counts(100, 1), ErrorRateGate.delta(status(7, 100, 1), status(8, 100, 1)));
        // a proxy that appears only in the later reading counts everything it reports.
        assertEquals(new ErrorRateGate.Counts(30, 2), ErrorRateGate.delta(null, status(9, 30, 2)));
    }

    @Test
    void countsSumTheClustersProxiesAndIgnoreOtherClustersAndVanishedProxies() {
        var b = reading(proxy("c1", "a"), status(1, 100, 1), proxy("c1", "b"), status(2, 200, 0),
                proxy("c2", "a"), status(3, 900, 90), proxy("c1", "gone"), status(4, 50, 50));
        var w = reading(proxy("c1", "a"), status(1, 300, 3), proxy("c1", "b"), status(2, 400, 2),
                proxy("c2", "a"), status(3, 1900, 190));
        assertEquals(new ErrorRateGate.Counts(400, 4), ErrorRateGate.counts("c1", b, w));
    }

    @Test
    void aRiseAboveTheLimitFailsAndSaysByHowMuch() {
        var b0 = reading(proxy("c1", "a"), status(1, 1000, 5));
        var b = reading(proxy("c1", "a"), status(1, 2000, 10));     // before: 5/1000 = 0.5 %
        var w1 = reading(proxy("c1", "a"), status(1, 2200, 14));    // after: 4/200 = 2.0 %: +1.5 points
        ErrorRateGate.Verdict v = ErrorRateGate.judge(ONE_POINT, List.of("c1"), b0, b, w1);
        assertFalse(v.passed());
        assertEquals("c1: 2.00% (4/200) after vs 0.50% (5/1000) before: +1.50 points (limit 1.00)", v.failures());
        assertTrue(v.rule().contains("by at most 1.00 percentage point(s)"), v.rule());
    }

    @Test
    void noRiseOrARiseWithinTheLimitPasses() {
        var b0 = reading(proxy("c1", "a"), status(1, 0, 0));
        var b = reading(proxy("c1", "a"), status(1, 1000, 20));     // before: 2 %
        var same = reading(proxy("c1", "a"), status(1, 1500, 30));  // after: 2 %
        assertTrue(ErrorRateGate.judge(ONE_POINT, List.of("c1"), b0, b, same).passed());
        var lower = reading(proxy("c1", "a"), status(1, 1500, 20)); // after: 0 %
        ErrorRateGate.Verdict v = ErrorRateGate.judge(ONE_POINT, List.of("c1"), b0, b, lower);
        assertTrue(v.passed());
        assertEquals("c1: 0.00% (0/500) after vs 2.00% (20/1000) before: -2.00 points (limit 1.00)", v.summary());
        var justWithin = reading(proxy("c1", "a"), status(1, 2000, 35)); // after: 15/1000 = 3 %: +1.00 exactly
        assertTrue(ErrorRateGate.judge(ONE_POINT, List.of("c1"), b0, b, justWithin).passed());
    }

    @Test
    void zeroOrTooLittleTrafficIsNotJudged() {
        var b0 = reading(proxy("c1", "a"), status(1, 0, 0));
        var b = reading(proxy("c1", "a"), status(1, 0, 0));
        var w1 = reading(proxy("c1", "a"), status(1, 99, 99)); // every statement failed, but only 99 of them
        ErrorRateGate.Verdict v = ErrorRateGate.judge(ONE_POINT, List.of("c1", "c2"), b0, b, w1);
        assertTrue(v.passed());
        assertTrue(v.summary().startsWith("c1: not judged: 99 statement(s) after the step < 100"), v.summary());
        assertTrue(v.summary().contains("c2: not judged: 0 statement(s)"), v.summary());
    }

    @Test
    void anUnknownBaselineCountsAsZeroSoOnlyTheClustersOwnRatioMatters() {
        var b = reading(proxy("c1", "a"), status(1, 5000, 100));
        var w1 = reading(proxy("c1", "a"), status(1, 6000, 105)); // 0.5 %: within one point of 0
        ErrorRateGate.Verdict ok = ErrorRateGate.judge(ONE_POINT, List.of("c1"), Map.of(), b, w1);
        assertTrue(ok.passed());
        assertTrue(ok.summary().contains("vs unknown (0 statements), taken as 0% before"), ok.summary());
        var bad = reading(proxy("c1", "a"), status(1, 6000, 130)); // 3 %
        assertFalse(ErrorRateGate.judge(ONE_POINT, List.of("c1"), Map.of(), b, bad).passed());
    }

    @Test
    void aRestartDuringTheStepIsJudgedOnItsCountsSinceTheRestart() {
        var b0 = reading(proxy("c1", "a"), status(1, 1000, 0));
        var b = reading(proxy("c1", "a"), status(1, 2000, 0));
        // the proxy restarted (new lease) during the step and has since served 300 statements, 30 failed
        var w1 = reading(proxy("c1", "a2"), status(2, 300, 30));
        ErrorRateGate.Verdict v = ErrorRateGate.judge(ONE_POINT, List.of("c1"), b0, b, w1);
        assertFalse(v.passed());
        assertEquals(new ErrorRateGate.Counts(300, 30), v.clusters().get(0).after());
    }
}
