package io.fenceline.control.verify;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The chunk and bisect logic on in-memory tables with numeric keys (each range query counted). */
class BisectTest {

    /** A table as a sorted map from key to row value; hashes are the values themselves. */
    static final class MemorySide implements TableSide {
        final TreeMap<Long, String> rows = new TreeMap<>();
        int digests;
        int listings;
        long largestListing;

        MemorySide fill(long from, long to) {
            for (long k = from; k <= to; k++) {
                rows.put(k, "row " + k);
            }
            return this;
        }

        MemorySide copy() {
            MemorySide s = new MemorySide();
            s.rows.putAll(rows);
            return s;
        }

        private NavigableMap<Long, String> in(KeyRange r) {
            NavigableMap<Long, String> m = rows;
            if (r.after() != null) {
                m = m.tailMap(Long.parseLong(r.after().values().get(0)), false);
            }
            if (r.upTo() != null) {
                m = m.headMap(Long.parseLong(r.upTo().values().get(0)), true);
            }
            return m;
        }

        @Override
        public Digest digest(KeyRange range) {
            digests++;
            NavigableMap<Long, String> m = in(range);
            return new Digest(m.size(), Integer.toHexString(String.join("|", m.values()).hashCode())
                    + ":" + m.keySet().hashCode());
        }

        @Override
        public Optional<Key> keyAt(KeyRange range, long offset) {
            return in(range).keySet().stream().skip(offset).findFirst().map(k -> Key.of(Long.toString(k)));
        }

        @Override
        public List<RowDigest> rows(KeyRange range) {
            listings++;
            List<RowDigest> list = new ArrayList<>();
            in(range).forEach((k, v) -> list.add(new RowDigest(Key.of(Long.toString(k)), v)));
            largestListing = Math.max(largestListing, list.size());
            return list;
        }
    }

    private static final Bisect.Settings SETTINGS = new Bisect.Settings(1000, 16, 10_000);

    private static Set<String> found(Bisect.PairResult pair) {
        Set<String> s = new HashSet<>();
        pair.differences().forEach(d -> s.add(d.kind().text() + " " + d.key()));
        return s;
    }

    @Test
    void identicalTablesCostOneDigestPerChunkPerSideAndNoListing() {
        MemorySide writer = new MemorySide().fill(1, 10_000);
        MemorySide other = writer.copy();
        int[] settles = {0};
        Bisect.Result r = Bisect.compare(writer, List.of(other), SETTINGS, () -> settles[0]++);
        assertTrue(r.pairs().get(0).differences().isEmpty());
        assertEquals(10_000, r.rows());
        assertEquals(10_000, r.pairs().get(0).rows());
        // 10 full chunks and the open-ended one after the last key.
        assertEquals(11, r.chunks());
        assertEquals(11, writer.digests);
        assertEquals(11, other.digests);
        assertEquals(0, other.listings);
        assertEquals(0, settles[0]);
    }

    @Test
    void chunksCoverEveryKeyOnceAndHoldAtMostChunkRows() {
        MemorySide writer = new MemorySide().fill(1, 2_500);
        List<KeyRange> chunks = new ArrayList<>();
        Key after = null;
        while (true) {
            KeyRange c = Bisect.nextChunk(writer, after, 1000);
            chunks.add(c);
            if (c.upTo() == null) {
                break;
            }
            after = c.upTo();
        }
        assertEquals(3, chunks.size());
        assertNull(chunks.get(0).after());
        assertEquals(Key.of("1000"), chunks.get(0).upTo());
        assertEquals(Key.of("1000"), chunks.get(1).after());
        assertEquals(Key.of("2000"), chunks.get(1).upTo());
        assertNull(chunks.get(2).upTo());
        assertEquals(500, writer.in(chunks.get(2)).size());
    }

