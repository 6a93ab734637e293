package io.fenceline.control.reconcile;

import io.fenceline.config.coordination.KeyEvent;
import io.fenceline.config.coordination.StoredEntry;
import io.fenceline.config.records.Records;
import io.fenceline.config.records.WalPosition;
import io.fenceline.config.records.WriterRecord;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Which sequences of writer-key and WAL-position events are a change of hands, and which position goes with it. */
class WriterChangesTest {

    private static final String WRITER = "/f/groups/main/writer";
    private static final String WAL = "/f/groups/main/wal";
    private static final Instant AT = Instant.parse("2026-12-07T23:00:00Z");

    private static StoredEntry writer(String cluster, long createRevision, long modRevision) {
        return new StoredEntry(WRITER, Records.toJson(new WriterRecord(cluster, "p-" + cluster, AT)), createRevision,
                modRevision, 1, 7);
    }

    private static StoredEntry wal(String cluster, long epoch, long lsn, long revision) {
        return new StoredEntry(WAL, Records.toJson(new WalPosition(cluster, epoch, lsn, AT, List.of("s_" + cluster))),
                1, revision, 1, 0);
    }

    private static KeyEvent put(StoredEntry e) {
        return new KeyEvent(KeyEvent.Type.PUT, e);
    }

    @Test
    void aLostLeaseThenANewHolderIsOneChangeWithTheOldWritersNewestPosition() {
        WriterChanges changes = new WriterChanges(WRITER, WAL);
        assertEquals(List.of(), changes.snapshot(List.of(writer("a", 4, 4), wal("a", 4, 100, 5)), true));
        assertEquals(List.of(), changes.events(List.of(put(wal("a", 4, 300, 6)), put(wal("a", 4, 200, 7)))));
        assertEquals(List.of(), changes.events(List.of(new KeyEvent(KeyEvent.Type.DELETE,
                new StoredEntry(WRITER, "", 0, 8, 0, 0)))));
        List<WriterChange> seen = changes.events(List.of(put(writer("b", 9, 9)), put(wal("b", 9, 50, 10))));
        assertEquals(1, seen.size());
        WriterChange c = seen.get(0);
        assertEquals("a (epoch 4) -> b (epoch 9)", c.describe());
        // The newest of a's positions by LSN (a rewrite with a smaller one does not move it back).
        assertEquals(300, c.lastPosition().orElseThrow().lsn());
        assertEquals(Optional.of("b (epoch 9)"), changes.current());
    }

    @Test
    void theSameLeasesKeyRewrittenIsNoChangeAndAHandoffWithoutDeleteIs() {
        WriterChanges changes = new WriterChanges(WRITER, WAL);
        changes.snapshot(List.of(writer("a", 4, 4)), true);
        assertEquals(List.of(), changes.events(List.of(put(writer("a", 4, 12)))));
        List<WriterChange> seen = changes.events(List.of(put(writer("c", 13, 13))));
        assertEquals(1, seen.size());
        assertTrue(seen.get(0).lastPosition().isEmpty(), "a published no position while watched");
    }

    @Test
    void aPositionOfAnotherClusterUnderTheOldEpochIsNotTheOldWriters() {
        WriterChanges changes = new WriterChanges(WRITER, WAL);
        changes.snapshot(List.of(writer("a", 4, 4)), true);
        changes.events(List.of(put(wal("x", 4, 900, 5))));
        assertTrue(changes.events(List.of(put(writer("b", 9, 9)))).get(0).lastPosition().isEmpty());
    }

    @Test
    void afterACompactionAWriterOfAnotherEpochIsAChangeAndTheStartIsNot() {
        WriterChanges changes = new WriterChanges(WRITER, WAL);
        changes.snapshot(List.of(writer("a", 4, 4), wal("a", 4, 100, 5)), true);
        assertEquals(List.of(), changes.snapshot(List.of(writer("a", 4, 20)), false));
        List<WriterChange> seen = changes.snapshot(List.of(writer("b", 30, 30), wal("b", 30, 10, 31)), false);
        assertEquals(1, seen.size());
        assertEquals(100, seen.get(0).lastPosition().orElseThrow().lsn());
        assertEquals(List.of(), new WriterChanges(WRITER, WAL).snapshot(List.of(writer("b", 30, 30)), true));
    }
}
