package io.fenceline.demo.report;

/** One row of a cluster's lane in the timeline. */
public enum Track {
    /** Whether the cluster holds the group's writer lease ({@code writer}) or not ({@code -}). */
    LEASE("lease"),
    /** The write mode the cluster enforces: writable, read-only or paused. */
    MODE("mode"),
    /** The schema version the cluster's database is at ({@code V0}, {@code V1} ...). */
    SCHEMA("schema"),
    /** The migration step running or last applied on the cluster. */
    STEP("step"),
    /**
     * How far behind the writer the cluster's proxies measure it ({@code 0} on the writer, {@code <1s}, {@code 1-10s},
     * {@code >10s}, {@code ?} unknown), from the proxies' replication telemetry in etcd: the same measurement as
     * their {@code fenceline_proxy_replication_lag_seconds}.
     */
    LAG("lag");

    private final String label;

    Track(String label) {
        this.label = label;
    }

    /** Short name for tables and the SVG. */
    public String label() {
        return label;
    }
}
