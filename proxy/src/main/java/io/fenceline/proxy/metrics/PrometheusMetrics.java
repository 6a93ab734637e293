package io.fenceline.proxy.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@link ProxyMetrics} recorded in a Prometheus registry. All meters are registered once here from
 * constant names; the error counter adds one series per SQLSTATE the first time that code is seen.
 */
public final class PrometheusMetrics implements ProxyMetrics {

    public static final String CONNECTIONS_ACTIVE = "fenceline.proxy.connections.active";
    public static final String CONNECTIONS_OPENED = "fenceline.proxy.connections.opened";
    public static final String CONNECTIONS_REFUSED = "fenceline.proxy.connections.refused";
    public static final String MESSAGES = "fenceline.proxy.messages";
    public static final String BYTES = "fenceline.proxy.bytes";
    public static final String ERRORS = "fenceline.proxy.errors";
    public static final String RELAY_LATENCY = "fenceline.proxy.relay.latency";
    public static final String INSPECTION_CACHE = "fenceline.proxy.inspection.cache";
    public static final String INSPECTION_PARSE = "fenceline.proxy.inspection.parse";
    public static final String INSPECTION_NOT_UNDERSTOOD = "fenceline.proxy.inspection.not.understood";
    public static final String INSPECTION_OFFLOADED = "fenceline.proxy.inspection.offloaded";
    public static final String STATEMENTS = "fenceline.proxy.statements";
    public static final String WRITES_REJECTED = "fenceline.proxy.writes.rejected";
    public static final String WRITES_HELD = "fenceline.proxy.writes.held";
    public static final String COMMITS_ROLLED_BACK = "fenceline.proxy.commits.rolled.back";
    public static final String CANCELS_SENT = "fenceline.proxy.write.cancels";
    public static final String WROTE_IN_DATABASE = "fenceline.proxy.fence.transactions.wrote";
    public static final String STALE_WRITES = "fenceline.proxy.writes.stale";
    public static final String LEASE_HELD = "fenceline.proxy.lease.held";
    public static final String DEADLINE_SLACK = "fenceline.proxy.lease.deadline.slack";
    public static final String WRITABLE = "fenceline.proxy.writable";
    public static final String MODE = "fenceline.proxy.mode";
    private static final java.util.List<String> MODES = java.util.List.of("writable", "read-only", "paused", "unknown");
    public static final String WRITER = "fenceline.proxy.writer";
    public static final String WRITER_EPOCH = "fenceline.proxy.writer.epoch";
    public static final String REPLICATION_LAG = "fenceline.proxy.replication.lag";
    public static final String REPLICATION_LAG_BOUND = "fenceline.proxy.replication.lag.bound";
    public static final String MIGRATION_STATE = "fenceline.proxy.migration.state";
    public static final String MIGRATION_VERSION = "fenceline.proxy.migration.version";
    public static final String MIGRATION_UPDATED = "fenceline.proxy.migration.updated.timestamp";
    public static final String APPLIED_VERSION = "fenceline.proxy.schema.applied.version";
    /** The journal's states (MigrationJournal.State's texts) and {@code none}, registered at start so each series exists. */
    static final java.util.List<String> MIGRATION_STATES = java.util.List.of("none", "planned", "linted", "preflighted",
            "expanding", "backfilling", "window-widened", "draining", "contracting", "done", "halted", "rolling-back",
            "rolled-back");
    public static final String SCHEMA_REFUSED = "fenceline.proxy.schema.refused";
    public static final String SCHEMA_UNCHECKED = "fenceline.proxy.schema.unchecked";
    public static final String SCHEMA_CONNECTIONS = "fenceline.proxy.schema.connections";
    /** Reasons the schema policy refuses for, registered at start so their series exist from 0. */
    static final java.util.List<String> SCHEMA_REFUSALS = java.util.List.of(
            "outside_window", "undeclared", "invalid_version", "table", "column", "ddl", "not_understood");
    static final java.util.List<String> SCHEMA_UNCHECKED_REASONS = java.util.List.of("not_understood", "no_catalog", "function_call");

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final AtomicLong active = new AtomicLong();
    private final Counter opened;
    private final Counter refused;
    private final Counter messages;
    private final Counter frontendBytes;
    private final Counter backendBytes;
    private final Timer latency;
    private final ConcurrentMap<String, Counter> errors = new ConcurrentHashMap<>();
    private final Counter cacheHits;
    private final Counter cacheMisses;
    private final Timer parse;
    private final Counter notUnderstood;
    private final Counter offloaded;
    private final Counter statements;
    private final AtomicLong errorTotal = new AtomicLong();
    private final ConcurrentMap<String, Counter> rejected = new ConcurrentHashMap<>();
    private final Counter held;
    private final Counter rolledBack;
    private final Counter cancels;
    private final Counter wroteInDatabase;
    private final Counter staleWrites;
    private final ConcurrentMap<String, Counter> schemaRefused = new ConcurrentHashMap<>();
    private final ConcurrentMap<String, Counter> schemaUnchecked = new ConcurrentHashMap<>();
    private final ConcurrentMap<Integer, Gauge> versionGauges = new ConcurrentHashMap<>();
    private volatile java.util.function.Supplier<java.util.Map<Integer, Integer>> versionCounts;
    private final TelemetryMeters telemetry = new TelemetryMeters(registry);

