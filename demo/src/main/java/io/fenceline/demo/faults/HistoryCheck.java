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
 *   <li><b>Overlapping write intervals</b>: the commits of each cluster are assigned to the writer epoch it held
 *       (epochs as the harness's watch of the writer key saw them, only to segment the history). A commit on a
 *       cluster after another cluster's next epoch was seen created — etcd had let the first writer go — or two
 *       epochs of different clusters whose commit intervals intersect, count once per pair of epochs. A watch
 *       sees a creation after it happened, so a commit counted here happened after the next epoch began.</li>
 *   <li><b>Lost acknowledged writes</b>: ids the client saw acknowledged that the final writer does not have once
 *       replication settled.</li>
 *   <li><b>Applied twice</b>: an id found committed on two clusters (two origins).</li>
 *   <li>Also reported: refused writes found committed (a refusal must mean not written).</li>
 * </ul>
 */
final class HistoryCheck {

    /** How early (before the watch saw its epoch) a commit may still belong to a new epoch. */
    private static final Duration ASSIGN_SLACK = Duration.ofSeconds(1);

    record Commit(long id, String cluster, Instant at) {}

    /** A fault that isolated the writer: when, and which cluster was the writer then. */
    record Isolation(Fault fault, String writer, Instant at) {}

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
        Map<FaultRig.Epoch, List<Commit>> byEpoch = assign(commits, sorted);
        int overlaps = overlaps(sorted, byEpoch, problems);
        List<Long> fence = new ArrayList<>();
        List<Long> takeover = new ArrayList<>();
        for (Isolation i : isolations) {
            FaultRig.Epoch held = heldAt(sorted, i.writer(), i.at());
            if (held == null) {
                continue;
            }
            long last = byEpoch.getOrDefault(held, List.of()).stream().map(Commit::at).filter(t -> !t.isBefore(i.at()))
                    .mapToLong(t -> Duration.between(i.at(), t).toMillis()).max().orElse(0);
            fence.add(last);
            commits.stream().filter(c -> !c.cluster().equals(i.writer()) && c.at().isAfter(i.at()))
                    .map(c -> Duration.between(i.at(), c.at()).toMillis()).min(Long::compare).ifPresent(takeover::add);
        }
        int refused = (int) outcomes.values().stream().filter(o -> !o.acknowledged() && !o.unknown()).count();
        int unknown = (int) outcomes.values().stream().filter(Writers.Outcome::unknown).count();
        return new Verdict(overlaps, lost, twice, refusedCommitted, acked.size(), refused, unknown, sorted.size(),
                fence, takeover, problems, finalWriter);
    }

    /** The epoch {@code cluster} held at {@code at}: its latest one seen created by then. */
    private static FaultRig.Epoch heldAt(List<FaultRig.Epoch> sorted, String cluster, Instant at) {
        FaultRig.Epoch held = null;
        for (FaultRig.Epoch e : sorted) {
            if (e.cluster.equals(cluster) && !e.from.isAfter(at)) {
                held = e;
            }
        }
        return held;
    }

    private static Map<FaultRig.Epoch, List<Commit>> assign(List<Commit> commits, List<FaultRig.Epoch> sorted) {
        Map<FaultRig.Epoch, List<Commit>> byEpoch = new HashMap<>();
        for (Commit c : commits) {
            FaultRig.Epoch chosen = null;
            for (FaultRig.Epoch e : sorted) {
                if (e.cluster.equals(c.cluster()) && (chosen == null || !e.from.minus(ASSIGN_SLACK).isAfter(c.at()))) {
                    chosen = e;
                }
            }
            if (chosen != null) {
                byEpoch.computeIfAbsent(chosen, k -> new ArrayList<>()).add(c);
            }
        }
        return byEpoch;
    }

    private static int overlaps(List<FaultRig.Epoch> sorted, Map<FaultRig.Epoch, List<Commit>> byEpoch,
                                List<String> problems) {
        Set<String> pairs = new LinkedHashSet<>();
        for (int i = 0; i < sorted.size(); i++) {
            FaultRig.Epoch e = sorted.get(i);
            List<Commit> mine = byEpoch.getOrDefault(e, List.of());
            if (mine.isEmpty()) {
                continue;
            }
            Instant first = mine.stream().map(Commit::at).min(Instant::compareTo).orElseThrow();
            Instant last = mine.stream().map(Commit::at).max(Instant::compareTo).orElseThrow();
            for (int j = i + 1; j < sorted.size(); j++) {
                FaultRig.Epoch n = sorted.get(j);
                if (n.cluster.equals(e.cluster)) {
                    continue;
                }
                List<Commit> theirs = byEpoch.getOrDefault(n, List.of());
                boolean afterCreation = last.isAfter(n.from);
                boolean intersect = !theirs.isEmpty() && theirs.stream().anyMatch(c -> !c.at().isBefore(first)
                        && !c.at().isAfter(last));
                if (afterCreation || intersect) {
                    if (pairs.add(e + "/" + n)) {
                        problems.add("epoch " + e + " committed until " + last + ", epoch " + n + " seen created at "
                                + n.from + (intersect ? " and committing in between" : ""));
                    }
                }
            }
        }
        return pairs.size();
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
