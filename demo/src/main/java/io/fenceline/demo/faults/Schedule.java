package io.fenceline.demo.faults;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;

/**
 * The faults of one schedule, drawn from its seed alone, so that {@code bin/faults --seed S} replays them. Half
 * of the proxy faults hit whichever cluster is the writer at that instant, the rest a cluster drawn at random.
 * Faults overlap freely; SIGSTOPs last past the lease TTL.
 */
record Schedule(long seed, long durationMillis, List<Fault> faults) {

    private static final Fault.Kind[] KINDS = Fault.Kind.values();

    static Schedule draw(long seed, long durationMillis, long ttlMillis, List<String> clusters) {
        Random r = new Random(seed);
        int count = 3 + r.nextInt(3);
        List<Fault> faults = new ArrayList<>();
        long latestStart = Math.max(1000, durationMillis - 5000);
        for (int i = 0; i < count; i++) {
            Fault.Kind kind = KINDS[r.nextInt(KINDS.length)];
            long start = 1000 + (long) (r.nextDouble() * (latestStart - 1000));
            String target = r.nextBoolean() ? "writer" : clusters.get(r.nextInt(clusters.size()));
            faults.add(switch (kind) {
                case ETCD_PARTITION -> new Fault(kind, target, start, between(r, 1000, 2 * ttlMillis),
                        r.nextInt(3) == 0 ? "partial:" + (1 + r.nextInt(2)) : "all");
                case DB_PARTITION -> new Fault(kind, target, start, between(r, 500, 5000), "");
                case SIGSTOP -> new Fault(kind, target, start, between(r, ttlMillis + 500, ttlMillis + 3000), "");
                case KILL -> new Fault(kind, target, start, between(r, 500, 3000), "");
                case ETCD_LEADER_KILL -> new Fault(kind, "etcd", start, between(r, 1000, 5000), "");
                case HANDOFF -> new Fault(kind, clusters.get(r.nextInt(clusters.size())), start, 0, "");
                case MODE -> new Fault(kind, target, start, between(r, 500, 4000),
                        r.nextBoolean() ? "read-only" : "paused");
                case SLOW_REPLICATION -> new Fault(kind, clusters.get(r.nextInt(clusters.size())), start,
                        between(r, 2000, 8000), Long.toString(between(r, 100, 1500)));
            });
        }
        faults.sort(Comparator.comparingLong(Fault::startMillis));
        return new Schedule(seed, durationMillis, List.copyOf(faults));
    }

    private static long between(Random r, long low, long high) {
        return low + (long) (r.nextDouble() * (high - low));
    }
}
