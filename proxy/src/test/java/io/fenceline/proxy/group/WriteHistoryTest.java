package io.fenceline.proxy.group;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The checker over client-observed writes: each property must fail on a history that violates it. */
class WriteHistoryTest {

    private static final long MS = 1_000_000;

    /** a writes from 0 to 100 ms, then b from 200 to 300 ms: one clean handover. */
    private static WriteHistory handover() {
        WriteHistory h = new WriteHistory();
        long id = 1;
        for (long t = 0; t < 100; t += 10) {
            h.acked(id++, "a1", "a", t * MS, (t + 5) * MS);
        }
        for (long t = 100; t < 200; t += 10) {
            h.failed(id++, "b1", "b", t * MS, (t + 1) * MS, "25006");
        }
        for (long t = 200; t < 300; t += 10) {
            h.acked(id++, "b1", "b", t * MS, (t + 5) * MS);
        }
        return h;
    }

    @Test
    void aCleanHandoverPasses() {
        WriteHistory h = handover();
        assertDoesNotThrow(h::assertNoOverlap);
        assertEquals(1, h.provableSwitches());
        assertDoesNotThrow(() -> h.assertAtMostSwitches(1));
        assertEquals(Map.of("25006", 10L), h.failuresBySqlState(w -> true));
    }

    @Test
    void overlappingAcknowledgedWritesOfTwoClustersFail() {
        WriteHistory h = handover();
        h.acked(100, "a2", "a", 250 * MS, 251 * MS);
        AssertionError e = assertThrows(AssertionError.class, h::assertNoOverlap);
        assertTrue(e.getMessage().contains("write 100"), e.getMessage());
    }

    @Test
    void aWriteOfTheOldWriterThatWasNotAcknowledgedButCommittedCountsToo() {
        WriteHistory h = handover();
        h.failed(100, "a2", "a", 240 * MS, 260 * MS, "08006");
        assertDoesNotThrow(h::assertNoOverlap, "no row: nothing accepted");
        ClockFree.commit(h, "a", 100, 250 * MS);
        assertThrows(AssertionError.class, h::assertNoOverlap);
    }

    @Test
    void aLateAcknowledgementIsNarrowedByTheCommitTimeAndAWrongMappingIsRefused() {
        WriteHistory h = handover();
        // Sent at 95 ms, committed at 96 ms, its acknowledgement relayed only at 250 ms (a stopped proxy).
        h.acked(100, "a2", "a", 95 * MS, 250 * MS);
        assertThrows(AssertionError.class, h::assertNoOverlap, "without the commit time it spreads over b's writes");
        ClockFree.commit(h, "a", 100, 96 * MS);
        assertDoesNotThrow(h::assertNoOverlap);
        ClockFree.commit(h, "a", 100, 400 * MS);
        AssertionError e = assertThrows(AssertionError.class, h::acceptedIntervals);
        assertTrue(e.getMessage().contains("mapping"), e.getMessage());
    }

    @Test
    void interleavedWritesProveMoreSwitchesThanHappenedEvenWithoutOverlap() {
        WriteHistory h = new WriteHistory();
        // a, b, a, b ... 20 ms apart, each over in 5 ms: no two overlap, yet the writer "changed" 5 times.
        for (int i = 0; i < 6; i++) {
            h.acked(i, "c" + i, i % 2 == 0 ? "a" : "b", i * 20 * MS, (i * 20 + 5) * MS);
        }
        assertDoesNotThrow(h::assertNoOverlap);
        assertEquals(5, h.provableSwitches());
        AssertionError e = assertThrows(AssertionError.class, () -> h.assertAtMostSwitches(1));
        assertTrue(e.getMessage().contains("prove 5 changes"), e.getMessage());
    }

    @Test
    void slowAcknowledgementsNeverProveASwitch() {
        WriteHistory h = new WriteHistory();
        h.acked(1, "a1", "a", 0, 100 * MS);
        h.acked(2, "b1", "b", 50 * MS, 60 * MS);
        h.acked(3, "a1", "a", 55 * MS, 200 * MS);
        assertEquals(0, h.provableSwitches(), "a write inside another cluster's slow window proves no change");
    }

    @Test
    void aMissingAcknowledgedWriteFailsAndRefusedOnesAreNotExpected() {
        WriteHistory h = handover();
        List<Long> aIds = h.ackedIdsByCluster().get("a");
        assertDoesNotThrow(() -> h.assertNoLostWrite(w -> w.cluster().equals("a"), aIds, "a"));
        Set<Long> oneMissing = new java.util.HashSet<>(aIds);
        oneMissing.remove(aIds.get(3));
        AssertionError e = assertThrows(AssertionError.class,
                () -> h.assertNoLostWrite(w -> w.cluster().equals("a"), oneMissing, "a"));
        assertTrue(e.getMessage().startsWith("1 acknowledged writes are missing on a"), e.getMessage());
        assertTrue(e.getMessage().contains("write " + aIds.get(3) + " "), e.getMessage());
    }

    /** Commit times given directly in monotonic nanos (no wall clock involved). */
    private static final class ClockFree {
        static void commit(WriteHistory h, String cluster, long id, long nanos) {
            h.commitTimes(cluster, Map.of(id, nanos), 2 * MS);
        }
    }
}
