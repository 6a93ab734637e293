package io.fenceline.proxy.schema;

import io.fenceline.config.coordination.Coordinator;
import io.fenceline.config.coordination.KeyEvent;
import io.fenceline.config.coordination.ResumableWatch;
import io.fenceline.config.coordination.StoredEntry;
import io.fenceline.config.coordination.WatchListener;
import io.fenceline.config.keys.EtcdKey;
import io.fenceline.config.keys.EtcdKeys;
import io.fenceline.config.records.MigrationJournal;
import io.fenceline.config.records.Records;
import io.fenceline.config.records.Step;
import io.fenceline.proxy.metrics.ProxyMetrics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.TreeSet;

/**
 * Follows, for the metrics only, a group's migration journal ({@code …/migration}) and this cluster's acks
 * ({@code …/clusters/{cluster}/acks/}) in etcd, so that a group's Prometheus sees a halted or stalled rollout and
 * clusters left at different versions: control is a command that exits, the proxies are what Prometheus scrapes.
 * Nothing on the data path reads it. A journal that does not decode is logged and counts as none.
 */
public final class MigrationFollower implements ProxyMetrics.MigrationView, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(MigrationFollower.class);

    private final String group;
    private final String cluster;
    private final EtcdKeys keys;
    private final ResumableWatch journalWatch;
    private final ResumableWatch ackWatch;
    private volatile MigrationJournal journal;
    /** Versions with an expand ack of this cluster (guarded by itself), and the highest of them for the scrape. */
    private final TreeSet<Integer> expanded = new TreeSet<>();
    private volatile int applied;

    /** Starts watching {@code group}'s journal and {@code cluster}'s acks through {@code etcd}. */
    public MigrationFollower(Coordinator etcd, String group, String cluster) {
        this.group = group;
        this.cluster = cluster;
        this.keys = etcd.keys();
        this.journalWatch = etcd.watch(keys.migration(group), false, 0, new WatchListener() {
            @Override
            public void onSnapshot(Snapshot why, List<StoredEntry> entries, long revision) {
                journal = entries.isEmpty() ? null : decode(entries.get(0));
            }

            @Override
            public void onEvents(List<KeyEvent> events) {
                for (KeyEvent e : events) {
                    journal = e.type() == KeyEvent.Type.DELETE ? null : decode(e.entry());
                }
            }
        });
        this.ackWatch = etcd.watch(keys.acksPrefix(group, cluster), true, 0, new WatchListener() {
            @Override
            public void onSnapshot(Snapshot why, List<StoredEntry> entries, long revision) {
                synchronized (expanded) {
                    expanded.clear();
                    entries.forEach(e -> ack(e.key(), true));
                    applied = expanded.isEmpty() ? 0 : expanded.last();
                }
            }

            @Override
            public void onEvents(List<KeyEvent> events) {
                synchronized (expanded) {
                    events.forEach(e -> ack(e.key(), e.type() != KeyEvent.Type.DELETE));
                    applied = expanded.isEmpty() ? 0 : expanded.last();
                }
            }
        });
    }

    private void ack(String key, boolean present) {
        if (keys.parse(key).orElse(null) instanceof EtcdKey.Ack a && a.step() == Step.EXPAND) {
            if (present) {
                expanded.add(a.version());
            } else {
                expanded.remove(a.version());
            }
        }
    }

    private MigrationJournal decode(StoredEntry e) {
        try {
            return Records.fromJson(e.key(), e.value(), MigrationJournal.class);
        } catch (IllegalArgumentException ex) {
            LOG.warn("ignoring the migration journal at {} for the metrics: {}", e.key(), ex.getMessage());
            return null;
        }
    }

    @Override
    public String group() {
        return group;
    }

    @Override
    public String cluster() {
        return cluster;
    }

    @Override
    public String state() {
        MigrationJournal j = journal;
        return j == null ? "none" : j.state().text();
    }

    @Override
    public double version() {
        MigrationJournal j = journal;
        return j == null ? Double.NaN : j.version();
    }

    @Override
    public double updatedEpochSeconds() {
        MigrationJournal j = journal;
        return j == null ? Double.NaN : j.updatedAt().toEpochMilli() / 1000.0;
    }

    @Override
    public int appliedVersion() {
        return applied;
    }

    @Override
    public void close() {
        try {
            journalWatch.close();
        } finally {
            ackWatch.close();
        }
    }
}
