package io.fenceline.proxy.group;

import io.fenceline.proxy.authority.WriteIntervalChecker;
import io.fenceline.proxy.authority.WriteIntervalChecker.Interval;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * Every write clients sent through the proxies of one group, with monotonic times ({@link System#nanoTime()},
 * one clock for every process of the machine), and the checks over it:
 *
 * <ul>
 *   <li>{@link #assertNoOverlap()}: no two clusters accepted writes in overlapping intervals. A write was
 *       accepted somewhere in {@code [sent, acknowledged]}; when the database's commit timestamp of the row
 *       is known ({@link #commitTimes}), the interval is narrowed to {@code commit ± tolerance}, so a write
 *       whose acknowledgement was delayed (a stopped proxy relaying it late) does not spread over the
 *       next writer's tenure. A write that was not acknowledged but whose row exists counts too.</li>
 *   <li>{@link #provableSwitches()}: the number of times the writing cluster provably changed: the longest
 *       chain of accepted writes, each over before the next began, that changes cluster at every step. Two
 *       clusters that write at once while both are loaded produce chains longer than the number of real
 *       handovers; scheduling delays only widen intervals, so they can shorten a chain but never lengthen it.</li>
 *   <li>{@link #assertNoLostWrite}: every acknowledged id is present where it must be.</li>
 * </ul>
 */
public final class WriteHistory {

    /**
     * One write.
     *
     * @param id        the unique id inserted
     * @param client    the client that sent it
     * @param cluster   the cluster whose proxy it was sent to
     * @param sentNanos monotonic time just before sending
     * @param endNanos  monotonic time the answer (or the failure) arrived
     * @param sqlState  null when acknowledged, else the SQLSTATE of the failure ("08006" when the connection broke)
     */
    public record Write(long id, String client, String cluster, long sentNanos, long endNanos, String sqlState) {

        public boolean acked() {
            return sqlState == null;
        }

        @Override
        public String toString() {
            return "write " + id + " by " + client + " to " + cluster + " sent@" + sentNanos / 1_000_000 + "ms "
                    + (acked() ? "acked" : sqlState) + "@" + endNanos / 1_000_000 + "ms";
        }
    }

    private final ConcurrentLinkedQueue<Write> writes = new ConcurrentLinkedQueue<>();
    /** Commit instants (monotonic, mapped from the database's commit timestamps) by id. */
    private final Map<Long, Long> commits = new ConcurrentHashMap<>();
    /** Clusters on which a row with that id was found (with {@link #commitTimes}). */
    private final Map<Long, String> foundOn = new ConcurrentHashMap<>();
    private volatile long toleranceNanos = 5_000_000;

    /** Records an acknowledged write. */
    public void acked(long id, String client, String cluster, long sentNanos, long endNanos) {
        writes.add(new Write(id, client, cluster, sentNanos, endNanos, null));
    }

    /** Records a failed write with its SQLSTATE. */
    public void failed(long id, String client, String cluster, long sentNanos, long endNanos, String sqlState) {
        writes.add(new Write(id, client, cluster, sentNanos, endNanos, sqlState == null ? "?????" : sqlState));
    }

    /** Every write so far, in the order they ended. */
    public List<Write> writes() {
        return List.copyOf(writes);
    }

    /** Acknowledged writes. */
    public List<Write> acked() {
        return writes.stream().filter(Write::acked).toList();
    }

    /** Acknowledged writes sent to {@code cluster}. */
    public List<Write> acked(String cluster) {
        return writes.stream().filter(w -> w.acked() && w.cluster().equals(cluster)).toList();
    }

    /** Writes that failed, by SQLSTATE. */
    public Map<String, Long> failuresBySqlState(Predicate<Write> which) {
        return writes.stream().filter(w -> !w.acked() && which.test(w))
                .collect(Collectors.groupingBy(Write::sqlState, TreeMap::new, Collectors.counting()));
    }

    /**
     * Adds the commit instants of rows found on {@code cluster} (monotonic nanos by id; from the
     * database's commit timestamps through a {@link ClockMapping}), with the mapping's tolerance.
     */
    public void commitTimes(String cluster, Map<Long, Long> commitNanosById, long tolerance) {
        commits.putAll(commitNanosById);
        commitNanosById.keySet().forEach(id -> foundOn.put(id, cluster));
        toleranceNanos = Math.max(toleranceNanos, tolerance);
    }

    /**
     * The interval in which each accepted write took effect: acknowledged writes, and unacknowledged ones
     * whose row was found. Throws if a commit time lies outside its client's window by more than the
     * tolerance (the clock mapping would be wrong, and every conclusion with it).
     */
    public List<Interval> acceptedIntervals() {
        List<Interval> out = new ArrayList<>();
        for (Write w : writes) {
            Long commit = commits.get(w.id());
            if (!w.acked() && commit == null) {
                continue;
            }
            long from = w.sentNanos();
            long to = w.acked() ? w.endNanos() : Long.MAX_VALUE;
            if (commit != null) {
                if (commit < from - toleranceNanos || commit > to + toleranceNanos) {
                    throw new AssertionError("the commit time of " + w + " (" + commit / 1_000_000
                            + "ms) is outside its client's window by more than " + toleranceNanos / 1_000_000
                            + "ms: the commit-time mapping is wrong");
                }
                from = Math.max(from, commit - toleranceNanos);
                to = Math.min(to, commit + toleranceNanos);
            }
            out.add(new Interval(w.cluster(), from, to, w.toString()));
        }
        return out;
    }

    /** Fails naming both writes if two clusters accepted writes in overlapping intervals. */
    public void assertNoOverlap() {
        WriteIntervalChecker.firstOverlap(acceptedIntervals()).ifPresent(pair -> {
            throw new AssertionError("two clusters accepted writes at once: " + pair.get(0).what() + " during ["
                    + pair.get(0).from() / 1_000_000 + ", " + pair.get(0).to() / 1_000_000 + "] ms and "
                    + pair.get(1).what() + " during [" + pair.get(1).from() / 1_000_000 + ", "
                    + pair.get(1).to() / 1_000_000 + "] ms");
        });
    }

    /**
     * A lower bound on how often the writing cluster changed: a chain of accepted writes, each interval
     * ending before the next begins and each of another cluster than the one before, built greedily by
     * earliest end (optimal for two clusters; for more, still a valid chain, so still a lower bound).
     */
    public int provableSwitches() {
        return Math.max(0, switchChain().size() - 1);
    }

    /** The chain behind {@link #provableSwitches()}, for failure messages. */
    public List<Interval> switchChain() {
        List<Interval> sorted = new ArrayList<>(acceptedIntervals());
        sorted.sort(Comparator.comparingLong(Interval::to));
        List<Interval> chain = new ArrayList<>();
        for (Interval x : sorted) {
            Interval last = chain.isEmpty() ? null : chain.get(chain.size() - 1);
            if (last == null || (!x.cluster().equals(last.cluster()) && x.from() > last.to())) {
                chain.add(x);
            }
        }
        return chain;
    }

    /** Fails if the writes prove more changes of the writing cluster than {@code allowed}. */
    public void assertAtMostSwitches(int allowed) {
        List<Interval> chain = switchChain();
        if (chain.size() - 1 > allowed) {
            throw new AssertionError("the writes prove " + (chain.size() - 1) + " changes of the writing cluster, "
                    + "at most " + allowed + " happened: " + chain.stream().map(Interval::what).toList());
        }
    }

    /**
     * Fails listing the missing ids if an acknowledged write chosen by {@code which} is not in
     * {@code present} (the ids found on {@code where}).
     */
    public void assertNoLostWrite(Predicate<Write> which, Collection<Long> present, String where) {
        Set<Long> found = present instanceof Set<Long> s ? s : Set.copyOf(present);
        List<Write> lost = acked().stream().filter(which).filter(w -> !found.contains(w.id())).toList();
        if (!lost.isEmpty()) {
            throw new AssertionError(lost.size() + " acknowledged writes are missing on " + where + ", e.g. "
                    + lost.subList(0, Math.min(10, lost.size())));
        }
    }

    /** Every acknowledged write's id, by the cluster it was sent to. */
    public Map<String, List<Long>> ackedIdsByCluster() {
        Map<String, List<Long>> out = new HashMap<>();
        for (Write w : acked()) {
            out.computeIfAbsent(w.cluster(), k -> new ArrayList<>()).add(w.id());
        }
        return out;
    }

    /** The last acknowledged write to {@code cluster} (by acknowledgement time), if any. */
    public Optional<Write> lastAcked(String cluster) {
        return acked(cluster).stream().max(Comparator.comparingLong(Write::endNanos));
    }

    /** The first acknowledged write to {@code cluster} (by send time), if any. */
    public Optional<Write> firstAcked(String cluster) {
        return acked(cluster).stream().min(Comparator.comparingLong(Write::sentNanos));
    }

    /** The commit instant found for {@code id}, if its row was found. */
    public Optional<Long> commitOf(long id) {
        return Optional.ofNullable(commits.get(id));
    }

    /** A one-line summary for the test output. */
    public String summary() {
        Map<String, Long> acked = writes.stream().filter(Write::acked)
                .collect(Collectors.groupingBy(Write::cluster, TreeMap::new, Collectors.counting()));
        return "writes acknowledged " + acked + ", failed " + failuresBySqlState(w -> true)
                + ", provable writer changes " + provableSwitches();
    }
}
