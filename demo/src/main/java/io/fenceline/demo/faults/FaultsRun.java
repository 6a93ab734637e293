package io.fenceline.demo.faults;

import io.fenceline.testing.FaultLink;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Runs schedules on one {@link FaultRig}: for each, writers through every proxy, the schedule's faults at their
 * instants (each undone after its duration), then everything healed, the history checked ({@link HistoryCheck})
 * and one line printed. The last line sums up: {@code schedules: N, overlapping write intervals: X, lost
 * acknowledged writes: Y}.
 */
final class FaultsRun {

    /** The sum over schedules. */
    record Totals(int schedules, int overlaps, int lost, int twice, int refusedButCommitted, List<Long> fence,
                  List<Long> takeover, List<Long> failedSeeds) {
        String last() {
            return "schedules: " + schedules + ", overlapping write intervals: " + overlaps
                    + ", lost acknowledged writes: " + lost;
        }
    }

    private final FaultRig rig;
    private final Consumer<String> out;
    private final long durationMillis;
    private final AtomicLong handoffs = new AtomicLong();

    FaultsRun(FaultRig rig, Consumer<String> out, long durationMillis) {
        this.rig = rig;
        this.out = out;
        this.durationMillis = durationMillis;
    }

    Totals run(List<Long> seeds) throws Exception {
        int overlaps = 0;
        int lost = 0;
        int twice = 0;
        int refusedCommitted = 0;
        List<Long> fence = new ArrayList<>();
        List<Long> takeover = new ArrayList<>();
        List<Long> failed = new ArrayList<>();
        int n = 0;
        for (long seed : seeds) {
            n++;
            HistoryCheck.Verdict v = one(n, seed);
            overlaps += v.overlaps();
            lost += v.lost();
            twice += v.twice();
            refusedCommitted += v.refusedButCommitted();
            fence.addAll(v.faultToFenceMillis());
            takeover.addAll(v.faultToTakeoverMillis());
            if (v.overlaps() + v.lost() + v.twice() + v.refusedButCommitted() > 0) {
                failed.add(seed);
                out.accept("  FAILED: replay with bin/faults --seed " + seed + "; " + v.problems());
            }
        }
        out.accept("fault to fence (the isolated writer's last commit after the fault), ms: " + summary(fence));
        fenceByKind.forEach((kind, values) -> out.accept("  after " + label(kind) + ": " + summary(values)));
        out.accept("fault to takeover (another cluster's first commit after the fault), ms: " + summary(takeover));
        if (twice + refusedCommitted > 0) {
            out.accept("writes applied twice: " + twice + ", refused writes found committed: " + refusedCommitted);
        }
        Totals t = new Totals(seeds.size(), overlaps, lost, twice, refusedCommitted, fence, takeover, failed);
        out.accept(t.last());
        return t;
    }

    static String summary(List<Long> values) {
        if (values.isEmpty()) {
            return "none measured";
        }
        List<Long> s = new ArrayList<>(values);
        Collections.sort(s);
        return "n=" + s.size() + " min " + s.get(0) + " p50 " + s.get(s.size() / 2) + " p90 " + rank(s, 0.9) + " p99 "
                + rank(s, 0.99) + " max " + s.get(s.size() - 1);
    }

    /** The nearest-rank percentile of sorted {@code s}. */
    private static long rank(List<Long> s, double q) {
        return s.get(Math.max(0, Math.min(s.size() - 1, (int) Math.ceil(s.size() * q) - 1)));
    }

    private static String label(Fault.Kind kind) {
        return kind.name().toLowerCase().replace('_', '-');
    }

    private record Action(long atMillis, int order, Runnable run) {}

    /** Fault to fence per kind of the isolating fault, over every schedule of the run. */
    private final Map<Fault.Kind, List<Long>> fenceByKind = new EnumMap<>(Fault.Kind.class);

    private HistoryCheck.Verdict one(int number, long seed) throws Exception {
        Schedule schedule = Schedule.draw(seed, durationMillis, FaultRig.TTL.toMillis(), FaultRig.CLUSTERS);
        long scheduleId = seed;
        awaitWriter();
        // The epochs of this schedule: the writer's at its start and every later one.
        int firstEpoch = Math.max(0, rig.epochs().size() - 1);
        Writers writers = new Writers(rig, scheduleId, seed);
        List<HistoryCheck.Isolation> isolations = Collections.synchronizedList(new ArrayList<>());
        List<String> errors = Collections.synchronizedList(new ArrayList<>());
        PriorityQueue<Action> queue = new PriorityQueue<>((x, y) -> x.atMillis() != y.atMillis()
                ? Long.compare(x.atMillis(), y.atMillis()) : Integer.compare(x.order(), y.order()));
        int order = 0;
        for (Fault f : schedule.faults()) {
            int o = order++;
            queue.add(new Action(f.startMillis(), o, () -> inject(f, queue, isolations, errors)));
        }
        long started = System.nanoTime();
        writers.start(2);
        while (true) {
            Action next = queue.peek();
            long now = elapsed(started);
            long due = next == null ? durationMillis : next.atMillis();
            if (next == null && now >= durationMillis) {
                break;
            }
            if (due > now) {
                Thread.sleep(Math.min(50, due - now));
                continue;
            }
            queue.poll();
            try {
                next.run().run();
            } catch (RuntimeException e) {
                errors.add(e.toString());
            }
        }
        writers.stop();
        rig.healAll();
        awaitWriter();
        HistoryCheck.Verdict v = HistoryCheck.check(rig, scheduleId, writers.outcomes(),
                rig.epochs().subList(firstEpoch, rig.epochs().size()), isolations,
                Duration.ofSeconds(60));
        out.accept(String.format("schedule %d seed %d: %s | writes ok %d refused %d unknown %d | epochs %s, final writer"
                        + " %s | overlaps %d lost %d twice %d | fault-to-fence ms %s%s", number, seed, schedule.faults(),
                v.acknowledged(), v.refused(), v.unknown(), rig.epochs().subList(firstEpoch, rig.epochs().size()),
                v.finalWriter(), v.overlaps(), v.lost(), v.twice(), fenceLabels(isolations, v.faultToFenceMillis()),
                errors.isEmpty() ? "" : " | harness errors " + errors));
        return v;
    }

