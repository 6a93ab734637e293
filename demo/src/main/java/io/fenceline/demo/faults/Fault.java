package io.fenceline.demo.faults;

/**
 * One fault of a schedule: {@code kind} on {@code target} from {@code startMillis} for {@code durationMillis}
 * (after the schedule began). {@code target} is a cluster name, or {@code "writer"}: whichever cluster holds the
 * writer key when the fault starts. {@code detail} carries the kind's own parameter (links cut, a mode, a delay).
 */
record Fault(Kind kind, String target, long startMillis, long durationMillis, String detail) {

    /** The faults the harness injects. */
    enum Kind {
        /** The proxy's links to some or all etcd members blackholed (both directions). */
        ETCD_PARTITION,
        /** The proxy's link to its PostgreSQL blackholed. */
        DB_PARTITION,
        /** SIGSTOP of the proxy, SIGCONT after the duration (chosen past the lease TTL). */
        SIGSTOP,
        /** kill -9 of the proxy, restarted after the duration. */
        KILL,
        /** kill -9 of the etcd leader, restarted after the duration. */
        ETCD_LEADER_KILL,
        /** A planned handoff to the target (an instant: the request; the proxies do the rest). */
        HANDOFF,
        /** The operator's mode of the target (read-only or paused) for the duration, then writable. */
        MODE,
        /** Replication into the target delayed by {@code detail} ms for the duration. */
        SLOW_REPLICATION
    }

    @Override
    public String toString() {
        return kind.name().toLowerCase().replace('_', '-') + " " + target + (detail.isEmpty() ? "" : " " + detail)
                + " @" + startMillis / 100 / 10.0 + "s" + (durationMillis > 0 ? " for " + durationMillis / 100 / 10.0 + "s"
                : "");
    }
}
