package io.fenceline.demo.faults;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code bin/faults} with three fixed seeds and short schedules (the long run is a benchmark, not a test): no
 * overlapping write intervals, no lost acknowledged write, nothing applied twice, no refused write committed —
 * each verdict from the databases' rows. About two minutes on the 2-core machine.
 */
class FaultsIT {

    @Test
    void fixedSeedsLoseNothingAndNeverOverlap() throws Exception {
        FaultsRun.Totals t = FaultsMain.run(List.of(7L, 21L, 1042L), 12_000);
        assertEquals(3, t.schedules());
        assertEquals(0, t.overlaps(), t.last());
        assertEquals(0, t.lost(), t.last());
        assertEquals(0, t.twice(), "writes applied twice");
        assertEquals(0, t.refusedButCommitted(), "refused writes found committed");
        assertTrue(t.failedSeeds().isEmpty(), "failed seeds " + t.failedSeeds());
    }
}
