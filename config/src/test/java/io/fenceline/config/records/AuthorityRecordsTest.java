package io.fenceline.config.records;

import org.junit.jupiter.api.Test;

import java.time.Instant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The write-authority records: JSON round trips and validation naming the field. */
class AuthorityRecordsTest {

    private static final Instant AT = Instant.parse("2026-11-23T23:00:00Z");

    @Test
    void walPositionRoundTripsAndRefusesAnEpochOfZero() {
        WalPosition w = new WalPosition("eu-1", 42, 123_456_789L, AT);
        assertEquals(w, Records.fromJson("/k", Records.toJson(w), WalPosition.class));
        RecordCodecException e = assertThrows(RecordCodecException.class, () -> Records.fromJson("/fenceline/groups/g/wal",
                "{\"cluster\":\"eu-1\",\"epoch\":0,\"lsn\":1,\"at\":\"2026-11-23T23:00:00Z\"}", WalPosition.class));
        assertTrue(e.getMessage().contains("epoch") && e.getMessage().contains("/fenceline/groups/g/wal"), e.getMessage());
    }

    @Test
    void walPositionCarriesTheWritersSlotsAndAnOldRecordHasNone() {
        WalPosition w = new WalPosition("eu-1", 42, 1, AT, java.util.List.of("us_from_eu", "ap_from_eu"));
        assertEquals(w, Records.fromJson("/k", Records.toJson(w), WalPosition.class));
        WalPosition old = Records.fromJson("/k", "{\"cluster\":\"eu-1\",\"epoch\":3,\"lsn\":1,"
                + "\"at\":\"2026-11-23T23:00:00Z\"}", WalPosition.class);
        assertEquals(java.util.List.of(), old.slots());
        assertTrue(w.isOlderThan(java.time.Duration.ofSeconds(4), AT.plusSeconds(5)));
        assertTrue(!w.isOlderThan(java.time.Duration.ofSeconds(5), AT.plusSeconds(5)));
    }

    @Test
    void handoffProgressRoundTripsThroughItsPhases() {
        HandoffProgress paused = new HandoffProgress("h1", "eu-1", "us-1", HandoffProgress.Phase.PAUSED, 1000, 0, null,
                AT);
        assertEquals("", paused.reason());
        HandoffProgress caughtUp = paused.next(HandoffProgress.Phase.CAUGHT_UP, 1000, "", AT.plusSeconds(1));
        assertEquals(caughtUp, Records.fromJson("/k", Records.toJson(caughtUp), HandoffProgress.class));
        assertEquals(1000, caughtUp.pauseLsn());
        assertTrue(Records.toJson(caughtUp).contains("\"CAUGHT_UP\""), Records.toJson(caughtUp));
        assertThrows(InvalidRecordException.class, () -> new HandoffProgress("h1", "eu/1", "us-1",
                HandoffProgress.Phase.PAUSED, 0, 0, "", AT));
    }
}
