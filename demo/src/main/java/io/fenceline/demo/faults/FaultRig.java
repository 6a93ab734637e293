package io.fenceline.demo.faults;

import io.fenceline.config.coordination.Coordinator;
import io.fenceline.config.coordination.EtcdSettings;
import io.fenceline.config.coordination.KeyEvent;
import io.fenceline.config.coordination.StoredEntry;
import io.fenceline.config.coordination.WatchListener;
import io.fenceline.config.records.HandoffRequest;
import io.fenceline.config.records.Records;
import io.fenceline.config.records.WriterRecord;
import io.fenceline.demo.fleet.ProxyChild;
import io.fenceline.demo.fleet.ProxyConfig;
import io.fenceline.testing.EtcdCluster;
import io.fenceline.testing.FaultLink;
import io.fenceline.testing.FreePorts;
import io.fenceline.testing.PostgresServer;

import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The processes of the fault harness: a three-member etcd; three PostgreSQL clusters ({@code track_commit_timestamp
 * = on}) whose table {@code w} records the cluster each row was committed on ({@code origin}, defaulting to the
 * server's {@code fenceline_demo.cluster}), each publishing its own rows to the other two through a fault link
 * (slow replication); a proxy per cluster as a child process, reaching each etcd member and its PostgreSQL through
 * fault links of its own. It records every writer epoch it sees on the writer key (a watch), and offers the
 * fault actions. Links hit by overlapping faults heal when the last of them ends.
 */
final class FaultRig implements AutoCloseable {

    static final List<String> CLUSTERS = List.of("a", "b", "c");
    static final String DATABASE = "faults";
    static final String GROUP = "faults";
    static final Duration TTL = Duration.ofSeconds(5);

    /** A writer epoch as the harness saw it: created (observed) at {@code from}, gone at {@code to} (or null). */
    static final class Epoch {
        final long epoch;
        final String cluster;
        final Instant from;
        volatile Instant to;

        Epoch(long epoch, String cluster, Instant from) {
            this.epoch = epoch;
            this.cluster = cluster;
            this.from = from;
        }

        @Override
        public String toString() {
            return cluster + "#" + epoch;
        }
    }

    private final Path workDir;
    private final Path proxyJar;
    private final Consumer<String> say;
    private EtcdCluster etcd;
    private final Map<String, PostgresServer> servers = new LinkedHashMap<>();
    private final Map<String, FaultLink> dbLinks = new LinkedHashMap<>();
    private final Map<String, List<FaultLink>> etcdLinks = new LinkedHashMap<>();
    /** Replication into a subscriber from each publisher: key "subscriber_from_publisher". */
    private final Map<String, FaultLink> replicationLinks = new LinkedHashMap<>();
    private final Map<String, ProxyChild> proxies = new LinkedHashMap<>();
    private final Map<String, ProxyConfig> configs = new LinkedHashMap<>();
    private final Map<String, Integer> incarnations = new HashMap<>();
    private final Map<FaultLink, Integer> cuts = new HashMap<>();
    private final List<Epoch> epochs = new CopyOnWriteArrayList<>();
    private Coordinator client;
    private boolean closed;

    FaultRig(Path workDir, Path proxyJar, Consumer<String> say) {
        this.workDir = workDir;
        this.proxyJar = proxyJar;
        this.say = say;
    }

    void start() throws Exception {
        say.accept("starting etcd (three members)");
        etcd = EtcdCluster.start(3);
        client = Coordinator.connect(EtcdSettings.defaults(etcd.endpoints()));
        for (String cluster : CLUSTERS) {
            say.accept("starting PostgreSQL cluster " + cluster);
            PostgresServer pg = PostgresServer.builder()
                    .setting("fenceline_demo.cluster", cluster)
                    .setting("track_commit_timestamp", "on")
                    .setting("wal_retrieve_retry_interval", "500ms")
                    .setting("wal_receiver_status_interval", "1s")
                    .setting("wal_sender_timeout", "20s")
                    .setting("max_connections", "100")
                    .start();
            servers.put(cluster, pg);
            pg.execute("CREATE DATABASE " + DATABASE);
            pg.executeIn(DATABASE, "CREATE TABLE w (id bigint PRIMARY KEY, schedule bigint NOT NULL, origin text NOT NULL"
                    + " DEFAULT current_setting('fenceline_demo.cluster'), kind text NOT NULL)");
            pg.executeIn(DATABASE, "CREATE PUBLICATION w_from_" + cluster + " FOR TABLE w WHERE (origin = '" + cluster
                    + "') WITH (publish = 'insert')");
        }
        for (String subscriber : CLUSTERS) {
            for (String publisher : CLUSTERS) {
                if (!publisher.equals(subscriber)) {
                    FaultLink link = FaultLink.start("127.0.0.1", servers.get(publisher).port());
                    replicationLinks.put(subscriber + "_from_" + publisher, link);
                    servers.get(subscriber).executeIn(DATABASE, "CREATE SUBSCRIPTION " + subscriber + "_from_" + publisher
                            + " CONNECTION 'host=127.0.0.1 port=" + link.port() + " user=postgres dbname=" + DATABASE
                            + "' PUBLICATION w_from_" + publisher + " WITH (copy_data = false)");
                }
            }
        }
        watchWriter();
        for (String cluster : CLUSTERS) {
            List<FaultLink> links = new ArrayList<>();
            for (int i = 0; i < etcd.size(); i++) {
                links.add(FaultLink.start("127.0.0.1", etcd.member(i).clientPort()));
            }
            etcdLinks.put(cluster, links);
            FaultLink db = FaultLink.start("127.0.0.1", servers.get(cluster).port());
            dbLinks.put(cluster, db);
            String endpoints = String.join(", ", links.stream().map(l -> "http://127.0.0.1:" + l.port()).toList());
            String other = CLUSTERS.stream().filter(c -> !c.equals(cluster)).findFirst().orElseThrow();
            configs.put(cluster, new ProxyConfig(cluster, FreePorts.take(), FreePorts.take(), db.port(), DATABASE,
                    endpoints, GROUP, "a", CLUSTERS, cluster + "_from_" + other));
            startProxy(cluster);
        }
    }

    private void watchWriter() {
        client.watch(client.keys().writer(GROUP), false, 0, new WatchListener() {
            @Override
            public void onSnapshot(Snapshot why, List<StoredEntry> entries, long revision) {
                entries.forEach(e -> saw(e));
            }

            @Override
            public void onEvents(List<KeyEvent> events) {
                for (KeyEvent e : events) {
                    if (e.type() == KeyEvent.Type.DELETE) {
                        epochs.forEach(x -> {
                            if (x.to == null) {
                                x.to = Instant.now();
                            }
                        });
                    } else {
                        saw(e.entry());
                    }
                }
            }
        });
    }

    private synchronized void saw(StoredEntry e) {
        if (epochs.stream().noneMatch(x -> x.epoch == e.createRevision())) {
            String cluster = Records.fromJson(e.key(), e.value(), WriterRecord.class).cluster();
            epochs.forEach(x -> {
                if (x.to == null) {
                    x.to = Instant.now();
                }
            });
            epochs.add(new Epoch(e.createRevision(), cluster, Instant.now()));
        }
    }

    List<Epoch> epochs() {
        return List.copyOf(epochs);
    }

    /** The cluster holding the writer key now, if any (etcd's answer). */
    Optional<String> writer() {
        try {
            return client.store().getEntry(client.keys().writer(GROUP)).get(5, TimeUnit.SECONDS)
                    .map(e -> Records.fromJson(e.key(), e.value(), WriterRecord.class).cluster());
        } catch (Exception e) {
            return Optional.empty();
        }
    }

    int proxyPort(String cluster) {
        return configs.get(cluster).port();
    }

    Connection connectDirect(String cluster) throws SQLException {
        return servers.get(cluster).connect(DATABASE);
    }

    // ---- fault actions ----

    synchronized void startProxy(String cluster) {
        if (closed) {
            return;
        }
        ProxyChild old = proxies.get(cluster);
        if (old != null && old.isAlive()) {
            return;
        }
        int n = incarnations.merge(cluster, 1, Integer::sum);
        ProxyConfig c = configs.get(cluster);
        proxies.put(cluster, ProxyChild.start(cluster, proxyJar, workDir.resolve(cluster + "-" + n),
                c.yaml(true, false), c.port(), c.adminPort(), Duration.ofSeconds(60)));
    }

    /** kill -9; false when the proxy was not running. */
    synchronized boolean killProxy(String cluster) {
        ProxyChild p = proxies.get(cluster);
        if (p != null && p.isAlive()) {
            signal("KILL", p.pid());
            return true;
        }
        return false;
    }

    /** SIGSTOP; false when the proxy was not running. */
    synchronized boolean stopProxy(String cluster) {
        ProxyChild p = proxies.get(cluster);
        if (p != null && p.isAlive()) {
            signal("STOP", p.pid());
            return true;
        }
        return false;
    }

    synchronized void continueProxy(String cluster) {
        ProxyChild p = proxies.get(cluster);
        if (p != null && p.isAlive()) {
            signal("CONT", p.pid());
        }
    }

    private static void signal(String name, long pid) {
        try {
            new ProcessBuilder("kill", "-" + name, Long.toString(pid)).inheritIO().start().waitFor(5, TimeUnit.SECONDS);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Cuts the proxy of {@code cluster} from {@code members} etcd members (all when 3). */
    synchronized List<FaultLink> cutFromEtcd(String cluster, int members) {
        List<FaultLink> cut = etcdLinks.get(cluster).subList(0, members);
        cut.forEach(this::cut);
        return List.copyOf(cut);
    }

    synchronized FaultLink cutFromDatabase(String cluster) {
        FaultLink l = dbLinks.get(cluster);
        cut(l);
        return l;
    }

    private void cut(FaultLink l) {
        if (cuts.merge(l, 1, Integer::sum) == 1) {
            l.blackhole();
        }
    }

    synchronized void heal(FaultLink l) {
        if (cuts.merge(l, -1, Integer::sum) <= 0) {
            cuts.remove(l);
            l.pass();
        }
    }

    /** Delays replication into {@code subscriber} from every publisher. */
    synchronized List<FaultLink> slowReplication(String subscriber, Duration delay) {
        List<FaultLink> links = new ArrayList<>();
        replicationLinks.forEach((name, link) -> {
            if (name.startsWith(subscriber + "_from_")) {
                link.delay(delay);
                links.add(link);
            }
        });
        return links;
    }

    int killEtcdLeader() {
        int leader = etcd.leaderIndex();
        etcd.member(leader).kill();
        return leader;
    }

    void restartEtcd(int member) {
        if (!etcd.member(member).isRunning()) {
            etcd.member(member).start();
        }
    }

    void mode(String cluster, String mode) throws Exception {
        client.store().putText(client.keys().mode(GROUP, cluster), mode).get(5, TimeUnit.SECONDS);
    }

    void handoff(String target, String id) throws Exception {
        client.store().put(client.keys().handoff(GROUP), new HandoffRequest(id, target, "bin/faults", Instant.now(),
                20_000)).get(5, TimeUnit.SECONDS);
    }

    /** Every fault undone: links pass, proxies continued or restarted, etcd members up, modes writable. */
    synchronized void healAll() throws Exception {
        cuts.clear();
        dbLinks.values().forEach(FaultLink::pass);
        etcdLinks.values().forEach(l -> l.forEach(FaultLink::pass));
        replicationLinks.values().forEach(FaultLink::pass);
        for (int i = 0; i < etcd.size(); i++) {
            restartEtcd(i);
        }
        etcd.awaitHealthy(Duration.ofSeconds(30));
        for (String cluster : CLUSTERS) {
            continueProxy(cluster);
            startProxy(cluster);
            client.store().putText(client.keys().mode(GROUP, cluster), "writable").get(5, TimeUnit.SECONDS);
        }
    }

    /** The proxy logs' last lines, for a failing schedule. */
    String proxyLogs(int lines) {
        StringBuilder b = new StringBuilder();
        proxies.forEach((c, p) -> b.append("--- proxy ").append(c).append(" ---\n").append(p.logTail(lines)).append('\n'));
        return b.toString();
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        proxies.values().forEach(p -> continueProxy(p.cluster()));
        List<AutoCloseable> order = new ArrayList<>(proxies.values());
        if (client != null) {
            order.add(client);
        }
        dbLinks.values().forEach(order::add);
        etcdLinks.values().forEach(order::addAll);
        order.addAll(replicationLinks.values());
        order.addAll(servers.values());
        if (etcd != null) {
            order.add(etcd);
        }
        for (AutoCloseable c : order) {
            try {
                c.close();
            } catch (Exception e) {
                say.accept("could not stop " + c + ": " + e.getMessage());
            }
        }
    }
}
