package io.fenceline.proxy.authority;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Records, per cluster, the monotonic intervals during which its {@link WriteGate} was open (from the
 * gate's own transition listener), and asserts that no two clusters' intervals overlap. An interval ends at
 * the gate's transition out of Open, which is at or after the instant the gate stopped allowing (an open
 * gate already denies at the lease deadline), so the check is conservative.
 */
public final class WriteIntervalChecker {

    /** One stretch of time a cluster's gate was open; {@code to} is {@link Long#MAX_VALUE} while still open. */
    public record Interval(String cluster, long from, long to) {

        boolean overlaps(Interval other) {
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
                .sorted(java.util.Comparator.comparingLong(Interval::from)).toList();
    }

    /** Fails naming both intervals if two clusters' open intervals overlap. */
    public synchronized void assertNoOverlap() {
        List<Interval> all = intervals();
        for (int i = 0; i < all.size(); i++) {
            for (int j = i + 1; j < all.size(); j++) {
                Interval a = all.get(i);
                Interval b = all.get(j);
                if (!a.cluster().equals(b.cluster()) && a.overlaps(b)) {
                    throw new AssertionError("two clusters accepted writes at once: " + a + " and " + b);
                }
            }
        }
    }
}