    /** "[sigstop 12, etcd-partition 3410]": each isolation's fault kind and its fault-to-fence time. */
    private List<String> fenceLabels(List<HistoryCheck.Isolation> isolations, List<Long> millis) {
        List<String> labels = new ArrayList<>();
        synchronized (isolations) {
            for (int i = 0; i < millis.size() && i < isolations.size(); i++) {
                Fault.Kind kind = isolations.get(i).fault.kind();
                fenceByKind.computeIfAbsent(kind, k -> new ArrayList<>()).add(millis.get(i));
                labels.add(label(kind) + " " + millis.get(i));
            }
        }
        return labels;
    }

    private void inject(Fault f, PriorityQueue<Action> queue, List<HistoryCheck.Isolation> isolations,
                        List<String> errors) {
        String writer = rig.writer().orElse(null);
        String target = f.target().equals("writer") ? (writer == null ? "a" : writer) : f.target();
        long end = f.startMillis() + f.durationMillis();
        Instant at = Instant.now();
        boolean isolatesWriter = target.equals(writer);
        try {
            switch (f.kind()) {
                case ETCD_PARTITION -> {
                    int members = f.detail().startsWith("partial:") ? Integer.parseInt(f.detail().substring(8)) : 3;
                    List<FaultLink> cut = rig.cutFromEtcd(target, members);
                    queue.add(new Action(end, 0, () -> cut.forEach(rig::heal)));
                    if (members == 3 && isolatesWriter) {
                        isolations.add(new HistoryCheck.Isolation(f, target, at));
                    }
                }
                case DB_PARTITION -> {
                    FaultLink cut = rig.cutFromDatabase(target);
                    queue.add(new Action(end, 0, () -> rig.heal(cut)));
                }
                case SIGSTOP -> {
                    boolean hit = rig.stopProxy(target);
                    queue.add(new Action(end, 0, () -> rig.continueProxy(target)));
                    if (isolatesWriter && hit) {
                        isolations.add(new HistoryCheck.Isolation(f, target, at));
                    }
                }
                case KILL -> {
                    boolean hit = rig.killProxy(target);
                    queue.add(new Action(end, 0, () -> {
                        // A restarted proxy is a new process: no isolation of the old one lasts past it.
                        Instant restart = Instant.now();
                        isolations.stream().filter(i -> i.writer.equals(target)).forEach(i -> i.endNoLaterThan(restart));
                        rig.startProxy(target);
                    }));
                    if (isolatesWriter && hit) {
                        isolations.add(new HistoryCheck.Isolation(f, target, at));
                    }
                }
                case ETCD_LEADER_KILL -> {
                    int member = rig.killEtcdLeader();
                    queue.add(new Action(end, 0, () -> rig.restartEtcd(member)));
                }
                case HANDOFF -> rig.handoff(target, "faults-" + handoffs.incrementAndGet());
                case MODE -> {
                    rig.mode(target, f.detail());
                    queue.add(new Action(end, 0, () -> {
                        try {
                            rig.mode(target, "writable");
                        } catch (Exception e) {
                            errors.add("mode writable " + target + ": " + e);
                        }
                    }));
                }
                case SLOW_REPLICATION -> {
                    List<FaultLink> slowed = rig.slowReplication(target, Duration.ofMillis(Long.parseLong(f.detail())));
                    queue.add(new Action(end, 0, () -> slowed.forEach(FaultLink::pass)));
                }
            }
        } catch (Exception e) {
            errors.add(f + ": " + e);
        }
    }

    /** Until a cluster holds the writer key and its proxy accepts a write (a probe row of schedule -1). */
    private void awaitWriter() throws InterruptedException {
        long end = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (rig.writer().isEmpty() || !probe(rig.writer().get())) {
            if (System.nanoTime() > end) {
                throw new IllegalStateException("no writer within 60 s; proxy logs:\n" + rig.proxyLogs(30));
            }
            Thread.sleep(100);
        }
    }

    private boolean probe(String cluster) {
        try (java.sql.Connection c = java.sql.DriverManager.getConnection("jdbc:postgresql://127.0.0.1:"
                + rig.proxyPort(cluster) + "/" + FaultRig.DATABASE + "?user=postgres&connectTimeout=3&socketTimeout=10");
             java.sql.Statement s = c.createStatement()) {
            s.executeUpdate("INSERT INTO w (id, schedule, kind) VALUES (" + (-System.nanoTime()) + ", -1, 'probe')");
            return true;
        } catch (java.sql.SQLException e) {
            return false;
        }
    }

    private static long elapsed(long startedNanos) {
        return (System.nanoTime() - startedNanos) / 1_000_000;
    }
}
