package io.fenceline.proxy.metrics;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The replication and group-wide meters of {@link PrometheusMetrics}: lag in seconds, apply latency per cluster pair,
 * and the group's versions, connections and migration steps as one proxy follows them from etcd. Series whose labels
 * come from etcd (clusters, versions) are registered at the first scrape that sees them; every scrape reads one copy
 * of the group's state taken at its start, so a scrape's series agree with each other.
 */
final class TelemetryMeters {

    static final String LAG_SECONDS = "fenceline.proxy.replication.lag.seconds";
    static final String APPLY_LATENCY = "fenceline.proxy.replication.apply.latency";
    static final String GROUP_APPLIED = "fenceline.proxy.group.applied.version";
    static final String GROUP_NEWEST = "fenceline.proxy.group.newest.applied.version";
    static final String GROUP_BEHIND = "fenceline.proxy.group.clusters.behind";
    static final String GROUP_CONNECTIONS = "fenceline.proxy.group.connections";
    static final String STEPS = "fenceline.proxy.migration.steps";
    static final String WAIT = "fenceline.proxy.migration.wait";
    /** What a run can wait for (MigrationJournal.Wait's kinds). */
    static final List<String> WAIT_KINDS = List.of("gate", "cooldown", "window");

    private final MeterRegistry registry;
    private final Map<String, Timer> latencies = new ConcurrentHashMap<>();
    private final Set<String> registered = ConcurrentHashMap.newKeySet();
    private volatile ProxyMetrics.FleetView fleet;
    private volatile Map<String, Integer> applied = Map.of();
    private volatile Map<String, Map<Integer, Integer>> connections = Map.of();
    private volatile Map<String, Map<String, Long>> steps = Map.of();

    TelemetryMeters(MeterRegistry registry) {
        this.registry = registry;
    }

    void replication(ProxyMetrics.ReplicationView view) {
        Gauge.builder(LAG_SECONDS, view, ProxyMetrics.ReplicationView::lagSeconds).tag("group", view.group())
                .tag("cluster", view.cluster())
                .description("At most this old is what this cluster shows of the writer's commits: now minus the "
                        + "writer's time of the newest published WAL position applied here (0 on the writer, NaN unknown)")
                .strongReference(true).register(registry);
    }

    void applyLatency(String group, String cluster, String upstream, double seconds) {
        latencies.computeIfAbsent(group + "/" + cluster + "/" + upstream, k -> Timer.builder(APPLY_LATENCY)
                        .tag("group", group).tag("cluster", cluster).tag("upstream", upstream)
                        .description("Time from the writer (upstream) publishing a WAL position to this cluster having "
                                + "applied it, per cluster pair")
                        .publishPercentileHistogram()
                        .minimumExpectedValue(Duration.ofMillis(10)).maximumExpectedValue(Duration.ofMinutes(10))
                        .register(registry))
                .record((long) (seconds * 1e9), TimeUnit.NANOSECONDS);
    }

    void fleet(ProxyMetrics.FleetView view) {
        this.fleet = view;
        String group = view.group();
        Gauge.builder(GROUP_NEWEST, this, m -> m.applied.values().stream().mapToInt(Integer::intValue).max().orElse(0))
                .tag("group", group).description("The newest schema version any cluster of the group applied (expand acked)")
                .strongReference(true).register(registry);
        Gauge.builder(GROUP_BEHIND, this, TelemetryMeters::behind).tag("group", group)
                .description("Clusters of the group not at its newest applied schema version")
                .strongReference(true).register(registry);
        for (String kind : WAIT_KINDS) {
            Gauge.builder(WAIT, view, v -> v.waitSeconds(kind)).tag("group", group).tag("kind", kind).baseUnit("seconds")
                    .description("How long the current migration run has waited for its gate, cooldown or rollout "
                            + "window (0 when it does not wait for it)").strongReference(true).register(registry);
        }
        refresh();
    }

    private double behind() {
        int newest = applied.values().stream().mapToInt(Integer::intValue).max().orElse(0);
        return applied.values().stream().filter(v -> v < newest).count();
    }

    /** Takes this scrape's copy of the group's state and registers the series it names for the first time. */
    void refresh() {
        ProxyMetrics.FleetView view = fleet;
        if (view == null) {
            return;
        }
        applied = view.appliedVersions();
        connections = view.connections();
        steps = view.steps();
        String group = view.group();
        applied.keySet().forEach(cluster -> once("a/" + cluster, () -> Gauge.builder(GROUP_APPLIED, this,
                        m -> m.applied.getOrDefault(cluster, 0)).tag("group", group).tag("cluster", cluster)
                .description("Each cluster's applied schema version (its highest expand ack) as this proxy follows "
                        + "the group in etcd").strongReference(true).register(registry)));
        connections.forEach((cluster, byVersion) -> byVersion.keySet().forEach(version -> once(
                "c/" + cluster + "/" + version, () -> Gauge.builder(GROUP_CONNECTIONS, this,
                                m -> m.connections.getOrDefault(cluster, Map.of()).getOrDefault(version, 0))
                        .tag("group", group).tag("cluster", cluster).tag("version", String.valueOf(version))
                        .description("Open connections per cluster and declared schema version, summed over the "
                                + "cluster's proxies' status records").strongReference(true).register(registry))));
        steps.forEach((cluster, byOutcome) -> byOutcome.keySet().forEach(outcome -> once(
                "s/" + cluster + "/" + outcome, () -> Gauge.builder(STEPS, this,
                                m -> m.steps.getOrDefault(cluster, Map.of()).getOrDefault(outcome, 0L))
                        .tag("group", group).tag("cluster", cluster).tag("outcome", outcome)
                        .description("Migration steps per cluster as control's audit log records them: applied, "
                                + "failed, rolled back").strongReference(true).register(registry))));
    }

    private void once(String key, Runnable register) {
        if (registered.add(key)) {
            register.run();
        }
    }
}
