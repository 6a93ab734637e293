package io.fenceline.demo.faults;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The verdict on one schedule, taken from the databases: every cluster's rows of the schedule with the cluster
 * each was committed on ({@code origin}, a column default evaluated where the row was inserted) and, on that
 * cluster, its commit timestamp ({@code pg_xact_commit_timestamp(xmin)}, {@code track_commit_timestamp = on}).
 *
 * <ul>
 *   <li><b>Overlapping write intervals</b>: see {@link #overlaps}: the commits in time order must form runs
 *       that map in order onto the writer epochs (etcd's revision order, from a watch of the writer key), and a
 *       cluster's run must end before the next cluster's epoch was created.</li>
 *   <li><b>Lost acknowledged writes</b>: ids the client saw acknowledged that the final writer does not have once
 *       replication settled.</li>
 *   <li><b>Applied twice</b>: an id found committed on two clusters (two origins).</li>
 *   <li>Also reported: refused writes found committed (a refusal must mean not written).</li>
 * </ul>
 */
final class HistoryCheck {

    record Commit(long id, String cluster, Instant at) {}

    /**
     * A fault that isolated the writer's proxy: when, which cluster was the writer then, and until when the
     * isolation held (the fault's end, or an earlier restart of that proxy).
     */
    static final class Isolation {
        final Fault fault;
        final String writer;
        final Instant at;
        volatile Instant until;

        Isolation(Fault fault, String writer, Instant at) {
            this.fault = fault;
            this.writer = writer;
            this.at = at;
            this.until = at.plusMillis(fault.durationMillis());
        }

        void endNoLaterThan(Instant end) {
            if (end.isBefore(until)) {
                until = end;
            }
        }
    }

    /** How late the harness's watch may see a writer epoch created (its delivery on a loaded machine). */
    static final Duration WATCH_LAG = Duration.ofMillis(500);

    record Verdict(int overlaps, int lost, int twice, int refusedButCommitted, int acknowledged, int refused,
                   int unknown, int epochs, List<Long> faultToFenceMillis, List<Long> faultToTakeoverMillis,
                   List<String> problems, String finalWriter) {}

    private HistoryCheck() {
    }

    static Verdict check(FaultRig rig, long schedule, Map<Long, Writers.Outcome> outcomes, List<FaultRig.Epoch> epochs,
                         List<Isolation> isolations, Duration settle) throws SQLException, InterruptedException {
        Set<Long> acked = new HashSet<>();
        outcomes.values().forEach(o -> {
            if (o.acknowledged()) {
                acked.add(o.id());
            }
        });
        String finalWriter = rig.writer().orElse(null);
        long end = System.nanoTime() + settle.toNanos();
        Map<String, Set<Long>> ids = idsByCluster(rig, schedule);
        // Replication of the last writes (and of earlier writers' rows, once their links healed) takes a moment.
        while (finalWriter != null && !ids.get(finalWriter).containsAll(acked) && System.nanoTime() < end) {
            Thread.sleep(250);
            ids = idsByCluster(rig, schedule);
        }
        List<String> problems = new ArrayList<>();
        int lost = 0;
        if (finalWriter == null) {
            problems.add("no writer after the schedule healed");
        } else {
            Set<Long> missing = new LinkedHashSet<>(acked);
            missing.removeAll(ids.get(finalWriter));
            lost = missing.size();
            if (lost > 0) {
                problems.add("acknowledged but missing on the final writer " + finalWriter + ": "
                        + missing.stream().limit(10).map(id -> id + " (" + outcomes.get(id).cluster() + ", "
                        + outcomes.get(id).kind() + ")").toList());
            }
        }
        List<Commit> commits = commits(rig, schedule);
        Map<Long, Set<String>> origins = new HashMap<>();
        commits.forEach(c -> origins.computeIfAbsent(c.id(), k -> new HashSet<>()).add(c.cluster()));
        int twice = (int) origins.values().stream().filter(s -> s.size() > 1).count();
        if (twice > 0) {
            problems.add(twice + " ids committed on two clusters");
        }
        int refusedCommitted = 0;
        for (Commit c : commits) {
            Writers.Outcome o = outcomes.get(c.id());
            if (o != null && !o.acknowledged() && !o.unknown()) {
                refusedCommitted++;
                if (refusedCommitted <= 5) {
                    problems.add("id " + c.id() + " refused with " + o.result() + " through " + o.cluster()
                            + " but committed on " + c.cluster() + " at " + c.at());
                }
            }
        }
        List<FaultRig.Epoch> sorted = new ArrayList<>(epochs);
        sorted.sort(Comparator.comparingLong(e -> e.epoch));
        List<Run> runs = runs(commits);
        int overlaps = overlaps(groups(sorted), runs, problems);
        if (overlaps > 0) {
            // What the verdict was drawn from, to tell a real overlap from a misreading of the epochs.
            problems.add("runs of commits " + runs.stream().map(r -> r.cluster() + " x" + r.commits() + " "
                    + r.first() + ".." + r.last()).toList() + "; epochs seen created " + sorted.stream()
                    .map(e -> e + " at " + e.from).toList());
        }
        List<Long> fence = new ArrayList<>();
        List<Long> takeover = new ArrayList<>();
        for (Isolation i : isolations) {
            Instant until = i.until;
            fence.add(commits.stream().filter(c -> c.cluster().equals(i.writer) && !c.at().isBefore(i.at)
                    && c.at().isBefore(until)).mapToLong(c -> Duration.between(i.at, c.at()).toMillis()).max()
                    .orElse(0));
            commits.stream().filter(c -> !c.cluster().equals(i.writer) && c.at().isAfter(i.at))
                    .map(c -> Duration.between(i.at, c.at()).toMillis()).min(Long::compare).ifPresent(takeover::add);
        }
        int refused = (int) outcomes.values().stream().filter(o -> !o.acknowledged() && !o.unknown()).count();
        int unknown = (int) outcomes.values().stream().filter(Writers.Outcome::unknown).count();
        return new Verdict(overlaps, lost, twice, refusedCommitted, acked.size(), refused, unknown, sorted.size(),
                fence, takeover, problems, finalWriter);
    }

    /** Consecutive epochs of one cluster, in revision order; {@code from} is when the first was seen created. */
    record Group(String cluster, Instant from, List<FaultRig.Epoch> epochs) {}

    /** A maximal stretch of commits of one cluster in commit-time order. */
    record Run(String cluster, Instant first, Instant last, int commits) {}

    static List<Group> groups(List<FaultRig.Epoch> sorted) {
        List<Group> groups = new ArrayList<>();
        for (FaultRig.Epoch e : sorted) {
            Group last = groups.isEmpty() ? null : groups.get(groups.size() - 1);
            if (last != null && last.cluster().equals(e.cluster)) {
                last.epochs().add(e);
            } else {
                groups.add(new Group(e.cluster, e.from, new ArrayList<>(List.of(e))));
            }
        }
        return groups;
    }

    static List<Run> runs(List<Commit> commits) {
        List<Commit> byTime = new ArrayList<>(commits);
        byTime.sort(Comparator.comparing(Commit::at));
        List<Run> runs = new ArrayList<>();
        for (Commit c : byTime) {
            Run last = runs.isEmpty() ? null : runs.get(runs.size() - 1);
            if (last != null && last.cluster().equals(c.cluster())) {
                runs.set(runs.size() - 1, new Run(last.cluster(), last.first(), c.at(), last.commits() + 1));
            } else {
                runs.add(new Run(c.cluster(), c.at(), c.at(), 1));
            }
        }
        return runs;
    }

    /**
     * Overlaps, from the databases' commit order and etcd's order of epochs (not from when the harness saw them):
     * the runs of commits, in time order, must map in order onto the writer epochs' clusters in revision order —
     * a run that finds no epoch of its cluster left interleaves with another cluster's writes. And a run must
     * end before the epoch that follows its own was seen created; the watch sees a creation late, never early,
     * so this never counts a commit that preceded it.
     *
     * <p>A run may go on into a later epoch of its cluster when the epochs of other clusters between them had no
     * commit (a writer for a moment, whose clients were still reconnecting): {@code a#4, c#89, a#156} with a
     * committing throughout and c never is one run of a, in a#4 and then a#156. It is taken to reach a later
     * epoch of its cluster only if its last commit came after that epoch was seen created, less {@link #WATCH_LAG}
     * (a commit cannot precede its epoch's creation, which precedes its sighting by the watch's delay), and only
     * while an epoch of the next run's cluster is left after it. Its end is then checked against the epoch after
     * the last one it reached. What such a run wrote between a#4's end and a#156's start cannot be told from
     * a#156's own writes with these rows (they carry the cluster, not the epoch); the other cluster accepted
     * nothing in between.
     */
    static int overlaps(List<Group> groups, List<Run> runs, List<String> problems) {
        int overlaps = 0;
        int at = -1;
        for (int i = 0; i < runs.size(); i++) {
            Run r = runs.get(i);
            int j = next(groups, at + 1, r.cluster());
            if (j == groups.size()) {
                overlaps++;
                problems.add(r.commits() + " commits on " + r.cluster() + " from " + r.first() + " to " + r.last()
                        + " after other clusters' writes, with no later writer epoch of " + r.cluster());
                continue;
            }
            int bound = i + 1 < runs.size() ? last(groups, runs.get(i + 1).cluster()) : groups.size();
            int k = j;
            for (int m = j + 1; m < bound; m++) {
                if (groups.get(m).cluster().equals(r.cluster())
                        && !r.last().isBefore(groups.get(m).from().minus(WATCH_LAG))) {
                    k = m;
                }
            }
            if (k + 1 < groups.size() && r.last().isAfter(groups.get(k + 1).from())) {
                overlaps++;
                problems.add(r.cluster() + " committed until " + r.last() + ", after epoch "
                        + groups.get(k + 1).epochs().get(0) + " was seen created at " + groups.get(k + 1).from());
            }
            at = k;
        }
        return overlaps;
    }

    /** The last group of {@code cluster}; 0 if none (then the run of that cluster finds none either). */
    private static int last(List<Group> groups, String cluster) {
        for (int m = groups.size() - 1; m >= 0; m--) {
            if (groups.get(m).cluster().equals(cluster)) {
                return m;
            }
        }
        return 0;
    }

    /** The first group of {@code cluster} at or after {@code from}; {@code groups.size()} if none. */
    private static int next(List<Group> groups, int from, String cluster) {
        int j = from;
        while (j < groups.size() && !groups.get(j).cluster().equals(cluster)) {
            j++;
        }
        return j;
    }

    private static Map<String, Set<Long>> idsByCluster(FaultRig rig, long schedule) throws SQLException {
        Map<String, Set<Long>> ids = new HashMap<>();
        for (String cluster : FaultRig.CLUSTERS) {
            Set<Long> s = new HashSet<>();
            try (Connection c = rig.connectDirect(cluster);
                 PreparedStatement q = c.prepareStatement("SELECT id FROM w WHERE schedule = ?")) {
                q.setLong(1, schedule);
                try (ResultSet rs = q.executeQuery()) {
                    while (rs.next()) {
                        s.add(rs.getLong(1));
                    }
                }
            }
            ids.put(cluster, s);
        }
        return ids;
    }

    /** Every row committed on each cluster (origin = that cluster), with its commit timestamp there. */
    private static List<Commit> commits(FaultRig rig, long schedule) throws SQLException {
        List<Commit> commits = new ArrayList<>();
        for (String cluster : FaultRig.CLUSTERS) {
            try (Connection c = rig.connectDirect(cluster); PreparedStatement q = c.prepareStatement(
                    "SELECT id, pg_xact_commit_timestamp(xmin) FROM w WHERE schedule = ? AND origin = ?")) {
                q.setLong(1, schedule);
                q.setString(2, cluster);
                try (ResultSet rs = q.executeQuery()) {
                    while (rs.next()) {
                        commits.add(new Commit(rs.getLong(1), cluster, rs.getTimestamp(2).toInstant()));
                    }
                }
            }
        }
        return commits;
    }
}
