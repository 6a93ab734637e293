package io.fenceline.proxy.telemetry;

import io.fenceline.config.coordination.Coordinator;
import io.fenceline.config.coordination.KeyEvent;
import io.fenceline.config.coordination.ResumableWatch;
import io.fenceline.config.coordination.StoredEntry;
import io.fenceline.config.coordination.WatchListener;
import io.fenceline.config.keys.EtcdKey;
import io.fenceline.config.keys.EtcdKeys;
import io.fenceline.config.records.AuditRecord;
import io.fenceline.config.records.MigrationJournal;
import io.fenceline.config.records.ProxyStatus;
import io.fenceline.config.records.Records;
import io.fenceline.proxy.metrics.ProxyMetrics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * Follows, for the metrics only, what the whole group reports in etcd: every cluster's acks and proxies' statuses
 * ({@code …/groups/{group}/clusters/}), the group's audit log ({@code …/audit/{group}/}: migration steps applied,
 * failed and rolled back, per cluster, as control recorded them) and the migration journal's wait. So one scrape of
 * any proxy shows the group's version drift — each cluster's applied version, the connections per version on each
 * cluster — and its rollout, without control running (control is a command that exits). The state lives in a
 * {@link FleetState}; records that do not decode are logged and skipped.
 */
public final class GroupFollower implements ProxyMetrics.FleetView, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(GroupFollower.class);

    private final String group;
    private final EtcdKeys keys;
    private final FleetState state = new FleetState();
    private final ResumableWatch clusters;
    private final ResumableWatch audit;
    private final ResumableWatch journal;
    private volatile MigrationJournal current;

    /** Starts watching {@code group}'s clusters, audit log and journal through {@code etcd}. */
    public GroupFollower(Coordinator etcd, String group) {
        this.group = group;
        this.keys = etcd.keys();
        this.clusters = etcd.watch(keys.clustersPrefix(group), true, 0, new WatchListener() {
            @Override
            public void onSnapshot(Snapshot why, List<StoredEntry> entries, long revision) {
                synchronized (state) {
                    state.clearClusters();
                    entries.forEach(e -> cluster(e, true));
                }
            }

            @Override
            public void onEvents(List<KeyEvent> events) {
                synchronized (state) {
                    events.forEach(e -> cluster(e.entry(), e.type() != KeyEvent.Type.DELETE));
                }
            }
        });
        this.audit = etcd.watch(keys.auditPrefix(group), true, 0, new WatchListener() {
            @Override
            public void onSnapshot(Snapshot why, List<StoredEntry> entries, long revision) {
                synchronized (state) {
                    state.clearSteps();
                    entries.forEach(GroupFollower.this::audit);
                }
            }

            @Override
            public void onEvents(List<KeyEvent> events) {
                synchronized (state) {
                    events.stream().filter(e -> e.type() == KeyEvent.Type.PUT).forEach(e -> audit(e.entry()));
                }
            }
        });
        this.journal = etcd.watch(keys.migration(group), false, 0, new WatchListener() {
            @Override
            public void onSnapshot(Snapshot why, List<StoredEntry> entries, long revision) {
                current = entries.isEmpty() ? null : decode(entries.get(0), MigrationJournal.class);
            }

            @Override
            public void onEvents(List<KeyEvent> events) {
                for (KeyEvent e : events) {
                    current = e.type() == KeyEvent.Type.DELETE ? null : decode(e.entry(), MigrationJournal.class);
                }
            }
        });
    }

    private void cluster(StoredEntry e, boolean present) {
        EtcdKey key = keys.parse(e.key()).orElse(null);
        if (key instanceof EtcdKey.Ack a) {
            state.ack(a.cluster(), a.version(), a.step(), present);
        } else if (key instanceof EtcdKey.Proxy p) {
            ProxyStatus s = present ? decode(e, ProxyStatus.class) : null;
            state.proxy(p.cluster(), p.proxyId(), s == null ? null : s.versionsInUse());
        } else if (key instanceof EtcdKey.Mode m) {
            state.known(m.cluster());
        } else if (key instanceof EtcdKey.Telemetry t) {
            state.known(t.cluster());
        }
    }

    private void audit(StoredEntry e) {
        if (keys.parse(e.key()).orElse(null) instanceof EtcdKey.Audit a) {
            AuditRecord r = decode(e, AuditRecord.class);
            if (r != null) {
                state.audit(a.seq(), r);
            }
        }
    }

    private <T> T decode(StoredEntry e, Class<T> type) {
        try {
            return Records.fromJson(e.key(), e.value(), type);
        } catch (IllegalArgumentException ex) {
            LOG.warn("ignoring {} for the telemetry: {}", e.key(), ex.getMessage());
            return null;
        }
    }

    @Override
    public String group() {
        return group;
    }

    @Override
    public Map<String, Integer> appliedVersions() {
        return state.applied();
    }

    @Override
    public Map<String, Map<Integer, Integer>> connections() {
        return state.connections();
    }

    @Override
    public Map<String, Map<String, Long>> steps() {
        return state.steps();
    }

    /**
     * Seconds the current run has waited for {@code kind} ({@code gate}, {@code cooldown}, {@code window}) as its
     * journal says; 0 when it waits for nothing or for something else.
     */
    @Override
    public double waitSeconds(String kind) {
        MigrationJournal j = current;
        MigrationJournal.Wait w = j == null ? null : j.timing().waiting();
        if (w == null || !kind.equals(w.kind())) {
            return 0;
        }
        Instant since = w.since() != null ? w.since() : j.updatedAt();
        return Math.max(0, Duration.between(since, Instant.now()).toMillis() / 1000.0);
    }

    @Override
    public void close() {
        try {
            clusters.close();
        } finally {
            try {
                audit.close();
            } finally {
                journal.close();
            }
        }
    }
}
