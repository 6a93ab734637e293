package io.fenceline.demo;

import io.fenceline.config.coordination.Coordinator;
import io.fenceline.config.coordination.StoredEntry;
import io.fenceline.config.coordination.Versioned;
import io.fenceline.config.records.MigrationJournal;
import io.fenceline.config.records.Records;
import io.fenceline.config.records.ReplicationTelemetry;
import io.fenceline.config.records.WriterRecord;
import io.fenceline.demo.fleet.LocalFleet;
import io.fenceline.demo.report.TimelineRecorder;
import io.fenceline.demo.report.Track;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Looks at the fleet every {@value #PERIOD_MILLIS} ms and records what it sees in the timeline: the writer key
 * in etcd (lease holder), each cluster's mode (the operator's mode key, else what its database enforces:
 * {@code default_transaction_read_only} is the proxy's database-side fence), each cluster's schema version and
 * last migration step (control's history table in the cluster's database), and the migration journal's state
 * changes as markers, and each cluster's lag as its proxies measure it (their telemetry records). The databases are read directly, not through etcd, so a proxy cut off from etcd is still
 * seen.
 */
final class Sampler implements AutoCloseable {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Sampler.class);

    static final long PERIOD_MILLIS = 100;

    private final LocalFleet fleet;
    private final Coordinator etcd;
    private final String group;
    private final TimelineRecorder timeline;
    private final Map<String, Connection> connections = new HashMap<>();
    private final AtomicReference<MigrationJournal> journal = new AtomicReference<>();
    private final AtomicReference<String> writer = new AtomicReference<>();
    private final Thread thread;
    private volatile boolean stop;
    private long failures;

    Sampler(LocalFleet fleet, Coordinator etcd, String group, TimelineRecorder timeline) {
        this.fleet = fleet;
        this.etcd = etcd;
        this.group = group;
        this.timeline = timeline;
        this.thread = new Thread(this::run, "demo-sampler");
        thread.setDaemon(true);
    }

    void start() {
        sampleOnce();
        thread.start();
    }

    /** The journal as last seen. */
    Optional<MigrationJournal> journal() {
        return Optional.ofNullable(journal.get());
    }

    /** The cluster holding the writer key as last seen, if any. */
    Optional<String> writer() {
        return Optional.ofNullable(writer.get());
    }

    private void run() {
        while (!stop) {
            long started = System.nanoTime();
            sampleOnce();
            long slept = PERIOD_MILLIS - TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
            if (slept > 0) {
                try {
                    Thread.sleep(slept);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }
    }

    /** One look at the fleet; a failed look (etcd slow, a database restarting) is logged and skipped. */
    synchronized void sampleOnce() {
        try {
            sample();
        } catch (RuntimeException e) {
            // This sample is lost; the timeline keeps the last values seen.
            failures++;
            if (failures == 1 || failures % 50 == 0) {
                LOG.warn("sampling the fleet failed ({} times so far): {}", failures, e.getMessage());
            }
        }
    }

    private void sample() {
        String holder = etcd.store().get(etcd.keys().writer(group), WriterRecord.class).join()
                .map(v -> v.value().cluster()).orElse(null);
        writer.set(holder);
        for (String cluster : fleet.clusters()) {
            timeline.observe(cluster, Track.LEASE, cluster.equals(holder) ? "writer" : "-");
            Optional<String> operatorMode = etcd.store().getEntry(etcd.keys().mode(group, cluster)).join()
                    .map(StoredEntry::value).map(String::strip);
            sampleDatabase(cluster, operatorMode.orElse(null));
            timeline.observe(cluster, Track.LAG, lag(cluster));
        }
        Optional<MigrationJournal> j = etcd.store().get(etcd.keys().migration(group), MigrationJournal.class).join()
                .map(Versioned::value);
        MigrationJournal previous = journal.getAndSet(j.orElse(null));
        if (j.isPresent() && (previous == null || previous.state() != j.get().state()
                || previous.version() != j.get().version())) {
            timeline.mark("V" + j.get().version() + " " + j.get().state().text());
        }
    }

    /** The largest lag in seconds the cluster's proxies published in their telemetry records, as a band. */
    private String lag(String cluster) {
        String prefix = etcd.keys().clusterPrefix(group, cluster) + "telemetry/";
        double worst = -1;
        for (StoredEntry e : etcd.store().getPrefix(prefix).join()) {
            ReplicationTelemetry t = Records.fromJson(e.key(), e.value(), ReplicationTelemetry.class);
            if (t.lagSeconds() != null) {
                worst = Math.max(worst, t.lagSeconds());
            }
        }
        return worst < 0 ? "?" : worst == 0 ? "0" : worst < 1 ? "<1s" : worst <= 10 ? "1-10s" : ">10s";
    }

    private void sampleDatabase(String cluster, String operatorMode) {
        try {
            Connection c = connections.get(cluster);
            if (c == null) {
                c = fleet.connectDirect(cluster);
                connections.put(cluster, c);
            }
            try (Statement st = c.createStatement()) {
                boolean readOnly;
                try (ResultSet rs = st.executeQuery("SHOW default_transaction_read_only")) {
                    rs.next();
                    readOnly = rs.getString(1).equals("on");
                }
                String mode = "paused".equals(operatorMode) ? "paused" : readOnly ? "read-only" : "writable";
                timeline.observe(cluster, Track.MODE, mode);
                try (ResultSet rs = st.executeQuery("SELECT version, phase, direction FROM fenceline.history"
                        + " ORDER BY id DESC LIMIT 1")) {
                    if (rs.next()) {
                        int v = rs.getInt(1);
                        String phase = rs.getString(2);
                        boolean up = rs.getString(3).equals("up");
                        timeline.observe(cluster, Track.STEP, "V" + v + " " + phase + (up ? "" : " undone"));
                        timeline.observe(cluster, Track.SCHEMA, !up ? (phase.equals("expand") ? "V" + (v - 1)
                                : "V" + (v - 1) + "+V" + v) : phase.equals("contract") ? "V" + v : "V" + (v - 1) + "+V" + v);
                    } else {
                        timeline.observe(cluster, Track.STEP, "-");
                        timeline.observe(cluster, Track.SCHEMA, "V0");
                    }
                }
            } catch (SQLException e) {
                if (!"42P01".equals(e.getSQLState())) {
                    throw e;
                }
                timeline.observe(cluster, Track.STEP, "-");
                timeline.observe(cluster, Track.SCHEMA, "V0");
            }
        } catch (SQLException e) {
            Connection broken = connections.remove(cluster);
            closeQuietly(broken);
            timeline.observe(cluster, Track.MODE, "unknown");
        }
    }

    private static void closeQuietly(Connection c) {
        if (c != null) {
            try {
                c.close();
            } catch (SQLException ignored) {
                // Dropping a broken connection: nothing more to learn from its close.
            }
        }
    }

    @Override
    public void close() {
        stop = true;
        thread.interrupt();
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (Connection c : List.copyOf(connections.values())) {
            closeQuietly(c);
        }
        connections.clear();
    }
}