    public PrometheusMetrics() {
        Gauge.builder(CONNECTIONS_ACTIVE, active, AtomicLong::get)
                .description("Client connections currently open").register(registry);
        opened = Counter.builder(CONNECTIONS_OPENED).description("Client connections accepted").register(registry);
        refused = Counter.builder(CONNECTIONS_REFUSED).description("Client connections refused before startup").register(registry);
        messages = Counter.builder(MESSAGES).description("Frontend messages relayed to the database").register(registry);
        frontendBytes = Counter.builder(BYTES).tag("direction", "frontend").baseUnit("bytes")
                .description("Bytes relayed").register(registry);
        backendBytes = Counter.builder(BYTES).tag("direction", "backend").baseUnit("bytes")
                .description("Bytes relayed").register(registry);
        latency = Timer.builder(RELAY_LATENCY)
                .description("Time from forwarding Query or Sync to relaying its ReadyForQuery")
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofSeconds(30))
                .register(registry);
        errorCounter("08P01");
        cacheHits = Counter.builder(INSPECTION_CACHE).tag("result", "hit")
                .description("Statement verdicts looked up in the inspection caches").register(registry);
        cacheMisses = Counter.builder(INSPECTION_CACHE).tag("result", "miss")
                .description("Statement verdicts looked up in the inspection caches").register(registry);
        parse = Timer.builder(INSPECTION_PARSE)
                .description("Time to classify (and parse where needed) a statement that missed the cache")
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofNanos(1_000)).maximumExpectedValue(Duration.ofSeconds(1))
                .register(registry);
        notUnderstood = Counter.builder(INSPECTION_NOT_UNDERSTOOD)
                .description("Statements not fully understood, treated as possible writes and DDL").register(registry);
        offloaded = Counter.builder(INSPECTION_OFFLOADED)
                .description("Long uncached statements parsed off the event loop while their connection waited").register(registry);
        statements = Counter.builder(STATEMENTS)
                .description("Statements relayed (Query, Execute and FunctionCall messages)").register(registry);
        rejectedCounter("25006");
        rejectedCounter("57014");
        held = Counter.builder(WRITES_HELD).description("Writes that waited because the cluster was paused").register(registry);
        rolledBack = Counter.builder(COMMITS_ROLLED_BACK)
                .description("Commits of transactions that wrote, turned into rollbacks because the cluster could not write")
                .register(registry);
        staleWrites = Counter.builder(STALE_WRITES)
                .description("Writes decided under the lease but not sent: the proxy was paused past its deadline before flushing them")
                .register(registry);
        cancels = Counter.builder(CANCELS_SENT)
                .description("CancelRequests sent for writes still running when the cluster was fenced").register(registry);
        wroteInDatabase = Counter.builder(WROTE_IN_DATABASE)
                .description("Open transactions the database fence found holding a transaction id (whatever the proxy "
                        + "saw them do, a function can write behind a SELECT); their commits roll back")
                .register(registry);
        SCHEMA_REFUSALS.forEach(r -> schemaCounter(schemaRefused, SCHEMA_REFUSED, r,
                "Connections and statements refused by the schema-version policy, by reason"));
        SCHEMA_UNCHECKED_REASONS.forEach(r -> schemaCounter(schemaUnchecked, SCHEMA_UNCHECKED, r,
                "Statements the schema-version policy let through without checking them, by reason"));
    }

    @Override
    public void statement() {
        statements.increment();
    }

    /** Statements relayed since start. */
    public long statements() {
        return (long) statements.count();
    }

    /** ErrorResponses sent to clients since start. */
    public long errors() {
        return errorTotal.get();
    }

    @Override
    public void writeRejected(String sqlState) {
        Counter c = rejected.get(sqlState);
        (c == null ? rejectedCounter(sqlState) : c).increment();
    }

    private Counter rejectedCounter(String sqlState) {
        return rejected.computeIfAbsent(sqlState, s -> Counter.builder(WRITES_REJECTED).tag("sqlstate", s)
                .description("Writes refused by the write authority, by SQLSTATE").register(registry));
    }

    @Override
    public void writeHeld() {
        held.increment();
    }

    @Override
    public void commitRolledBack() {
        rolledBack.increment();
    }

    @Override
    public void cancelSent() {
        cancels.increment();
    }

    @Override
    public void wroteInDatabase() {
        wroteInDatabase.increment();
    }

    @Override
    public void staleWriteDropped() {
        staleWrites.increment();
    }

    @Override
    public void authority(AuthorityView view) {
        String group = view.group();
        Gauge.builder(LEASE_HELD, view, v -> v.leaseHeld() ? 1 : 0).tag("group", group)
                .description("1 while this proxy holds the group's writer lease before its deadline").strongReference(true).register(registry);
        Gauge.builder(DEADLINE_SLACK, view, AuthorityView::deadlineSlackSeconds).tag("group", group).baseUnit("seconds")
                .description("Time left until the lease deadline (0 without a lease)").strongReference(true).register(registry);
        Gauge.builder(WRITABLE, view, v -> v.writable() ? 1 : 0).tag("group", group)
                .description("1 while the write gate allows writes").strongReference(true).register(registry);
        for (String m : MODES) {
            Gauge.builder(MODE, view, v -> m.equals(v.mode()) ? 1 : 0).tag("group", group).tag("mode", m)
                    .description("The operator's mode for this cluster (1 for the current one)").strongReference(true).register(registry);
        }
        Gauge.builder(WRITER, view, v -> v.writerEpoch() > 0 ? 1 : 0).tag("group", group)
                .description("1 while this proxy's cluster holds the group's writer key (confirmed by this proxy; "
                        + "writable says whether it may write)").strongReference(true).register(registry);
        Gauge.builder(WRITER_EPOCH, view, AuthorityView::writerEpoch).tag("group", group)
                .description("Epoch of the writer key this proxy's cluster holds (0 when it holds none)").strongReference(true).register(registry);
        Gauge.builder(REPLICATION_LAG, view, AuthorityView::replicationLagBytes).tag("group", group).baseUnit("bytes")
                .description("Bytes this cluster has not applied of the last writer's published WAL position (0 on the "
                        + "writer, NaN when unknown)").strongReference(true).register(registry);
        Gauge.builder(REPLICATION_LAG_BOUND, view, AuthorityView::replicationLagBoundBytes).tag("group", group).baseUnit("bytes")
                .description("The group's max_lag_bytes: a candidate further behind does not take over").strongReference(true).register(registry);
    }

    @Override
    public void migration(MigrationView view) {
        String group = view.group();
        for (String s : MIGRATION_STATES) {
            Gauge.builder(MIGRATION_STATE, view, v -> s.equals(v.state()) ? 1 : 0).tag("group", group).tag("state", s)
                    .description("The state of the group's migration journal as this proxy follows it from etcd (1 for "
                            + "the current one; none without a journal)").strongReference(true).register(registry);
        }
        Gauge.builder(MIGRATION_VERSION, view, MigrationView::version).tag("group", group)
                .description("The schema version the group's migration journal rolls out (NaN without one)").strongReference(true).register(registry);
        Gauge.builder(MIGRATION_UPDATED, view, MigrationView::updatedEpochSeconds).tag("group", group).baseUnit("seconds")
                .description("When control last wrote the migration journal, seconds since the Unix epoch (NaN without one)")
                .strongReference(true).register(registry);
        Gauge.builder(APPLIED_VERSION, view, MigrationView::appliedVersion).tag("group", group).tag("cluster", view.cluster())
                .description("The highest schema version this proxy's cluster acked the expand step of (0 when none)")
                .strongReference(true).register(registry);
    }

    @Override
    public void replication(ReplicationView view) {
        telemetry.replication(view);
    }

    @Override
    public void applyLatency(String group, String cluster, String upstream, double seconds) {
        telemetry.applyLatency(group, cluster, upstream, seconds);
    }

    @Override
    public void fleet(FleetView view) {
        telemetry.fleet(view);
    }

    @Override
    public void cacheHit() {
        cacheHits.increment();
    }

    @Override
    public void cacheMiss() {
        cacheMisses.increment();
    }

    @Override
    public void parsed(int length, long nanos) {
        parse.record(nanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public void notUnderstood(String sample, String reason) {
        notUnderstood.increment();
    }

    @Override
    public void inspectionOffloaded() {
        offloaded.increment();
    }

    @Override
    public void connectionOpened() {
        active.incrementAndGet();
        opened.increment();
    }

    @Override
    public void connectionClosed() {
        active.decrementAndGet();
    }

    @Override
    public void connectionRefused() {
        refused.increment();
    }

    @Override
    public void frontendMessages(int count) {
        messages.increment(count);
    }

    @Override
    public void frontendBytes(long bytes) {
        frontendBytes.increment(bytes);
    }

    @Override
    public void backendBytes(long bytes) {
        backendBytes.increment(bytes);
    }

    @Override
    public void schemaRefused(String reason) {
        Counter c = schemaRefused.get(reason);
        (c == null ? schemaCounter(schemaRefused, SCHEMA_REFUSED, reason,
                "Connections and statements refused by the schema-version policy, by reason") : c).increment();
    }

    @Override
    public void schemaUnchecked(String reason) {
        Counter c = schemaUnchecked.get(reason);
        (c == null ? schemaCounter(schemaUnchecked, SCHEMA_UNCHECKED, reason,
                "Statements the schema-version policy let through without checking them, by reason") : c).increment();
    }

    private Counter schemaCounter(ConcurrentMap<String, Counter> map, String name, String reason, String description) {
        return map.computeIfAbsent(reason, r -> Counter.builder(name).tag("reason", r).description(description).register(registry));
    }

    /**
     * Publishes connections per schema version from {@code counts} (version → open connections) as the gauge
     * {@value #SCHEMA_CONNECTIONS}{@code {version}}; a version's series appears at the first scrape that sees it.
     */
    public void schemaConnections(java.util.function.Supplier<java.util.Map<Integer, Integer>> counts) {
        versionCounts = counts;
        refreshVersionGauges();
    }

    private void refreshVersionGauges() {
        java.util.function.Supplier<java.util.Map<Integer, Integer>> counts = versionCounts;
        if (counts == null) {
            return;
        }
        for (Integer version : counts.get().keySet()) {
            versionGauges.computeIfAbsent(version, v -> Gauge.builder(SCHEMA_CONNECTIONS,
                            () -> versionCounts.get().getOrDefault(v, 0))
                    .tag("version", String.valueOf(v))
                    .description("Open client connections per declared schema version").register(registry));
        }
    }

    @Override
    public void error(String sqlState) {
        errorTotal.incrementAndGet();
        Counter c = errors.get(sqlState);
        (c == null ? errorCounter(sqlState) : c).increment();
    }

    private Counter errorCounter(String sqlState) {
        return errors.computeIfAbsent(sqlState, s -> Counter.builder(ERRORS).tag("sqlstate", s)
                .description("Errors sent to clients, by SQLSTATE").register(registry));
    }

    @Override
    public void relayLatency(long nanos) {
        latency.record(nanos, TimeUnit.NANOSECONDS);
    }

    /** The registry in Prometheus text format. */
    public String scrape() {
        refreshVersionGauges();
        telemetry.refresh();
        return registry.scrape();
    }
}
