package io.fenceline.demo.faults;

import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The overlap verdict over epochs (revision order, seen-created times) and runs of commits (commit-time order). */
class HistoryCheckTest {

    private static final Instant T0 = Instant.parse("2026-12-07T21:39:00Z");

    private static Instant at(double seconds) {
        return T0.plusMillis((long) (seconds * 1000));
    }

    private static List<HistoryCheck.Group> epochs(Object... clusterEpochSeen) {
        List<FaultRig.Epoch> list = new ArrayList<>();
        for (int i = 0; i < clusterEpochSeen.length; i += 3) {
            list.add(new FaultRig.Epoch(((Number) clusterEpochSeen[i + 1]).longValue(), (String) clusterEpochSeen[i],
                    at(((Number) clusterEpochSeen[i + 2]).doubleValue())));
        }
        return HistoryCheck.groups(list);
    }

    private static HistoryCheck.Run run(String cluster, double first, double last) {
        return new HistoryCheck.Run(cluster, at(first), at(last), 10);
    }

    private static int overlaps(List<HistoryCheck.Group> groups, List<String> problems, HistoryCheck.Run... runs) {
        return HistoryCheck.overlaps(groups, List.of(runs), problems);
    }

    @Test
    void writersTakingTurnsDoNotOverlap() {
        List<String> p = new ArrayList<>();
        assertEquals(0, overlaps(epochs("a", 4, 0.0, "c", 89, 28.2, "a", 156, 31.6, "c", 221, 37.1), p,
                run("a", 1, 27.9), run("c", 28.5, 31.3), run("a", 31.8, 32.2), run("c", 37.2, 40)), p.toString());
    }

    /** bin/faults --seed 7 in session 5: c#89 committed nothing, so a's two epochs are one run of commits. */
    @Test
    void aRunSpanningTwoEpochsOfItsClusterAcrossAnEpochWithoutCommitsIsNoOverlap() {
        List<String> p = new ArrayList<>();
        assertEquals(0, overlaps(epochs("a", 4, 0.0, "c", 89, 28.2, "a", 156, 31.6, "c", 221, 37.1), p,
                run("a", 1, 32.2), run("c", 37.2, 40)), p.toString());
    }

    @Test
    void aRunGoingOnAfterTheNextEpochOfAnotherClusterIsAnOverlap() {
        List<String> p = new ArrayList<>();
        assertEquals(1, overlaps(epochs("a", 4, 0.0, "c", 89, 28.2, "a", 156, 31.6, "c", 221, 37.1), p,
                run("a", 1, 37.5), run("c", 37.6, 40)));
        assertTrue(p.get(0).contains("c#221") || p.get(0).contains("221"), p.toString());
    }

    /** Before the rewrite this went unchecked: the run after a skipped epoch was never compared with it. */
    @Test
    void aRunGoingOnAfterAnEpochWithoutCommitsOfAThirdClusterIsAnOverlap() {
        List<String> p = new ArrayList<>();
        assertEquals(1, overlaps(epochs("a", 4, 0.0, "b", 50, 10.0, "c", 89, 20.0), p,
                run("a", 1, 12), run("c", 20.5, 25)), p.toString());
    }

    /** A later epoch of a seen created long after a's last commit cannot hold it: a wrote during b's epoch. */
    @Test
    void aRunIsNotStretchedIntoAnEpochOfItsClusterCreatedLongAfterItsLastCommit() {
        List<String> p = new ArrayList<>();
        assertEquals(1, overlaps(epochs("a", 4, 0.0, "b", 50, 10.0, "c", 89, 20.0, "a", 120, 30.0, "c", 150, 40.0), p,
                run("a", 1, 12), run("c", 20.5, 25)), p.toString());
    }

    @Test
    void interleavedCommitsWithNoLaterEpochAreAnOverlap() {
        List<String> p = new ArrayList<>();
        assertEquals(1, overlaps(epochs("a", 4, 0.0, "c", 89, 10.0), p,
                run("a", 1, 9), run("c", 10.5, 12), run("a", 12.5, 13)), p.toString());
    }
}
