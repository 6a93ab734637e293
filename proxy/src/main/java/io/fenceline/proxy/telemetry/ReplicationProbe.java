package io.fenceline.proxy.telemetry;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.fenceline.config.coordination.Coordinator;
import io.fenceline.config.coordination.KeyEvent;
import io.fenceline.config.coordination.LeaseState;
import io.fenceline.config.coordination.ResumableWatch;
import io.fenceline.config.coordination.StoredEntry;
import io.fenceline.config.coordination.WatchListener;
import io.fenceline.config.group.ControlDatabase;
import io.fenceline.config.group.GroupSettings;
import io.fenceline.config.records.Records;
import io.fenceline.config.records.ReplicationTelemetry;
import io.fenceline.config.records.WalPosition;
import io.fenceline.proxy.authority.ReplicationLag;
import io.fenceline.proxy.fence.PostgresReplicationLag;
import io.fenceline.proxy.metrics.ProxyMetrics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Measures, on a thread of its own, how far this proxy's cluster is behind the group's writer in seconds and how long
 * the writer's positions take to become visible here ({@link ApplyTimes} says how, and why not {@code replay_lag}).
 * It follows the writer's published WAL position ({@code …/groups/{group}/wal}) with a watch, so it sees every
 * publication, and polls this database's applied position of that WAL every {@link #poll} on a one-connection pool
 * of its own (never the fence's). The values go to the metrics (read on scrape; samples recorded here) and, every
 * status interval, to a lease-bound {@link ReplicationTelemetry} record that {@code fenceline status} reads.
 * Nothing on the data path touches it; a failed query or publication is logged (first, then every 50th) and the
 * values turn unknown.
 */
public final class ReplicationProbe implements ProxyMetrics.ReplicationView, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ReplicationProbe.class);
    private static final String APPLICATION_NAME = "fenceline-telemetry";

    private final GroupSettings settings;
    private final Coordinator etcd;
    private final ProxyMetrics metrics;
    private final Duration poll;
    private final HikariDataSource pool;
    private final ReplicationLag database;
    private final ApplyTimes times;
    private final ConcurrentLinkedQueue<WalPosition> published = new ConcurrentLinkedQueue<>();
    private final ScheduledExecutorService exec;
    private final ResumableWatch watch;
    private volatile WalPosition latest;
    private volatile double lagSeconds = Double.NaN;
    private volatile double lagBytes = Double.NaN;
    private volatile Double lastLatency;
    private long lastPublishNanos;
    private long failures;

    /**
     * Starts following and polling.
     *
     * @param poll how often the local applied position is read: the apply latency's resolution
     */
    public ReplicationProbe(GroupSettings settings, ControlDatabase db, Coordinator etcd, ProxyMetrics metrics,
                            Duration poll) {
        this.settings = settings;
        this.etcd = etcd;
        this.metrics = metrics;
        this.poll = poll;
        this.times = new ApplyTimes(settings.cluster());
        HikariConfig config = new HikariConfig();
        config.setPoolName(APPLICATION_NAME);
        config.setJdbcUrl(db.jdbcUrl());
        config.setUsername(db.user());
        if (db.password() != null) {
            config.setPassword(db.password());
        }
        config.setMaximumPoolSize(1);
        config.setMinimumIdle(0);
        config.setConnectionTimeout(Math.max(250, db.fenceTimeout().toMillis()));
        config.setInitializationFailTimeout(-1);
        config.addDataSourceProperty("ApplicationName", APPLICATION_NAME);
        this.pool = new HikariDataSource(config);
        this.database = new PostgresReplicationLag(pool, db.subscription(),
                (int) Math.max(1, db.fenceTimeout().toSeconds()));
        this.exec = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "fenceline-telemetry-" + settings.group());
            t.setDaemon(true);
            return t;
        });
        this.watch = etcd.watch(etcd.keys().walPosition(settings.group()), false, 0, new WatchListener() {
            @Override
            public void onSnapshot(Snapshot why, List<StoredEntry> entries, long revision) {
                entries.forEach(e -> position(e));
            }

            @Override
            public void onEvents(List<KeyEvent> events) {
                events.stream().filter(e -> e.type() != KeyEvent.Type.DELETE).forEach(e -> position(e.entry()));
            }
        });
        exec.scheduleWithFixedDelay(this::round, 0, poll.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void position(StoredEntry e) {
        try {
            WalPosition p = Records.fromJson(e.key(), e.value(), WalPosition.class);
            latest = p;
            published.add(p);
        } catch (IllegalArgumentException ex) {
            LOG.warn("group {}: ignoring the published WAL position for the telemetry: {}", settings.group(),
                    ex.getMessage());
        }
    }

    private void round() {
        try {
            for (WalPosition p; (p = published.poll()) != null; ) {
                times.published(p);
            }
            WalPosition upstream = latest;
            if (upstream != null && !times.isWriter()) {
                measure(upstream);
            }
            Instant now = Instant.now();
            OptionalDouble s = times.lagSeconds(now);
            lagSeconds = s.isPresent() ? s.getAsDouble() : Double.NaN;
            long b = times.lagBytes();
            lagBytes = b < 0 ? Double.NaN : b;
            long nanos = System.nanoTime();
            if (nanos - lastPublishNanos >= settings.statusInterval().toNanos()) {
                lastPublishNanos = nanos;
                publish(now);
            }
        } catch (RuntimeException e) {
            LOG.error("group {}: telemetry round failed", settings.group(), e);
        }
    }

    private void measure(WalPosition upstream) {
        OptionalLong applied;
        try {
            applied = database.appliedUpstreamLsn(upstream);
        } catch (RuntimeException e) {
            if (failures++ % 50 == 0) {
                LOG.warn("group {}: telemetry cannot read the applied position ({} failures): {}", settings.group(),
                        failures, e.getMessage());
            }
            applied = OptionalLong.empty();
        }
        if (applied.isEmpty()) {
            times.unknown();
            return;
        }
        for (Duration sample : times.applied(applied.getAsLong(), Instant.now())) {
            double seconds = sample.toNanos() / 1e9;
            lastLatency = seconds;
            metrics.applyLatency(settings.group(), settings.cluster(), upstream.cluster(), seconds);
        }
    }

    private void publish(Instant now) {
        if (!(etcd.leaseKeeper().state() instanceof LeaseState.Held held)) {
            return;
        }
        boolean writer = times.isWriter();
        ReplicationTelemetry record = new ReplicationTelemetry(times.upstream(),
                Double.isNaN(lagBytes) ? null : (long) lagBytes, Double.isNaN(lagSeconds) ? null : lagSeconds,
                writer ? null : lastLatency, now);
        etcd.store().putLeased(etcd.keys().telemetry(settings.group(), settings.cluster(), settings.proxyId()), record,
                held.leaseId()).whenComplete((r, e) -> {
                    if (e != null) {
                        LOG.debug("group {}: publishing telemetry failed: {}", settings.group(), e.getMessage());
                    }
                });
    }

    /** How often the applied position is read. */
    public Duration poll() {
        return poll;
    }

    @Override
    public String group() {
        return settings.group();
    }

    @Override
    public String cluster() {
        return settings.cluster();
    }

    @Override
    public double lagSeconds() {
        return lagSeconds;
    }

    @Override
    public double lagBytes() {
        return lagBytes;
    }

    @Override
    public void close() {
        try {
            watch.close();
        } finally {
            exec.shutdownNow();
            try {
                exec.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            pool.close();
        }
    }
}
