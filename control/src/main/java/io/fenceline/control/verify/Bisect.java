package io.fenceline.control.verify;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The range logic of {@code verify}, independent of SQL: the reference cluster's keys cut the table into chunks
 * of {@code chunkRows} rows; each chunk is hashed on every cluster; a chunk whose hash differs is hashed again
 * after {@link Settle#await} (replication catching up), and if it still differs it is split at the median key
 * of the side holding more rows, both halves hashed on both sides, and so on down to ranges of at most
 * {@code leafRows} rows per side, whose rows are listed and compared one by one. One chunk is in flight at a
 * time, so memory is bounded by a chunk's hashes and a leaf's rows whatever the table's size.
 *
 * <p>What this finds are <em>candidates</em>: rows written while the scan ran show up too. {@link Confirmation}
 * decides which of them are divergence.
 */
public final class Bisect {

    /**
     * @param chunkRows      rows of the reference per chunk (> 0)
     * @param leafRows       a range with at most this many rows on each side is compared row by row (> 0)
     * @param maxDifferences stop collecting a pair's candidates past this many (the result says truncated)
     */
    public record Settings(long chunkRows, long leafRows, int maxDifferences) {
        public Settings {
            if (chunkRows < 1 || leafRows < 1 || maxDifferences < 1) {
                throw new IllegalArgumentException("chunkRows, leafRows and maxDifferences must be > 0: " + chunkRows
                        + ", " + leafRows + ", " + maxDifferences);
            }
        }
    }

    /** Called before a differing chunk is hashed again: waits until the other clusters replayed what was read. */
    @FunctionalInterface
    public interface Settle {
        void await();
    }

    /**
     * One other cluster's candidates against the reference.
     *
     * @param differences candidate rows, in the order found
     * @param truncated   more than {@code maxDifferences} candidates: the rest were not collected
     * @param rows        rows counted on that cluster (the sum of its chunk counts)
     */
    public record PairResult(List<Difference> differences, boolean truncated, long rows) {
    }

    /**
     * @param pairs      per other cluster, in the order given
     * @param rows       rows counted on the reference
     * @param chunks     chunks hashed
     * @param digests    range hashes computed on all sides together (the cost beyond one pass)
     */
    public record Result(List<PairResult> pairs, long rows, long chunks, long digests) {
    }

    private Bisect() {
    }

    /**
     * The chunk after {@code after}: up to and including the reference's {@code chunkRows}-th key after it, or
     * open-ended when fewer rows remain (the last chunk also holds any rows the others have beyond the
     * reference's last key).
     */
    public static KeyRange nextChunk(TableSide reference, Key after, long chunkRows) {
        Optional<Key> end = reference.keyAt(new KeyRange(after, null), chunkRows - 1);
        return new KeyRange(after, end.orElse(null));
    }

    /** Compares {@code others} with {@code reference}, chunk by chunk, and bisects every chunk that differs. */
    public static Result compare(TableSide reference, List<TableSide> others, Settings settings, Settle settle) {
        List<Collector> collectors = new ArrayList<>();
        others.forEach(o -> collectors.add(new Collector(settings.maxDifferences())));
        long[] counters = {0, 0, 0}; // reference rows, chunks, digests
        Key after = null;
        while (true) {
            KeyRange chunk = nextChunk(reference, after, settings.chunkRows());
            Digest ref = reference.digest(chunk);
            counters[1]++;
            counters[2]++;
            boolean settled = false;
            for (int i = 0; i < others.size(); i++) {
                TableSide other = others.get(i);
                Digest theirs = other.digest(chunk);
                counters[2]++;
                if (!ref.equals(theirs)) {
                    if (!settled) {
                        settle.await();
                        settled = true;
                        ref = reference.digest(chunk);
                        counters[2]++;
                    }
                    theirs = other.digest(chunk);
                    counters[2]++;
                    if (!ref.equals(theirs)) {
                        counters[2] += narrow(reference, other, chunk, ref, theirs, settings.leafRows(),
                                collectors.get(i));
                    }
                }
                collectors.get(i).rows += theirs.rows();
            }
            counters[0] += ref.rows();
            if (chunk.upTo() == null) {
                break;
            }
            after = chunk.upTo();
        }
        List<PairResult> pairs = new ArrayList<>();
        collectors.forEach(c -> pairs.add(new PairResult(List.copyOf(c.found), c.truncated, c.rows)));
        return new Result(pairs, counters[0], counters[1], counters[2]);
    }

    /**
     * Narrows {@code range}, whose digests differ, down to the rows that differ; returns how many range digests
     * it computed.
     */
    static long narrow(TableSide reference, TableSide other, KeyRange range, Digest ref, Digest theirs, long leafRows,
                       Collector out) {
        if (out.full()) {
            out.truncated = true;
            return 0;
        }
        if (ref.rows() <= leafRows && theirs.rows() <= leafRows) {
            compareRows(reference.rows(range), other.rows(range), out);
            return 0;
        }
        boolean referenceLarger = ref.rows() >= theirs.rows();
        long larger = Math.max(ref.rows(), theirs.rows());
        Optional<Key> mid = (referenceLarger ? reference : other).keyAt(range, larger / 2 - 1);
        if (mid.isEmpty() || mid.get().equals(range.upTo())) {
            // The rows moved since they were counted (a concurrent delete): compare what is there now.
            compareRows(reference.rows(range), other.rows(range), out);
            return 0;
        }
        long digests = 0;
        for (KeyRange half : List.of(new KeyRange(range.after(), mid.get()), new KeyRange(mid.get(), range.upTo()))) {
            Digest r = reference.digest(half);
            Digest t = other.digest(half);
            digests += 2;
            if (!r.equals(t)) {
                digests += narrow(reference, other, half, r, t, leafRows, out);
            }
        }
        return digests;
    }

    /** Row-by-row comparison of one small range. */
    static void compareRows(List<RowDigest> reference, List<RowDigest> other, Collector out) {
        Map<Key, String> theirs = new LinkedHashMap<>();
        other.forEach(r -> theirs.put(r.key(), r.hash()));
        for (RowDigest r : reference) {
            String hash = theirs.remove(r.key());
            if (hash == null) {
                out.add(new Difference(r.key(), Difference.Kind.MISSING));
            } else if (!hash.equals(r.hash())) {
                out.add(new Difference(r.key(), Difference.Kind.DIFFERENT));
            }
        }
        theirs.keySet().forEach(k -> out.add(new Difference(k, Difference.Kind.EXTRA)));
    }

    /** A pair's candidates, bounded. */
    static final class Collector {
        final List<Difference> found = new ArrayList<>();
        final int max;
        boolean truncated;
        long rows;

        Collector(int max) {
            this.max = max;
        }

        boolean full() {
            return found.size() >= max;
        }

        void add(Difference d) {
            if (full()) {
                truncated = true;
            } else {
                found.add(d);
            }
        }
    }
}
