package io.fenceline.demo.workload;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Predicate;

/** Every write's outcome, appended by the writer threads. */
public final class WriteLog {

    private final ConcurrentLinkedQueue<Outcome> outcomes = new ConcurrentLinkedQueue<>();

    void add(Outcome outcome) {
        outcomes.add(outcome);
    }

    /** A copy of every outcome so far. */
    public List<Outcome> all() {
        return new ArrayList<>(outcomes);
    }

    /** Ids of the accepted writes. */
    public long[] acceptedIds() {
        return outcomes.stream().filter(o -> o instanceof Outcome.Accepted).mapToLong(Outcome::id).toArray();
    }

    /** Ids of the writes with an unknown outcome. */
    public long[] unknownIds() {
        return outcomes.stream().filter(o -> o instanceof Outcome.Unknown).mapToLong(Outcome::id).toArray();
    }

    public long count(Predicate<Outcome> which) {
        return outcomes.stream().filter(which).count();
    }

    /** Refusals by SQLSTATE. */
    public Map<String, Long> refusedBySqlState() {
        Map<String, Long> bySate = new TreeMap<>();
        for (Outcome o : outcomes) {
            if (o instanceof Outcome.Refused r) {
                bySate.merge(r.sqlState(), 1L, Long::sum);
            }
        }
        return bySate;
    }

    /** The last accepted write on {@code cluster} answered before {@code beforeMillis}. */
    public Optional<Outcome> lastAccepted(String cluster, long beforeMillis) {
        Outcome last = null;
        for (Outcome o : outcomes) {
            if (o instanceof Outcome.Accepted && o.cluster().equals(cluster) && o.atMillis() < beforeMillis
                    && (last == null || o.atMillis() > last.atMillis())) {
                last = o;
            }
        }
        return Optional.ofNullable(last);
    }

    /** The first outcome matching {@code which} answered at or after {@code fromMillis}. */
    public Optional<Outcome> first(Predicate<Outcome> which, long fromMillis) {
        Outcome first = null;
        for (Outcome o : outcomes) {
            if (o.atMillis() >= fromMillis && which.test(o) && (first == null || o.atMillis() < first.atMillis())) {
                first = o;
            }
        }
        return Optional.ofNullable(first);
    }
}
