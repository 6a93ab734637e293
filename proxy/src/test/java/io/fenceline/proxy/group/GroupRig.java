package io.fenceline.proxy.group;

import io.fenceline.config.coordination.Coordinator;
import io.fenceline.config.coordination.EtcdSettings;
import io.fenceline.config.coordination.KeyEvent;
import io.fenceline.config.coordination.ResumableWatch;
import io.fenceline.config.coordination.StoredEntry;
import io.fenceline.config.coordination.WatchListener;
import io.fenceline.config.records.Records;
import io.fenceline.config.records.WriterRecord;
import io.fenceline.testing.EtcdCluster;
import io.fenceline.testing.PostgresServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

/**
 * The rig the group ITs share per class: a three-member etcd, two PostgreSQL clusters {@code a} and {@code b}
 * with a table {@code writes} and logical replication from a to b (subscription {@code sub_a}), commit
 * timestamps on (the checker narrows write intervals with them), and an etcd client of the test's own, not
 * behind any fault link, that watches the writer key.
 */
final class GroupRig implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(GroupRig.class);
    private static final AtomicInteger GROUPS = new AtomicInteger();

    final EtcdCluster etcd;
    final PostgresServer pgA;
    final PostgresServer pgB;
    final Coordinator observer;
    final ClockMapping clocks = new ClockMapping();

    private GroupRig(EtcdCluster etcd, PostgresServer pgA, PostgresServer pgB, Coordinator observer) {
        this.etcd = etcd;
        this.pgA = pgA;
        this.pgB = pgB;
        this.observer = observer;
    }

    static GroupRig start() {
        EtcdCluster etcd = null;
        PostgresServer a = null;
        PostgresServer b = null;
        try {
            etcd = EtcdCluster.start(3);
            a = PostgresServer.builder().setting("track_commit_timestamp", "on").setting("max_connections", "100").start();
            b = PostgresServer.builder().setting("track_commit_timestamp", "on").setting("max_connections", "100").start();
            for (PostgresServer pg : List.of(a, b)) {
                pg.execute("CREATE TABLE writes (id bigint PRIMARY KEY, cluster text NOT NULL, client text NOT NULL)");
            }
            a.execute("CREATE PUBLICATION pub_a FOR TABLE writes");
            b.execute("CREATE SUBSCRIPTION sub_a CONNECTION 'host=127.0.0.1 port=" + a.port()
                    + " user=postgres dbname=postgres' PUBLICATION pub_a");
            Coordinator observer = Coordinator.connect(EtcdSettings.defaults(etcd.endpoints()));
            return new GroupRig(etcd, a, b, observer);
        } catch (RuntimeException e) {
            for (AutoCloseable c : new AutoCloseable[] {b, a, etcd}) {
                closeQuietly(c);
            }
            throw e;
        }
    }

    /** A fresh group name per test, so tests of one class share the servers but no keys. */
    static String newGroup() {
        return "g" + GROUPS.incrementAndGet() + "-" + Long.toHexString(System.nanoTime() & 0xffffff);
    }

    PostgresServer pg(String cluster) {
        return switch (cluster) {
            case "a" -> pgA;
            case "b" -> pgB;
            default -> throw new IllegalArgumentException("no cluster " + cluster);
        };
    }

    List<Integer> etcdClientPorts() {
        List<Integer> ports = new ArrayList<>();
        for (int i = 0; i < etcd.size(); i++) {
            ports.add(etcd.member(i).clientPort());
        }
        return ports;
    }

    /** Starts a proxy for {@code spec} in front of its cluster (not yet waiting for it). */
    ProxyChild proxy(ProxyChild.Spec spec) {
        return ProxyChild.start(spec, pg(spec.cluster()), etcdClientPorts());
    }

    /** As {@link #proxy(ProxyChild.Spec)}, with {@code extraYaml} sections in its configuration file. */
    ProxyChild proxy(ProxyChild.Spec spec, String extraYaml) {
        return ProxyChild.start(spec, pg(spec.cluster()), etcdClientPorts(), extraYaml);
    }

    /** Ids present in {@code writes} on {@code cluster}'s database. */
    Set<Long> ids(String cluster) throws SQLException {
        Set<Long> ids = new HashSet<>();
        try (Connection c = pg(cluster).connect(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT id FROM writes")) {
            while (rs.next()) {
                ids.add(rs.getLong(1));
            }
        }
        return ids;
    }

    /** Whether {@code id} is on {@code cluster}'s database. */
    boolean has(String cluster, long id) throws SQLException {
        try (Connection c = pg(cluster).connect();
             PreparedStatement s = c.prepareStatement("SELECT 1 FROM writes WHERE id = ?")) {
            s.setLong(1, id);
            try (ResultSet rs = s.executeQuery()) {
                return rs.next();
            }
        }
    }

    /**
     * Reads the commit instants of the rows {@code cluster} accepted itself (not those replicated to it), as
     * monotonic nanos, into {@code history}.
     */
    void loadCommitTimes(WriteHistory history, String cluster) throws SQLException {
        Map<Long, Long> commits = new HashMap<>();
        try (Connection c = pg(cluster).connect();
             PreparedStatement s = c.prepareStatement("SELECT id, (extract(epoch FROM pg_xact_commit_timestamp(xmin))"
                     + " * 1000000)::bigint FROM writes WHERE cluster = ?")) {
            s.setString(1, cluster);
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    commits.put(rs.getLong(1), clocks.toMonotonic(rs.getLong(2)));
                }
            }
        }
        clocks.recheck();
        history.commitTimes(cluster, commits, clocks.toleranceNanos());
    }

    /**
     * The checks after every run: commit times loaded from both clusters, no overlap, at most
     * {@code allowedSwitches} provable changes of the writing cluster, and every acknowledged write present on
     * the cluster that acknowledged it.
     */
    void check(WriteHistory history, int allowedSwitches) throws SQLException {
        loadCommitTimes(history, "a");
        loadCommitTimes(history, "b");
        System.out.println("[group] " + history.summary());
        history.assertNoOverlap();
        history.assertAtMostSwitches(allowedSwitches);
        for (String cluster : List.of("a", "b")) {
            history.assertNoLostWrite(w -> w.cluster().equals(cluster), ids(cluster), "cluster " + cluster);
        }
    }

    /** Watches {@code group}'s writer key from now on; close it with the test. */
    WriterWatch watchWriter(String group) {
        return new WriterWatch(observer, observer.keys().writer(group));
    }

    /** Who holds the writer key of {@code group} now (null when nobody). */
    String writer(String group) throws Exception {
        return observer.store().getEntry(observer.keys().writer(group)).get(5, java.util.concurrent.TimeUnit.SECONDS)
                .map(e -> Records.fromJson(e.key(), e.value(), WriterRecord.class).cluster()).orElse(null);
    }

    /** The cluster that published the group's last WAL position, or null when none did yet. */
    String walPublisher(String group) throws Exception {
        return observer.store().getEntry(observer.keys().walPosition(group)).get(5, java.util.concurrent.TimeUnit.SECONDS)
                .map(e -> Records.fromJson(e.key(), e.value(), io.fenceline.config.records.WalPosition.class).cluster())
                .orElse(null);
    }

    /** Polls {@code condition} every 5 ms until it holds; fails naming {@code what} after {@code timeout}. */
    static void await(String what, Duration timeout, BooleanSupplier condition) throws InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("timed out after " + timeout.toMillis() + " ms waiting until " + what);
            }
            Thread.sleep(5);
        }
    }

    @Override
    public void close() {
        for (AutoCloseable c : new AutoCloseable[] {observer, pgB, pgA, etcd}) {
            closeQuietly(c);
        }
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            if (c != null) {
                c.close();
            }
        } catch (Exception e) {
            LOG.warn("closing {} failed", c, e);
        }
    }

    /**
     * Changes of one writer key as the test's own etcd client saw them: each with the etcd revision and the
     * monotonic instant it arrived here (at or after the change itself).
     */
    static final class WriterWatch implements AutoCloseable {

        /** A put (with the holder's cluster and the epoch) or a delete of the key. */
        record Change(KeyEvent.Type type, String cluster, long epoch, long revision, long seenNanos) {
        }

        private final List<Change> changes = new CopyOnWriteArrayList<>();
        private final ResumableWatch watch;

        WriterWatch(Coordinator observer, String key) {
            this.watch = observer.watch(key, false, 0, new WatchListener() {
                @Override
                public void onSnapshot(Snapshot why, List<StoredEntry> entries, long revision) {
                    long now = System.nanoTime();
                    for (StoredEntry e : entries) {
                        changes.add(new Change(KeyEvent.Type.PUT, cluster(e), e.createRevision(), e.modRevision(), now));
                    }
                }

                @Override
                public void onEvents(List<KeyEvent> events) {
                    long now = System.nanoTime();
                    for (KeyEvent ev : events) {
                        StoredEntry e = ev.entry();
                        changes.add(new Change(ev.type(), ev.type() == KeyEvent.Type.PUT ? cluster(e) : null,
                                e.createRevision(), ev.revision(), now));
                    }
                }
            });
        }

        private static String cluster(StoredEntry e) {
            return Records.fromJson(e.key(), e.value(), WriterRecord.class).cluster();
        }

        List<Change> changes() {
            return List.copyOf(changes);
        }

        /** The first change after index {@code from} matching the type (and cluster, for puts), if seen yet. */
        java.util.Optional<Change> first(KeyEvent.Type type, String cluster) {
            return changes.stream().filter(c -> c.type() == type && (cluster == null || cluster.equals(c.cluster())))
                    .findFirst();
        }

        /** How many distinct epochs held the key while watched. */
        long epochs() {
            return changes.stream().filter(c -> c.type() == KeyEvent.Type.PUT).map(Change::epoch).distinct().count();
        }

        @Override
        public void close() {
            watch.close();
        }
    }
}