    @Test
    void findsExactlyThePlantedRowsWithBoundedWork() {
        MemorySide writer = new MemorySide().fill(1, 100_000);
        MemorySide other = writer.copy();
        other.rows.remove(17L);                 // missing on other
        other.rows.put(50_000L, "changed");     // different
        other.rows.put(250_000L, "extra");      // extra, beyond the writer's last key
        other.rows.put(0L, "before");           // extra, before the writer's first key
        writer.rows.remove(77_777L);            // extra on other (the writer lost it)
        Bisect.Result r = Bisect.compare(writer, List.of(other), SETTINGS, () -> { });
        assertEquals(Set.of("missing 17", "different 50000", "extra 250000", "extra 0", "extra 77777"),
                found(r.pairs().get(0)));
        assertFalse(r.pairs().get(0).truncated());
        // Each differing chunk of 1000 rows is halved down to 16 rows: about 2 * log2(1000 / 16) digests per side
        // and per difference, and no listing larger than a leaf.
        assertTrue(other.largestListing <= 16, "largest listing " + other.largestListing);
        assertTrue(other.digests < 101 + 4 * (2 + 2 * 7), "digests on the other side: " + other.digests);
    }

    @Test
    void aDifferenceThatReplicationSettlesIsNotBisected() {
        MemorySide writer = new MemorySide().fill(1, 5_000);
        MemorySide lagging = writer.copy();
        lagging.rows.remove(4_321L);            // not yet replayed
        int[] settles = {0};
        Bisect.Result r = Bisect.compare(writer, List.of(lagging), SETTINGS, () -> {
            settles[0]++;
            lagging.rows.put(4_321L, writer.rows.get(4_321L));
        });
        assertTrue(r.pairs().get(0).differences().isEmpty());
        assertEquals(1, settles[0]);
        assertEquals(0, lagging.listings);
    }

    @Test
    void severalClustersAreComparedWithTheWriterEachOnItsOwn() {
        MemorySide writer = new MemorySide().fill(1, 3_000);
        MemorySide us = writer.copy();
        MemorySide ap = writer.copy();
        us.rows.put(2_000L, "changed on us");
        ap.rows.remove(2_999L);
        Bisect.Result r = Bisect.compare(writer, List.of(us, ap), SETTINGS, () -> { });
        assertEquals(Set.of("different 2000"), found(r.pairs().get(0)));
        assertEquals(Set.of("missing 2999"), found(r.pairs().get(1)));
    }

    @Test
    void emptyAndOneSidedTables() {
        MemorySide empty = new MemorySide();
        MemorySide full = new MemorySide().fill(1, 40);
        assertTrue(Bisect.compare(empty, List.of(new MemorySide()), SETTINGS, () -> { }).pairs().get(0)
                .differences().isEmpty());
        assertEquals(40, Bisect.compare(empty, List.of(full), SETTINGS, () -> { }).pairs().get(0)
                .differences().stream().filter(d -> d.kind() == Difference.Kind.EXTRA).count());
        assertEquals(40, Bisect.compare(full, List.of(empty), SETTINGS, () -> { }).pairs().get(0)
                .differences().stream().filter(d -> d.kind() == Difference.Kind.MISSING).count());
    }

    @Test
    void candidatesStopAtTheBoundAndSaySo() {
        MemorySide writer = new MemorySide().fill(1, 5_000);
        MemorySide wiped = new MemorySide();
        Bisect.Result r = Bisect.compare(writer, List.of(wiped), new Bisect.Settings(1000, 16, 100), () -> { });
        assertEquals(100, r.pairs().get(0).differences().size());
        assertTrue(r.pairs().get(0).truncated());
    }

    @Test
    void rowByRowComparisonNamesEachKind() {
        Bisect.Collector out = new Bisect.Collector(10);
        Bisect.compareRows(List.of(new RowDigest(Key.of("1"), "a"), new RowDigest(Key.of("2"), "b"),
                        new RowDigest(Key.of("3"), "c")),
                List.of(new RowDigest(Key.of("2"), "B"), new RowDigest(Key.of("3"), "c"), new RowDigest(Key.of("4"), "d")),
                out);
        assertEquals(List.of(new Difference(Key.of("1"), Difference.Kind.MISSING),
                new Difference(Key.of("2"), Difference.Kind.DIFFERENT),
                new Difference(Key.of("4"), Difference.Kind.EXTRA)), out.found);
    }
}
