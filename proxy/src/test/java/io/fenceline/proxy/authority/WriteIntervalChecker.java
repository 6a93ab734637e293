package io.fenceline.proxy.authority;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Records, per cluster, the monotonic intervals during which its {@link WriteGate} was open (from the
 * gate's own transition listener), and asserts that no two clusters' intervals overlap. An interval ends at
 * the gate's transition out of Open, which is at or after the instant the gate stopped allowing (an open
 * gate already denies at the lease deadline), so the check is conservative.
 *
 * <p>{@link #firstOverlap(List)} is the same check over any intervals, e.g. those of acknowledged writes
 * seen by clients through two proxies ({@code io.fenceline.proxy.group.WriteHistory}).
 */
public final class WriteIntervalChecker {

    /**
     * One stretch of time a cluster accepted writes; {@code to} is {@link Long#MAX_VALUE} while still open.
     * {@code what} says where it comes from (a gate, a write id) for the failure message.
     */
    public record Interval(String cluster, long from, long to, String what) {

        public Interval(String cluster, long from, long to) {
            this(cluster, from, to, "gate");
        }

        /** Whether the two half-open intervals {@code [from, to)} share an instant. */
        public boolean overlaps(Interval other) {
            return from < other.to && other.from < to;
        }
    }

    private final Map<String, Long> openSince = new HashMap<>();
    private final List<Interval> closed = new ArrayList<>();

    /** A listener to add to {@code cluster}'s gate. */
    public WriteGate.Listener listener(String cluster) {
        return (from, to, at) -> {
            synchronized (this) {
                if (to.open() && !from.open()) {
                    openSince.put(cluster, at);
                } else if (from.open() && !to.open()) {
                    Long since = openSince.remove(cluster);
                    if (since != null) {
                        closed.add(new Interval(cluster, since, at));
                    }
                }
            }
        };
    }

    /** Every interval so far, still-open ones ending at {@link Long#MAX_VALUE}. */
    public synchronized List<Interval> intervals() {
        List<Interval> all = new ArrayList<>(closed);
        openSince.forEach((cluster, since) -> all.add(new Interval(cluster, since, Long.MAX_VALUE)));
        return all;
    }

    /** Intervals of one cluster, in order. */
    public synchronized List<Interval> intervals(String cluster) {
        return intervals().stream().filter(i -> i.cluster().equals(cluster))
                .sorted(Comparator.comparingLong(Interval::from)).toList();
    }

    /** Fails naming both intervals if two clusters' open intervals overlap. */
    public synchronized void assertNoOverlap() {
        firstOverlap(intervals()).ifPresent(pair -> {
            throw new AssertionError("two clusters accepted writes at once: " + pair.get(0) + " and " + pair.get(1));
        });
    }

    /**
     * The first pair (earlier start first) of intervals of different clusters that overlap, if any. A sweep
     * in start order that remembers, per cluster, the interval reaching furthest: an interval overlaps an
     * earlier-starting one of another cluster exactly when it overlaps that cluster's furthest-reaching one.
     * O(n log n + n·clusters), so it serves thousands of acknowledged writes.
     */
    public static Optional<List<Interval>> firstOverlap(List<Interval> intervals) {
        List<Interval> sorted = new ArrayList<>(intervals);
        sorted.sort(Comparator.comparingLong(Interval::from).thenComparingLong(Interval::to));
        Map<String, Interval> furthest = new HashMap<>();
        for (Interval x : sorted) {
            for (Map.Entry<String, Interval> e : furthest.entrySet()) {
                if (!e.getKey().equals(x.cluster()) && e.getValue().overlaps(x)) {
                    return Optional.of(List.of(e.getValue(), x));
                }
            }
            furthest.merge(x.cluster(), x, (old, now) -> now.to() > old.to() ? now : old);
        }
        return Optional.empty();
    }
}
