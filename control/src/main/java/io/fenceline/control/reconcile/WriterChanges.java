package io.fenceline.control.reconcile;

import io.fenceline.config.coordination.KeyEvent;
import io.fenceline.config.coordination.StoredEntry;
import io.fenceline.config.records.Records;
import io.fenceline.config.records.WalPosition;
import io.fenceline.config.records.WriterRecord;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Turns what a watch of a group's writer key and WAL-position key sees, in revision order, into
 * {@link WriterChange}s. A change is a writer key whose create revision (the epoch) differs from the last one seen,
 * whether the old key was deleted first (a lost lease) or not. The previous writer's last published position is
 * the newest {@code wal} value under its epoch: the new writer can replace that key only after it holds the writer
 * key, so in revision order every position the old writer published comes before the change. Not thread-safe: fed
 * from the watch's one thread.
 */
public final class WriterChanges {

    private record Holder(String cluster, long epoch) {
    }

    private final String writerKey;
    private final String walKey;
    private Holder last;
    private final Map<Long, WalPosition> positions = new HashMap<>();

    public WriterChanges(String writerKey, String walKey) {
        this.writerKey = writerKey;
        this.walKey = walKey;
    }

    /**
     * The current state (the watch's start, or after a compaction lost events): the writer and position present.
     * At the start nothing is a change; after a compaction, a writer of another epoch than the last one seen is.
     */
    public List<WriterChange> snapshot(List<StoredEntry> entries, boolean initial) {
        List<WriterChange> changes = new ArrayList<>();
        StoredEntry writer = null;
        for (StoredEntry e : entries) {
            if (e.key().equals(walKey)) {
                position(e);
            } else if (e.key().equals(writerKey)) {
                writer = e;
            }
        }
        if (writer != null) {
            if (initial) {
                WriterRecord w = Records.fromJson(writer.key(), writer.value(), WriterRecord.class);
                last = new Holder(w.cluster(), writer.createRevision());
            } else {
                writer(writer).ifPresent(changes::add);
            }
        }
        return changes;
    }

    /** Changes of one or more revisions, oldest first. */
    public List<WriterChange> events(List<KeyEvent> events) {
        List<WriterChange> changes = new ArrayList<>();
        for (KeyEvent e : events) {
            if (e.type() != KeyEvent.Type.PUT) {
                // A deleted writer key (lease lost or released) is no change yet: the next holder's key is.
                continue;
            }
            if (e.key().equals(walKey)) {
                position(e.entry());
            } else if (e.key().equals(writerKey)) {
                writer(e.entry()).ifPresent(changes::add);
            }
        }
        return changes;
    }

    /** The writer last seen, as {@code cluster (epoch N)}, or empty before any. */
    public Optional<String> current() {
        return Optional.ofNullable(last).map(h -> h.cluster() + " (epoch " + h.epoch() + ")");
    }

    private Optional<WriterChange> writer(StoredEntry e) {
        WriterRecord w = Records.fromJson(e.key(), e.value(), WriterRecord.class);
        Holder now = new Holder(w.cluster(), e.createRevision());
        Holder before = last;
        last = now;
        if (before == null || before.epoch() == now.epoch()) {
            // The first writer seen, or the same lease's key rewritten (a refreshed value): no change of hands.
            return Optional.empty();
        }
        Optional<WalPosition> position = Optional.ofNullable(positions.get(before.epoch()))
                .filter(p -> p.cluster().equals(before.cluster()));
        positions.keySet().removeIf(epoch -> epoch < before.epoch());
        return Optional.of(new WriterChange(before.cluster(), before.epoch(), now.cluster(), now.epoch(), position));
    }

    private void position(StoredEntry e) {
        WalPosition p = Records.fromJson(e.key(), e.value(), WalPosition.class);
        positions.merge(p.epoch(), p, (old, fresh) -> fresh.lsn() >= old.lsn() ? fresh : old);
    }
}
